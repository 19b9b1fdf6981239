import type { Logger } from 'pino';
import { z } from 'zod';

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
  /**
   * A durable step: runs `fn` once per job. Its result is stored in Redis, as
   * JSON, before the step returns; a later run of the job (after a crash, a
   * retry) gets the stored result without calling `fn`. Resolves to the result
   * as JSON gives it back (`undefined` becomes `null`, a Date its ISO string),
   * on the first run as on a rerun. Names are unique within a job; a step that
   * throws stores nothing and runs again next time. docs/guarantees.md says
   * what it guarantees, and the moment it cannot cover.
   */
  step<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
}

/** How long to wait before a failed attempt runs again: `delayMs`, or doubling from it. */
export interface JobBackoff {
  readonly type: 'exponential' | 'fixed';
  readonly delayMs: number;
}

/** The queue a job type goes to when it names none. */
export const DEFAULT_QUEUE = 'default';

/**
 * An endpoint that runs a job type's jobs instead of code in the worker: the
 * worker POSTs each payload to it, signed (Standard Webhooks), with the job id
 * as Idempotency-Key, and stores its JSON answer as the result (README: HTTP
 * job types).
 */
export interface HttpEndpoint {
  /** http: or https:. A private or loopback address is reached only when OUTBOUND_ALLOW_HOSTS lists it. */
  readonly url: string;
  /** One request, connecting to reading the answer (default 30 s); a timeout is retried. */
  readonly timeoutMs?: number;
}

/** How long one request to an HTTP job type's endpoint may take when its definition says nothing. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/**
 * One job type: the payload schema, which the API validates on intake and the
 * worker validates again before running, and what runs it: `run`, code in the
 * worker, or `http`, an endpoint. The optional settings override the
 * process-wide defaults for this type.
 */
interface JobTypeSettings<Schema extends z.ZodType, Result, Name extends string> {
  /** Its literal name (`'sleep'`), so clients can tell the job types apart at compile time. */
  readonly type: Name;
  readonly description: string;
  readonly payloadSchema: Schema;
  /** The queue its jobs wait in (default `"default"`); a worker serves the queues it is told. */
  readonly queue?: string;
  /** Overrides JOB_TIMEOUT_MS for this type (0 = no limit). */
  readonly timeoutMs?: number;
  /** Overrides JOB_ATTEMPTS: runs before the job fails for good. */
  readonly attempts?: number;
  /** Overrides JOB_BACKOFF_MS (exponential). */
  readonly backoff?: JobBackoff;
  /** When set, a result that does not match fails the job (it is a bug in the handler, not bad luck). */
  readonly resultSchema?: z.ZodType<Result>;
}

/** Run by code in the worker's process. */
interface RunInWorker<Schema extends z.ZodType, Result> {
  run(payload: z.output<Schema>, ctx: JobContext): Promise<Result>;
  readonly http?: undefined;
}

/** Run by an HTTP endpoint: no code in the worker. */
interface RunByEndpoint {
  readonly http: HttpEndpoint;
  readonly run?: undefined;
}

/** A job type whose jobs run in the worker, by its `run`. */
export type CodeJobType<Schema extends z.ZodType = z.ZodType, Result = unknown, Name extends string = string> = JobTypeSettings<
  Schema,
  Result,
  Name
> &
  RunInWorker<Schema, Result>;

/** A job type whose jobs an HTTP endpoint runs (`http`, no `run`). */
export type HttpJobType<Schema extends z.ZodType = z.ZodType, Result = unknown, Name extends string = string> = JobTypeSettings<
  Schema,
  Result,
  Name
> &
  RunByEndpoint;

export type JobType<Schema extends z.ZodType = z.ZodType, Result = unknown, Name extends string = string> =
  | CodeJobType<Schema, Result, Name>
  | HttpJobType<Schema, Result, Name>;

/** Thrown for a job type definition that cannot work; the message names the type and the field. */
export class JobTypeDefinitionError extends Error {
  override name = 'JobTypeDefinitionError';
}

// Marks what defineJobType returned, across copies of this package (Symbol.for),
// so a module loader can tell job types from a module's other exports.
const JOB_TYPE_MARK = Symbol.for('job-intake.job-type');

// A type is the BullMQ job name and shows in URLs of the docs; a queue is part
// of Redis key names, where `:` separates parts and `{}` are Cluster hash tags.
const TYPE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const QUEUE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

