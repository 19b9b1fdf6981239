const MAX_WAIT_SECONDS = 30;

/**
 * The `wait` preference of a `Prefer` header (RFC 7240 §4.3), capped at 30 s;
 * 0 when absent or unreadable. Preferences are hints: a bad one is ignored,
 * never an error.
 */
export function preferredWaitSeconds(header: string | string[] | undefined): number {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  for (const preference of values.flatMap((value) => value.split(','))) {
    const match = /^\s*wait\s*=\s*"?(\d{1,6})"?\s*(?:;.*)?$/i.exec(preference);
    if (match) return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
  }
  return 0;
}
