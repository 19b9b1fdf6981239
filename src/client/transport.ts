import { refusedError, ServiceUnavailableError } from './errors.js';
import { toProblemDetails, type ProblemDetails } from './problem-details.js';
import { isRetryableStatus, parseRetryAfter, retryDelay, type RetryPolicy } from './retry-policy.js';

/** Why a try is being repeated, for logs and progress displays. */
export interface RetryNotice {
  /** The try that failed: 1 for the first. */
  readonly attempt: number;
  readonly delayMs: number;
  /** The HTTP status, or undefined for a network error or a timeout. */
  readonly status: number | undefined;
  readonly reason: string;
}

export interface TransportDeps {
  readonly baseUrl: URL;
  readonly token: string | undefined;
  readonly fetch: typeof globalThis.fetch;
  readonly retry: RetryPolicy;
  /** Deadline of one try, beyond any long-poll wait it asks the server for. */
  readonly requestTimeoutMs: number;
  readonly onRetry: ((notice: RetryNotice) => void) | undefined;
}

export interface TransportRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, relative to the base URL. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Extra time this try may take (a long-poll's wait). */
  readonly extraTimeoutMs?: number;
  readonly signal?: AbortSignal | undefined;
  /** The Idempotency-Key sent, reported when the client gives up. */
  readonly key?: string;
}

export interface TransportAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

type TryOutcome =
  | { readonly kind: 'answer'; readonly answer: TransportAnswer; readonly problem?: ProblemDetails }
  | { readonly kind: 'network'; readonly error: unknown };

/** Waits `ms`, or rejects with the signal's reason as soon as it fires. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Sends requests, and sends them again, the same bytes and so the same
 * Idempotency-Key, after network errors, timeouts, 408, 429 and 5xx, until the
 * retry budget is spent. A 2xx/3xx resolves; any other 4xx throws its typed
 * refusal at once; the caller's own abort rejects with its reason, untouched.
 */
export function createTransport(deps: TransportDeps) {
  async function tryOnce(request: TransportRequest): Promise<TryOutcome> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...request.headers };
    if (deps.token !== undefined) headers.authorization = `Bearer ${deps.token}`;
    const timeout = AbortSignal.timeout(deps.requestTimeoutMs + (request.extraTimeoutMs ?? 0));
    const signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);
    try {
      const response = await deps.fetch(new URL(request.path, deps.baseUrl), {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal,
      });
      // Read the whole body inside the try: a connection cut mid-body is a network error too.
      const answer = { status: response.status, headers: response.headers, body: await response.text() };
      if (answer.status < 400) return { kind: 'answer', answer };
      return { kind: 'answer', answer, problem: toProblemDetails(answer.status, response.statusText, answer.body) };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      return { kind: 'network', error };
    }
  }

  return async function send(request: TransportRequest): Promise<TransportAnswer> {
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await tryOnce(request);
      if (outcome.kind === 'answer' && outcome.problem === undefined) return outcome.answer;
      if (outcome.kind === 'answer' && !isRetryableStatus(outcome.answer.status)) throw refusedError(outcome.problem!);

      const retryAfterMs = outcome.kind === 'answer' ? parseRetryAfter(outcome.answer.headers.get('retry-after')) : undefined;
      const delayMs = retryDelay(deps.retry, attempt, retryAfterMs);
      const reason = outcome.kind === 'answer' ? `${outcome.answer.status} ${outcome.problem!.title}` : describeNetworkError(outcome.error);
      const outOfBudget = attempt >= deps.retry.maxAttempts || Date.now() - started + delayMs > deps.retry.budgetMs;
      if (outOfBudget) {
        const url = new URL(request.path, deps.baseUrl).href;
        throw new ServiceUnavailableError(`${request.method} ${url} failed after ${attempt} tries: ${reason}`, {
          attempts: attempt,
          ...(outcome.kind === 'answer' ? { problem: outcome.problem! } : { cause: outcome.error }),
          ...(request.key === undefined ? {} : { key: request.key }),
        });
      }
      deps.onRetry?.({ attempt, delayMs, status: outcome.kind === 'answer' ? outcome.answer.status : undefined, reason });
      await pause(delayMs, request.signal);
    }
  };
}

/** undici says only "fetch failed"; the cause names what happened (ECONNREFUSED, "other side closed"). */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return [error.message, cause?.message, typeof code === 'string' && !cause?.message.includes(code) ? code : undefined]
    .filter((part) => part !== undefined && part !== '')
    .join(': ');
}

export type Transport = ReturnType<typeof createTransport>;