// Strict: a misspelt setting (`timeout`, `attempt`) is refused, not ignored.
const definitionSchema = z.strictObject({
  type: z.string().regex(TYPE_NAME, 'must be 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit'),
  description: z.string(),
  queue: z.string().regex(QUEUE_NAME, 'must be 1 to 64 lower-case letters, digits, "_" or "-"').optional(),
  timeoutMs: z.number().int().min(0).max(86_400_000).optional(),
  attempts: z.number().int().min(1).max(100).optional(),
  backoff: z.strictObject({ type: z.enum(['exponential', 'fixed']), delayMs: z.number().int().min(0).max(3_600_000) }).optional(),
  run: z.custom<(...args: unknown[]) => unknown>((value) => typeof value === 'function', 'must be a function').optional(),
  http: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'must be an http: or https: URL' }),
      timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
    })
    .optional(),
  payloadSchema: z.unknown(), // checked below: a zod schema of the same zod
  resultSchema: z.unknown().optional(),
})
  // Exactly one of them runs the job: both would leave it unclear which does.
  .refine((definition) => (definition.run === undefined) !== (definition.http === undefined), {
    message: 'needs either run (a function) or http ({ url }), not both',
  });

function assertZodSchema(value: unknown, field: string, type: string): void {
  if (value instanceof z.ZodType) return;
  const isOtherZod = typeof value === 'object' && value !== null && '_zod' in value;
  throw new JobTypeDefinitionError(
    isOtherZod
      ? `job type "${type}": ${field} comes from another copy of zod; install zod once, as job-intake's peer dependency (npm ls zod)`
      : `job type "${type}": ${field} must be a zod schema`,
  );
}

/**
 * Defines a job type. Keeps the payload type of `run` tied to its schema, and
 * keeps the name and the result type: the typed client derives what to send
 * and what comes back from them. Checks the definition at once, so a mistake
 * stops the process at start, not at the first job.
 */
export function defineJobType<Name extends string, Schema extends z.ZodType, Result>(
  definition: CodeJobType<Schema, Result, Name>,
): CodeJobType<Schema, Result, Name>;
export function defineJobType<Name extends string, Schema extends z.ZodType, Result = unknown>(
  definition: HttpJobType<Schema, Result, Name>,
): HttpJobType<Schema, Result, Name>;
export function defineJobType<Name extends string, Schema extends z.ZodType, Result>(
  definition: JobType<Schema, Result, Name>,
): JobType<Schema, Result, Name>;
export function defineJobType<Name extends string, Schema extends z.ZodType, Result>(
  definition: JobType<Schema, Result, Name>,
): JobType<Schema, Result, Name> {
  const name = typeof definition?.type === 'string' ? definition.type : '(unnamed)';
  const checked = definitionSchema.safeParse(definition);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || 'definition'} ${issue.message}`);
    throw new JobTypeDefinitionError(`job type "${name}": ${problems.join('; ')}`);
  }
  assertZodSchema(definition.payloadSchema, 'payloadSchema', name);
  if (definition.resultSchema !== undefined) assertZodSchema(definition.resultSchema, 'resultSchema', name);
  return Object.freeze(Object.defineProperty({ ...definition }, JOB_TYPE_MARK, { value: true }));
}

/** True for what defineJobType returned. */
export function isJobType(value: unknown): value is JobType {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[JOB_TYPE_MARK] === true;
}

/** The queue a job type's jobs wait in. */
export function queueOf(jobType: Pick<JobType, 'queue'>): string {
  return jobType.queue ?? DEFAULT_QUEUE;
}

export type JobTypeRegistry = ReadonlyMap<string, JobType>;

/** Job types by name; refuses a name given twice. */
export function createRegistry(types: ReadonlyArray<JobType<z.ZodType, unknown>>): JobTypeRegistry {
  const registry = new Map<string, JobType>();
  for (const jobType of types) {
    if (registry.has(jobType.type)) throw new JobTypeDefinitionError(`job type "${jobType.type}" is defined twice`);
    registry.set(jobType.type, jobType as JobType);
  }
  if (registry.size === 0) throw new JobTypeDefinitionError('no job types: define at least one');
  return registry;
}

/** Every queue the registry's job types use, sorted. */
export function queuesOf(registry: JobTypeRegistry): string[] {
  return [...new Set([...registry.values()].map(queueOf))].sort();
}
