// Type-level tests: `npm test` runs `tsc --noEmit` over test/, so every
// `@ts-expect-error` below must be an error and every expectTypeOf must hold,
// or the suite fails. Nothing here runs: the calls sit in a function never called.
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineJobType } from '../../src/jobs/job-type.js';
import {
  JobIntakeClient,
  type FinishedSubmission,
  type JobOptions,
  type JobReceipt,
  type JobTypeMap,
  type JobTypeMapOf,
  type Submission,
  type SubmitResult,
} from '../../src/client/index.js';

declare const client: JobIntakeClient;

describe('the typed client', () => {
  it('accepts the payload each job type declares, with defaults optional', () => {
    expectTypeOf(client.submit<'sleep'>).parameter(1).toEqualTypeOf<{
      ms: number;
      result?: import('../../src/shared/json-value.js').JsonValue | undefined;
      failAttempts?: number | undefined;
    }>();
    expectTypeOf(client.submit<'checksum'>).parameter(1).toMatchObjectType<{ sizeBytes: number }>();
    expectTypeOf(client.submit('checksum', { sizeBytes: 5, algorithm: 'md5' })).resolves.toEqualTypeOf<Submission<'checksum'>>();
  });

  it('refuses unknown job types and wrong payloads at compile time', () => {
    const neverCalled = async () => {
      // @ts-expect-error: no job type "resize"
      await client.submit('resize', { width: 1 });
      // @ts-expect-error: ms must be a number
      await client.submit('sleep', { ms: '5' });
      // @ts-expect-error: sleep requires ms
      await client.submit('sleep', {});
      // @ts-expect-error: payloads are strict objects; "seconds" is not a sleep field
      await client.submit('sleep', { ms: 1, seconds: 2 });
      // @ts-expect-error: "crc32" is not one of the checksum algorithms
      await client.submit('checksum', { sizeBytes: 1, algorithm: 'crc32' });
      // @ts-expect-error: a checksum payload is not a sleep payload
      await client.run('checksum', { ms: 5 });
    };
    expectTypeOf(neverCalled).returns.resolves.toBeVoid();
  });

  it('types the result of run from what the job type returns', () => {
    expectTypeOf(client.run<'checksum'>).returns.resolves.toEqualTypeOf<{
      algorithm: 'sha256' | 'sha512' | 'sha1' | 'md5';
      sizeBytes: number;
      digest: string;
    }>();
    expectTypeOf(client.run<'sleep'>).returns.resolves.toEqualTypeOf<import('../../src/shared/json-value.js').JsonValue>();
  });

  it('carries the job type from a submission to its receipt', () => {
    const neverCalled = async () => {
      const submission = await client.submit('checksum', { sizeBytes: 1 });
      const receipt = await client.wait(submission);
      expectTypeOf(receipt.type).toEqualTypeOf<'checksum'>();
      expectTypeOf(receipt.result).toEqualTypeOf<{ algorithm: 'sha256' | 'sha512' | 'sha1' | 'md5'; sizeBytes: number; digest: string } | undefined>();
      // A bare key says nothing about the type: the result is any job type's.
      const byKey = await client.wait('some-key');
      expectTypeOf(byKey).toEqualTypeOf<JobReceipt<'sleep' | 'checksum', import('../../src/shared/json-value.js').JsonValue | { algorithm: 'sha256' | 'sha512' | 'sha1' | 'md5'; sizeBytes: number; digest: string }>>();
    };
    expectTypeOf(neverCalled).returns.resolves.toBeVoid();
  });

  it('types what submit resolves to: accepted without waitSeconds, accepted or finished with it', () => {
    type ChecksumResult = { algorithm: 'sha256' | 'sha512' | 'sha1' | 'md5'; sizeBytes: number; digest: string };
    expectTypeOf(client.submit('sleep', { ms: 1 }, { delayMs: 10, priority: 2 })).resolves.toEqualTypeOf<Submission<'sleep'>>();
    expectTypeOf(client.submit('sleep', { ms: 1 }, { waitSeconds: 0 })).resolves.toEqualTypeOf<Submission<'sleep'>>();
    expectTypeOf(client.submit('checksum', { sizeBytes: 1 }, { waitSeconds: 5 })).resolves.toEqualTypeOf<
      SubmitResult<'checksum', ChecksumResult>
    >();
    const neverCalled = async () => {
      const submitted = await client.submit('checksum', { sizeBytes: 1 }, { waitSeconds: 5 });
      if (submitted.outcome === 'finished') {
        expectTypeOf(submitted).toEqualTypeOf<FinishedSubmission<'checksum', ChecksumResult>>();
        expectTypeOf(submitted.receipt.result).toEqualTypeOf<ChecksumResult | undefined>();
      } else {
        expectTypeOf(submitted).toEqualTypeOf<Submission<'checksum'>>();
      }
      // Either answer can be waited on, and keeps its job type.
      expectTypeOf(await client.wait(submitted)).toEqualTypeOf<JobReceipt<'checksum', ChecksumResult>>();
      expectTypeOf((await client.receipt(submitted)).options).toEqualTypeOf<JobOptions | undefined>();
      // @ts-expect-error: priority is a number
      await client.submit('sleep', { ms: 1 }, { priority: 'high' });
    };
    expectTypeOf(neverCalled).returns.resolves.toBeVoid();
  });

  it('lets a caller who knows types only at run time use any name and payload', () => {
    const untyped = new JobIntakeClient<JobTypeMap>({ baseUrl: 'http://127.0.0.1:1' });
    expectTypeOf(untyped.submit<string>).parameter(1).toBeUnknown();
  });

  it("types a team's own job types from its module's list: JobIntakeClient<JobTypeMapOf<typeof jobs>>", () => {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- a module's list, read only as `typeof jobs`
    const jobs = [
      defineJobType({ type: 'resize', description: '', payloadSchema: z.strictObject({ width: z.number() }), run: async () => ({ ok: true as const }) }),
      defineJobType({ type: 'email', description: '', queue: 'mail', payloadSchema: z.strictObject({ to: z.string() }), run: async () => 'sent' }),
    ];
    const own = new JobIntakeClient<JobTypeMapOf<typeof jobs>>({ baseUrl: 'http://127.0.0.1:1' });
    expectTypeOf(own.submit<'resize'>).parameter(1).toEqualTypeOf<{ width: number }>();
    expectTypeOf(own.run<'email'>).returns.resolves.toEqualTypeOf<string>();
    const neverCalled = async () => {
      // @ts-expect-error: sleep is not one of this module's job types
      await own.submit('sleep', { ms: 1 });
      // @ts-expect-error: an email goes to a string
      await own.submit('email', { to: 5 });
    };
    expectTypeOf(neverCalled).returns.resolves.toBeVoid();
  });

  it('types the result of a job type run by an HTTP endpoint from its resultSchema, else as unknown', () => {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- read only as `typeof jobs`
    const jobs = [
      defineJobType({
        type: 'thumbnail',
        description: '',
        payloadSchema: z.strictObject({ w: z.number() }),
        resultSchema: z.strictObject({ url: z.string() }),
        http: { url: 'https://images.example.com/thumbnail' },
      }),
      defineJobType({ type: 'notify', description: '', payloadSchema: z.strictObject({}), http: { url: 'https://hooks.example.com/notify' } }),
    ];
    const own = new JobIntakeClient<JobTypeMapOf<typeof jobs>>({ baseUrl: 'http://127.0.0.1:1' });
    expectTypeOf(own.submit<'thumbnail'>).parameter(1).toEqualTypeOf<{ w: number }>();
    expectTypeOf(own.run<'thumbnail'>).returns.resolves.toEqualTypeOf<{ url: string }>();
    expectTypeOf(own.run<'notify'>).returns.resolves.toBeUnknown();
  });
});
