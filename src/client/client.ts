import { JobFailedError, JobTimeoutError } from './errors.js';
import { idempotencyKeyFor } from './idempotency-key.js';
import { listPath, type JobListPage, type ListOptions } from './job-list.js';
import type { DefaultJobTypeMap, JobTypeMap, JobTypeName, PayloadOf, ResultOf } from './job-types.js';
import {
  heldReceipt,
  receiptPath,
  type JobCallback,
  type JobOptions,
  type JobReceipt,
  type ReceiptTarget,
  type Submission,
  type SubmitResult,
} from './receipts.js';
import { parseRetryAfter, retryPolicy, type RetryOptions } from './retry-policy.js';
import { firstWaitSeconds, MAX_WAIT_SECONDS, preferHeader, submissionBody, toSubmitResult } from './submission-request.js';
import { createTransport, pause, type RetryNotice, type Transport } from './transport.js';

export interface JobIntakeClientOptions {
  /** The service's base URL, e.g. `http://localhost:3000`. */
  readonly baseUrl: string | URL;
  /** Bearer token, when the service runs with API_KEYS. */
  readonly token?: string | undefined;
  /** Defaults to the global fetch (Node 20+). */
  readonly fetch?: typeof globalThis.fetch;
  readonly retry?: RetryOptions;
  /** Deadline of one HTTP try, beyond a long-poll's wait (default 10 000 ms). */
  readonly requestTimeoutMs?: number;
  /** Told before each retry: for logs and progress displays. */
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** `delayMs` and `priority` are sent as the submission's `options` (only those set). */
export interface SubmitOptions extends JobOptions {
  /** Reuse your own key (an order id, a message id) to make your retries safe across processes too. */
  readonly idempotencyKey?: string;
  /** Have the service POST the job's events to this URL, signed (see `verifyWebhook`). */
  readonly callback?: JobCallback;
  /**
   * Ask the service to hold its answer up to this many whole seconds (0 to 30;
   * `Prefer: wait`, RFC 7240): a job that ends in time comes back `finished`,
   * with its final receipt, in one request; otherwise `accepted`, as without it.
   */
  readonly waitSeconds?: number;
  readonly signal?: AbortSignal;
}

export interface WaitOptions<Receipt = JobReceipt> {
  /** Give up (JobTimeoutError) after this long; default: wait as long as the job takes. */
  readonly timeoutMs?: number;
  /** Called with the first receipt and whenever its progress or status changes. */
  readonly onProgress?: (progress: JobReceipt['progress'], receipt: Receipt) => void;
  /**
   * How often to look for progress when onProgress is given (default 1000 ms,
   * rounded up to whole seconds): the service's long-poll returns early only
   * when the job ends, so progress is read at this pace in between.
   */
  readonly progressIntervalMs?: number;
  /**
   * When the wait began, in ms since the epoch (default: now); `timeoutMs` counts
   * from it. After a submit with `waitSeconds`, pass when it was sent, so the
   * time the service held the answer counts too.
   */
  readonly startedAt?: number;
  readonly signal?: AbortSignal;
}

/**
 * A client for job-intake. Payload and result types come from the job types'
 * zod schemas (`DefaultJobTypeMap`), so a wrong payload does not compile.
 */
export class JobIntakeClient<Types extends JobTypeMap = DefaultJobTypeMap> {
  readonly #send: Transport;

