// Types only: `import type` is erased from the built client, so it carries none
// of the worker's code (bullmq, ioredis, the handlers) into a caller's bundle.
import type { z } from 'zod';
import type { DemoJobType } from '../jobs/demo/index.js';
import type { JobType } from '../jobs/job-type.js';

/** What a caller sends for one job type and what it gets back. */
export interface JobSignature {
  payload: unknown;
  result: unknown;
}

/** Job type name → its signature. */
export type JobTypeMap = { readonly [type: string]: JobSignature };

type AnyJobType = JobType<z.ZodType, unknown, string>;

/**
 * The map for job type definitions: a module's list of them (`typeof jobs`,
 * as it default-exports them) or a union. The payload is the schema's input
 * (defaults are optional: the server fills them in); the result is what `run`
 * resolves to, which the worker stores as JSON.
 */
export type JobTypeMapOf<Types extends AnyJobType | ReadonlyArray<AnyJobType>> = MapOfUnion<
  Types extends ReadonlyArray<infer Each extends AnyJobType> ? Each : Extract<Types, AnyJobType>
>;

type MapOfUnion<Types extends AnyJobType> = {
  [Definition in Types as Definition['type']]: {
    payload: z.input<Definition['payloadSchema']>;
    result: ResultOfDefinition<Definition>;
  };
};

/**
 * What `run` resolves to; for an HTTP job type (no `run`), its resultSchema's
 * output, or `unknown`: the endpoint's JSON answer.
 */
type ResultOfDefinition<Definition extends AnyJobType> = Definition['run'] extends (...args: never[]) => infer Returned
  ? Awaited<Returned>
  : NonNullable<Definition['resultSchema']> extends z.ZodType<infer Output>
    ? Output
    : unknown;

/** The demo job types this package ships: `sleep` and `checksum`. */
export type DefaultJobTypeMap = JobTypeMapOf<DemoJobType>;


export type JobTypeName<Types extends JobTypeMap> = keyof Types & string;
export type PayloadOf<Types extends JobTypeMap, Type extends JobTypeName<Types>> = Types[Type]['payload'];
export type ResultOf<Types extends JobTypeMap, Type extends JobTypeName<Types>> = Types[Type]['result'];
