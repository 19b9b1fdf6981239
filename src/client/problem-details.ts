/** An RFC 9457 problem body as job-intake sends it. */
export interface ProblemDetails {
  /** A URI reference naming the problem, e.g. `/problems/not-found`. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly requestId?: string;
  /** For `validation-failed`: each problem with its location. */
  readonly errors?: ReadonlyArray<{ readonly in: string; readonly pointer: string; readonly detail: string }>;
  readonly [extension: string]: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a response body as problem details. A body that is not one (a proxy's
 * HTML error page, an empty body) becomes `about:blank` with the HTTP status,
 * as RFC 9457 §4.2.1 says a plain status should be read.
 */
export function toProblemDetails(status: number, statusText: string, bodyText: string): ProblemDetails {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  if (isRecord(parsed) && typeof parsed.title === 'string') {
    return { ...parsed, type: typeof parsed.type === 'string' ? parsed.type : 'about:blank', title: parsed.title, status };
  }
  const excerpt = bodyText.trim().slice(0, 200);
  return {
    type: 'about:blank',
    title: statusText || `HTTP ${status}`,
    status,
    ...(excerpt === '' ? {} : { detail: excerpt }),
  };
}
