import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJobType, JobTypeDefinitionError, queueOf, queuesOf, type JobType } from '../../src/jobs/job-type.js';
import { loadJobTypes } from '../../src/jobs/load-job-types.js';

const modules = fileURLToPath(new URL('../fixtures/job-modules/', import.meta.url));
const valid = { type: 'ok', description: 'fine', payloadSchema: z.strictObject({}), run: async () => null };
const define = (overrides: Record<string, unknown>) => () => defineJobType({ ...valid, ...overrides } as JobType);

describe('defineJobType', () => {
  it('keeps the definition and puts a job type in the "default" queue unless it names one', () => {
    expect(queueOf(defineJobType(valid))).toBe('default');
    expect(queueOf(defineJobType({ ...valid, queue: 'gpu' }))).toBe('gpu');
  });

  it('refuses names that cannot be a queue in Redis, naming the type and the field', () => {
    expect(define({ queue: 'GPU:fast' })).toThrow(/job type "ok": queue must be 1 to 64 lower-case letters/);
    expect(define({ queue: '{tag}' })).toThrow(JobTypeDefinitionError);
    expect(define({ type: 'two words' })).toThrow(/job type "two words": type must be/);
  });

  it('refuses a misspelt setting instead of ignoring it', () => {
    expect(define({ timeout: 5000 })).toThrow(/job type "ok": .*timeout/);
  });

  it('refuses settings out of range and a run that is not a function', () => {
    expect(define({ attempts: 0 })).toThrow(/attempts/);
    expect(define({ backoff: { type: 'linear', delayMs: 5 } })).toThrow(/backoff/);
    expect(define({ run: 'not code' })).toThrow(/run must be a function/);
  });

  it('refuses a payload schema that is not zod, and says when it is another copy of zod', () => {
    expect(define({ payloadSchema: { type: 'object' } })).toThrow(/payloadSchema must be a zod schema/);
    expect(define({ payloadSchema: { _zod: {} } })).toThrow(/another copy of zod.*peer dependency/);
  });
});

describe('loadJobTypes', () => {
  it('runs the shipped demo types when no module is given', async () => {
    const registry = await loadJobTypes(undefined);
    expect([...registry.keys()].sort()).toEqual(['checksum', 'sleep']);
    expect(queuesOf(registry)).toEqual(['default']);
  });

  it('takes the default list and named job types of a module once each, and ignores its other exports', async () => {
    const registry = await loadJobTypes('two-queues.ts', modules);
    expect([...registry.keys()]).toEqual(['quick', 'heavy']);
    expect(queuesOf(registry)).toEqual(['default', 'gpu']);
    expect(registry.get('heavy')?.attempts).toBe(5);
  });

  it('takes named job types when there is no default export', async () => {
    expect([...(await loadJobTypes(`${modules}named-only.ts`)).keys()]).toEqual(['only']);
  });

  it('says where it looked for a module that is not there', async () => {
    await expect(loadJobTypes('./missing.js', modules)).rejects.toThrow(`job types module ./missing.js not found (looked at ${modules}missing.js)`);
  });

  it('refuses a module without job types, and a list entry not made with defineJobType', async () => {
    await expect(loadJobTypes('no-job-types.ts', modules)).rejects.toThrow(/default export is not a job type; make it with defineJobType/);
    await expect(loadJobTypes('plain-object-in-list.ts', modules)).rejects.toThrow(/default export \[0\] is not a job type/);
  });
});
