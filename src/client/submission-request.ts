import {
  receiptPath,
  type FinishedSubmission,
  type JobCallback,
  type JobOptions,
  type JobReceipt,
  type Submission,
  type SubmitResult,
} from './receipts.js';
import type { TransportAnswer } from './transport.js';

/** The service's cap on `Prefer: wait` (and on `?wait=`), in seconds. */
export const MAX_WAIT_SECONDS = 30;

/**
 * The body of `POST /v1/jobs`. `options` goes in only when a field of it is set:
 * the service fingerprints `{type, payload}` alone when there are none, so keys
 * used before options existed, or without them, keep replaying. `callback` goes
 * in when given.
 */
export function submissionBody(type: string, payload: unknown, options: JobOptions & { readonly callback?: JobCallback | undefined }): string {
  const scheduling: JobOptions = {
    ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
  };
  const callback = options.callback === undefined ? {} : { callback: options.callback };
  return JSON.stringify(Object.keys(scheduling).length === 0 ? { type, payload, ...callback } : { type, payload, options: scheduling, ...callback });
}

/**
 * The `Prefer` header for a wait of `seconds` (RFC 7240 §4.3: `wait` is whole
 * seconds), or none for 0. Checked before sending: the service would ignore a
 * wait it cannot read, and silently cap one above 30.
 */
export function preferHeader(seconds: number | undefined): Record<string, string> {
  if (seconds === undefined || seconds === 0) return {};
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_WAIT_SECONDS) {
    throw new RangeError(`waitSeconds must be a whole number from 0 to ${MAX_WAIT_SECONDS}, not ${String(seconds)}`);
  }
  return { prefer: `wait=${seconds}` };
}

/**
 * How long `run`'s submission asks the service to wait: the caller's
 * `waitSeconds`, else 30 s, or with onProgress one progress interval (1 s by
 * default), so that a longer job's progress shows from then on; never past
 * `timeoutMs`, which counts from the submission.
 */
export function firstWaitSeconds(options: {
  readonly waitSeconds?: number | undefined;
  readonly timeoutMs?: number | undefined;
  readonly onProgress?: unknown;
  readonly progressIntervalMs?: number | undefined;
}): number {
  const progressSeconds = Math.min(MAX_WAIT_SECONDS, Math.ceil((options.progressIntervalMs ?? 1000) / 1000));
  const wanted = options.waitSeconds ?? (options.onProgress === undefined ? MAX_WAIT_SECONDS : progressSeconds);
  return Math.min(wanted, Math.max(0, Math.floor((options.timeoutMs ?? Infinity) / 1000)));
}

/**
 * Reads the answer to a submission: 200 is the final receipt (the job ended
 * within the preferred wait), anything else (202) the acceptance. Keyed on the
 * status, as the service's contract is: a replay is always the original 202.
 */
export function toSubmitResult<Type extends string, Result>(answer: TransportAnswer, key: string): SubmitResult<Type, Result> {
  if (answer.status === 200) {
    const receipt = JSON.parse(answer.body) as JobReceipt<Type, Result>;
    const finished: FinishedSubmission<Type, Result> = {
      outcome: 'finished',
      id: receipt.id,
      key,
      type: receipt.type,
      receiptUrl: receiptPath(key),
      replayed: false,
      receipt,
    };
    return finished;
  }
  const accepted = JSON.parse(answer.body) as Omit<Submission<Type>, 'outcome' | 'replayed'>;
  return { outcome: 'accepted', ...accepted, replayed: answer.headers.get('idempotent-replayed') === 'true' };
}
