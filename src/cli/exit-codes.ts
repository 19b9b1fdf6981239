import {
  JobTimeoutError,
  RequestRefusedError,
  ServiceUnavailableError,
} from '../client/index.js';
import { UsageError } from './usage-error.js';

/**
 * What the process exit code tells a script. Documented in the README and in
 * `job-intake --help`; keep the three in step.
 */
export const EXIT = {
  /** Done: the job succeeded, or was accepted / read / canceled when not waiting for its end. */
  ok: 0,
  /** The job ended failed (or canceled): its receipt is printed. */
  jobFailed: 1,
  /** The command line was wrong: unknown flag, bad JSON, unreadable file, invalid key or URL. */
  usage: 2,
  /** The service could not be reached, or answered 429/5xx until the retries ran out. */
  unavailable: 3,
  /** The service refused the request (4xx): invalid payload, bad token, unknown key, key reused. */
  refused: 4,
  /** --timeout passed before the job ended; the job goes on. */
  timeout: 5,
  /** Ctrl-C while waiting; the job goes on. */
  interrupted: 130,
  /** A bug in the CLI itself: the stack trace is printed. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const STILL_GOING: ReadonlySet<string> = new Set(['queued', 'running', 'retrying']);

/** 0 for a job that succeeded or has not ended yet, 1 for one that ended any other way (failed, canceled). */
export function exitCodeForReceipt(receipt: { readonly status: string }): ExitCode {
  return receipt.status === 'succeeded' || STILL_GOING.has(receipt.status) ? EXIT.ok : EXIT.jobFailed;
}

/** The exit code for an error a command threw; undefined for one the CLI did not expect. */
export function exitCodeFor(error: unknown): ExitCode | undefined {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof RequestRefusedError) return EXIT.refused;
  if (error instanceof ServiceUnavailableError) return EXIT.unavailable;
  if (error instanceof JobTimeoutError) return EXIT.timeout;
  return undefined;
}