  constructor(options: JobIntakeClientOptions) {
    const baseUrl = new URL(options.baseUrl);
    // Paths are resolved relative to the base, so a base path (`/job-intake/`) is kept.
    if (!baseUrl.pathname.endsWith('/')) baseUrl.pathname += '/';
    if (options.token !== undefined && !/^[\x21-\x7e]+$/.test(options.token)) {
      throw new RangeError('token must be visible ASCII characters');
    }
    this.#send = createTransport({
      baseUrl,
      token: options.token,
      fetch: options.fetch ?? globalThis.fetch,
      retry: retryPolicy(options.retry),
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      onRetry: options.onRetry,
    });
  }

  /**
   * Submits a job once. Without `idempotencyKey` a UUIDv7 is made; every retry of
   * this call sends that same key and the same body, so network errors and 5xx
   * never make a second job. Resolves `accepted` (the 202) or, with `waitSeconds`,
   * `finished` (the 200 with the final receipt) when the job ended in time; a
   * retry that the service takes for a replay gets the original 202.
   */
  submit<Type extends JobTypeName<Types>>(
    type: Type,
    payload: PayloadOf<Types, Type>,
    options?: SubmitOptions & { readonly waitSeconds?: 0 | undefined },
  ): Promise<Submission<Type>>;
  submit<Type extends JobTypeName<Types>>(
    type: Type,
    payload: PayloadOf<Types, Type>,
    options: SubmitOptions,
  ): Promise<SubmitResult<Type, ResultOf<Types, Type>>>;
  async submit<Type extends JobTypeName<Types>>(
    type: Type,
    payload: PayloadOf<Types, Type>,
    options: SubmitOptions = {},
  ): Promise<SubmitResult<Type, ResultOf<Types, Type>>> {
    const key = idempotencyKeyFor(options.idempotencyKey);
    const prefer = preferHeader(options.waitSeconds);
    const answer = await this.#send({
      method: 'POST',
      path: 'v1/jobs',
      headers: { 'content-type': 'application/json', 'idempotency-key': key, ...prefer },
      body: submissionBody(type, payload, options),
      extraTimeoutMs: (options.waitSeconds ?? 0) * 1000,
      signal: options.signal,
      key,
    });
    return toSubmitResult(answer, key);
  }

  /** Reads a receipt; `waitSeconds` (up to 30) long-polls until the job ends or that time passes. */
  async receipt<Type extends JobTypeName<Types> = JobTypeName<Types>>(
    target: ReceiptTarget<Type>,
    options: { waitSeconds?: number; signal?: AbortSignal } = {},
  ): Promise<JobReceipt<Type, ResultOf<Types, Type>>> {
    const { receipt } = await this.#readReceipt<Type, ResultOf<Types, Type>>(target, options.waitSeconds ?? 0, options.signal);
    return receipt;
  }

  /**
   * Long-polls the receipt until the job has ended (the service answers 200),
   * then resolves with it, whether it succeeded, failed or was canceled. A
   * `finished` submit result already holds it: no request is made.
   */
  async wait<Type extends JobTypeName<Types> = JobTypeName<Types>>(
    target: ReceiptTarget<Type>,
    options: WaitOptions<JobReceipt<Type, ResultOf<Types, Type>>> = {},
  ): Promise<JobReceipt<Type, ResultOf<Types, Type>>> {
    const held = heldReceipt(target) as JobReceipt<Type, ResultOf<Types, Type>> | undefined;
    if (held !== undefined) {
      options.onProgress?.(held.progress, held);
      return held;
    }
    const timeoutMs = options.timeoutMs ?? Infinity;
    const deadline = (options.startedAt ?? Date.now()) + timeoutMs;
    const stepMs = options.onProgress === undefined ? MAX_WAIT_SECONDS * 1000 : (options.progressIntervalMs ?? 1000);
    let last: JobReceipt<Type, ResultOf<Types, Type>> | undefined;
    for (;;) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new JobTimeoutError(keyOf(target), last, timeoutMs);
      // With onProgress the first read answers at once, so the caller sees the state from the start.
      const waitSeconds =
        options.onProgress !== undefined && last === undefined
          ? 0
          : Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.ceil(Math.min(remainingMs, stepMs) / 1000)));
      // The deadline also cuts a long-poll or a retry pause short.
      const expiry = Number.isFinite(remainingMs) ? AbortSignal.timeout(remainingMs) : undefined;
      const signals = [options.signal, expiry].filter((signal): signal is AbortSignal => signal !== undefined);
      const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
      const asTimeout = (err: unknown) => {
        if (expiry?.aborted && !options.signal?.aborted) throw new JobTimeoutError(keyOf(target), last, timeoutMs);
        throw err;
      };
      const answer = await this.#readReceipt<Type, ResultOf<Types, Type>>(target, waitSeconds, signal).catch(asTimeout);
      if (last === undefined || changed(last, answer.receipt)) options.onProgress?.(answer.receipt.progress, answer.receipt);
      last = answer.receipt;
      if (answer.ended) return answer.receipt;
      if (answer.pauseMs > 0) await pause(answer.pauseMs, signal).catch(asTimeout);
    }
  }

  /**
   * Submits, waits, and resolves with the result; a failed or canceled job rejects
   * with JobFailedError. The submission asks the service to wait (`Prefer: wait`:
   * your `waitSeconds`, else 30 s, or one progress interval with onProgress; never
   * past `timeoutMs`), so a quick job ends in that one request; a longer one is
   * then long-polled. `timeoutMs` counts from the submission.
   */
  async run<Type extends JobTypeName<Types>>(
    type: Type,
    payload: PayloadOf<Types, Type>,
    options: SubmitOptions & Omit<WaitOptions<JobReceipt<Type, ResultOf<Types, Type>>>, 'startedAt'> = {},
  ): Promise<ResultOf<Types, Type>> {
    const startedAt = Date.now();
    const submitted = await this.submit(type, payload, { ...options, waitSeconds: firstWaitSeconds(options) });
    const receipt = await this.wait(submitted, { ...options, startedAt });
    if (receipt.status !== 'succeeded') throw new JobFailedError(receipt);
    return receipt.result as ResultOf<Types, Type>;
  }

  /**
   * Cancels the job (`DELETE /v1/receipts/{key}`) and resolves with the receipt the
   * service answers: `canceled` for a queued job, still `running` for a running one
   * whose abort signal was sent (`wait` then sees it end). A job that has already
   * ended is refused: RequestRefusedError, status 409. Repeating it is safe.
   */
  async cancel(target: ReceiptTarget, options: { signal?: AbortSignal } = {}): Promise<JobReceipt> {
    const answer = await this.#send({ method: 'DELETE', path: relative(receiptPath(keyOf(target))), signal: options.signal });
    return JSON.parse(answer.body) as JobReceipt;
  }

  /**
   * Puts a job that ended `failed` back in line under its key, with a fresh set
   * of attempts (`POST /v1/receipts/{key}/retry`), and resolves with its receipt
   * (`queued`, or already `running`; `attempts` goes on counting). Safe to
   * repeat: while the job is queued or running it changes nothing. A job that
   * succeeded or was canceled is refused: RequestRefusedError, status 409.
   */
  async retry<Type extends JobTypeName<Types> = JobTypeName<Types>>(
    target: ReceiptTarget<Type>,
    options: { signal?: AbortSignal } = {},
  ): Promise<JobReceipt<Type, ResultOf<Types, Type>>> {
    const answer = await this.#send({ method: 'POST', path: `${relative(receiptPath(keyOf(target)))}/retry`, signal: options.signal });
    return JSON.parse(answer.body) as JobReceipt<Type, ResultOf<Types, Type>>;
  }

  /**
   * The caller's own jobs, newest first, page by page (`GET /v1/jobs`), each a
   * receipt without its result: `for await (const page of client.list({ status: 'failed' }))`.
   * The iterator follows `nextCursor` until the list ends; a page may hold fewer
   * than `limit` jobs (even none) while more follow. Each page is one request, with the usual retries.
   */
  async *list<Type extends JobTypeName<Types> = JobTypeName<Types>>(options: ListOptions<Type> = {}): AsyncGenerator<JobListPage<Type>, void> {
    let cursor = options.cursor;
    do {
      const answer = await this.#send({ method: 'GET', path: listPath(options, cursor), signal: options.signal });
      const page = JSON.parse(answer.body) as JobListPage<Type>;
      yield page;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  async #readReceipt<Type extends string, Result>(target: ReceiptTarget, waitSeconds: number, signal: AbortSignal | undefined) {
    const answer = await this.#send({
      method: 'GET',
      path: `${relative(receiptPath(keyOf(target)))}${waitSeconds > 0 ? `?wait=${waitSeconds}` : ''}`,
      extraTimeoutMs: waitSeconds * 1000,
      signal,
    });
    // The service answers 200 once the job has ended and 202 while it has not:
    // keying on that, not on a list of end states, keeps working when new ones come.
    const ended = answer.status === 200;
    // Over its long-poll caps the service answers at once (Long-Poll-Skipped):
    // asking again at once would spin, so the next read waits for Retry-After.
    const skipped = waitSeconds > 0 && answer.headers.get('long-poll-skipped') !== null;
    const pauseMs = skipped ? (parseRetryAfter(answer.headers.get('retry-after')) ?? 1000) : 0;
    return { receipt: JSON.parse(answer.body) as JobReceipt<Type, Result>, ended, pauseMs };
  }
}

const keyOf = (target: ReceiptTarget): string => (typeof target === 'string' ? target : target.key);
const relative = (path: string): string => path.replace(/^\//, '');
const changed = (before: JobReceipt, after: JobReceipt): boolean =>
  before.status !== after.status || JSON.stringify(before.progress) !== JSON.stringify(after.progress);
