/** Wrong admin tokens one client address may send per window before it is locked out. */
export const FAILED_LOGINS_PER_ADDRESS = 10;
/** Wrong admin tokens from all addresses together per window: a cap on guessing from many addresses. */
export const FAILED_LOGINS_IN_ALL = 100;
export const LOGIN_WINDOW_MS = 15 * 60_000;

const ALL = '*';
/** Windows kept before expired ones are swept (the global cap bounds new entries per window). */
const SWEEP_ABOVE = 1000;

/**
 * Counts wrong admin tokens (sign-in form or Bearer on the dashboard) per client
 * address and in all, in fixed windows of LOGIN_WINDOW_MS. Once a count reaches
 * its cap, every token check from that address (or from anywhere, for the
 * global cap) is refused until its window ends, the right token included:
 * answering a right guess would let the guessing go on. Sessions already signed
 * in are not affected. In memory: each API process counts its own.
 */
export function createLoginAttempts(options: { now?: () => number } = {}) {
  const now = options.now ?? (() => Date.now());
  const windows = new Map<string, { failures: number; endsAt: number }>();

  function lockedSeconds(key: string, cap: number): number {
    const window = windows.get(key);
    if (window === undefined || window.endsAt <= now() || window.failures < cap) return 0;
    return Math.ceil((window.endsAt - now()) / 1000);
  }

  function count(key: string) {
    let window = windows.get(key);
    if (window === undefined || window.endsAt <= now()) {
      window = { failures: 0, endsAt: now() + LOGIN_WINDOW_MS };
      windows.set(key, window);
    }
    window.failures += 1;
  }

  return {
    /** Seconds until `address` may try a token again; 0 when it may now. */
    lockedFor(address: string): number {
      return Math.max(lockedSeconds(address, FAILED_LOGINS_PER_ADDRESS), lockedSeconds(ALL, FAILED_LOGINS_IN_ALL));
    },
    failed(address: string): void {
      if (windows.size > SWEEP_ABOVE) for (const [key, window] of windows) if (window.endsAt <= now()) windows.delete(key);
      count(address);
      count(ALL);
    },
    /** A right token: the address starts afresh (the global count stands). */
    succeeded(address: string): void {
      windows.delete(address);
    },
  };
}
