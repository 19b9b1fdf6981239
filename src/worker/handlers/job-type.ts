import type { Logger } from 'pino';
import type { z } from 'zod';

/** What a handler gets besides its payload. */
export interface JobContext {
  readonly jobId: string;
  /** 1 for the first run, 2 for the first retry, ... (also counts runs cut short by a crash). */
  readonly attempt: number;
  readonly log: Logger;
  /** Fired on timeout or cancellation: stop work and throw (made on first read). */
  readonly signal: AbortSignal;
  /** Reports progress (0..100) on the job's receipt. */
  progress(percent: number): Promise<void>;
}

/**
 * One job type: the payload schema, which the API validates on intake and the
 * worker validates again before running, and the code that runs it.
 */
export interface JobType<Schema extends z.ZodType = z.ZodType, Result = unknown, Name extends string = string> {
  /** Its literal name (`'sleep'`), so clients can tell the job types apart at compile time. */
  readonly type: Name;
  readonly description: string;
  readonly payloadSchema: Schema;
  /** Overrides JOB_TIMEOUT_MS for this type (0 = no limit). */
  readonly timeoutMs?: number;
  run(payload: z.output<Schema>, ctx: JobContext): Promise<Result>;
}

/**
 * Keeps the payload type of `run` tied to its schema, and keeps the name and the
 * result type: the typed client derives what to send and what comes back from them.
 */
export function defineJobType<Name extends string, Schema extends z.ZodType, Result>(
  definition: JobType<Schema, Result, Name>,
): JobType<Schema, Result, Name> {
  return Object.freeze(definition);
}

export type JobTypeRegistry = ReadonlyMap<string, JobType>;

export function createRegistry(types: ReadonlyArray<JobType<z.ZodType, unknown>>): JobTypeRegistry {
  const registry = new Map<string, JobType>();
  for (const jobType of types) {
    if (registry.has(jobType.type)) throw new Error(`job type "${jobType.type}" is registered twice`);
    registry.set(jobType.type, jobType as JobType);
  }
  return registry;
}
