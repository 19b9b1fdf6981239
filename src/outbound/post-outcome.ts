/**
 * What one outbound POST came to, for the caller to act on without reading HTTP:
 * - `ok`: a 2xx. `json` is the parsed body when the caller asked for JSON (`null`
 *   for an empty body), else undefined (the body was not read).
 * - `retry`: worth trying again later: 408, 429, 5xx, a timeout, a network error.
 *   `retryAfterMs` is the answer's Retry-After, when it had a valid one; the next
 *   try must not come sooner.
 * - `fail`: trying again cannot help: any other 4xx, a 3xx (redirects are not
 *   followed), a 2xx whose body is not the JSON asked for or is too big, a refused
 *   address, an invalid request.
 * `status` is the HTTP status when there was an answer; `bodyStart` the first bytes
 * of its body (UTF-8, at most BODY_START_BYTES) for error messages and logs.
 */
export type PostOutcome =
  | { kind: 'ok'; status: number; json: unknown }
  | { kind: 'retry'; reason: string; status?: number; retryAfterMs?: number; bodyStart?: string }
  | { kind: 'fail'; reason: string; status?: number; bodyStart?: string };

/** How much of an error answer's body is kept: enough to explain, too little to flood a receipt. */
export const BODY_START_BYTES = 512;

/**
 * Retry-After (RFC 9110 §10.2.3) as milliseconds from now: delay-seconds or an
 * HTTP-date (a date in the past means now, 0). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  const text = value?.trim() ?? '';
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form names a weekday and a month: without a letter it is not
  // one (Date.parse would read "1.5" as a day in 2001).
  if (!/[A-Za-z]/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The outcome of an answer that is not a 2xx, from its status, headers and body start. */
export function classifyNotOk(status: number, headers: { location?: string | undefined; 'retry-after'?: string | undefined }, bodyStart: string): PostOutcome {
  // Standard Webhooks, "Delivery success and failure": 429, 502, 504 mean "under
  // load, throttle"; 408 is the receiver's own timeout. All are worth a later try.
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return { kind: 'retry', reason: `HTTP ${status}`, status, bodyStart, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  if (status >= 300 && status < 400) {
    // The spec: following redirects "causes unnecessary load"; and the target never
    // passed the submission check. Whoever owns the URL must fix it instead.
    const location = headers.location === undefined ? '' : ` to ${headers.location.slice(0, 200)}`;
    return { kind: 'fail', reason: `HTTP ${status}: redirect${location} not followed`, status, bodyStart };
  }
  return { kind: 'fail', reason: `HTTP ${status}`, status, bodyStart };
}
