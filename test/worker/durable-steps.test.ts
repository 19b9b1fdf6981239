import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry, defineJobType } from '../../src/jobs/job-type.js';
import { receipt, submit, useApiAndWorker } from '../helpers/harness.js';

const empty = z.strictObject({});
/** How often each step's fn ran, by job id and step name: the handlers run in this process. */
const calls = new Map<string, number>();
const called = (jobId: string, step: string) => calls.set(`${jobId}/${step}`, callsOf(jobId, step) + 1);
const callsOf = (jobId: string, step: string) => calls.get(`${jobId}/${step}`) ?? 0;

/** While true, the carrier of 'charge-then-ship-once' is down (its one attempt fails). */
let carrierDown = true;

/** What a handler that outlived its time limit heard when it then asked for a step. */
const lateStepErrors: string[] = [];

const jobTypes = [
  defineJobType({
    type: 'charge-then-ship',
    description: 'Charges, then ships; shipping fails on the first attempt.',
    payloadSchema: empty,
    attempts: 3,
    run: async (_payload, { jobId, attempt, step }) => {
      const charge = await step('charge', () => {
        called(jobId, 'charge');
        return { chargeId: `ch-${attempt}` };
      });
      const shipped = await step('ship', () => {
        called(jobId, 'ship');
        if (attempt === 1) throw new Error('carrier down');
        return `shipped on attempt ${attempt}`;
      });
      return { charge, shipped };
    },
  }),
  defineJobType({
    type: 'charge-then-ship-once',
    description: 'Charges, then ships, with one attempt: fails for good while the carrier is down.',
    payloadSchema: empty,
    attempts: 1,
    run: async (_payload, { jobId, attempt, step }) => {
      const charge = await step('charge', () => {
        called(jobId, 'charge');
        return { chargeId: `ch-${attempt}` };
      });
      const shipped = await step('ship', () => {
        if (carrierDown) throw new Error('carrier down');
        return `shipped on attempt ${attempt}`;
      });
      return { charge, shipped };
    },
  }),
  defineJobType({
    type: 'same-name-twice',
    description: 'A bug: two steps share a name.',
    payloadSchema: empty,
    attempts: 3,
    run: async (_payload, ctx) => {
      await ctx.step('send', () => void called(ctx.jobId, 'send'));
      await ctx.step('send', () => void called(ctx.jobId, 'send'));
    },
  }),
  defineJobType({
    type: 'big-steps',
    description: 'Two steps of 600 characters each.',
    payloadSchema: empty,
    attempts: 3,
    run: async (_payload, ctx) => {
      await ctx.step('first', () => 'x'.repeat(600));
      return ctx.step('second', () => {
        called(ctx.jobId, 'second');
        return 'y'.repeat(600);
      });
    },
  }),
  defineJobType({
    type: 'returns-a-date',
    description: 'A step whose result JSON changes.',
    payloadSchema: empty,
    run: async (_payload, ctx) => {
      const when = await ctx.step('when', () => new Date(Date.UTC(2030, 0, 2)));
      const nothing = await ctx.step('nothing', () => undefined);
      return { when, type: typeof when, nothing };
    },
  }),
  defineJobType({
    type: 'ignores-its-time-limit',
    description: 'Goes on to a step after its run was stopped.',
    payloadSchema: empty,
    timeoutMs: 100,
    attempts: 1,
    run: async (_payload, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 300)); // never looks at its signal
      await ctx.step('after', () => void called(ctx.jobId, 'after')).catch((err: Error) => void lateStepErrors.push(err.message));
    },
  }),
];

const service = useApiAndWorker({ env: { MAX_STEP_BYTES: '1024' }, registry: createRegistry(jobTypes) });

async function runToEnd(type: string, key: string) {
  expect((await submit(service.api, { key, body: { type, payload: {} } })).statusCode).toBe(202);
  const res = await receipt(service.api, key, { wait: 20 });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe('durable steps (ctx.step)', () => {
  it('returns a step stored by an earlier attempt without running it again, when a later step failed', async () => {
    const ended = await runToEnd('charge-then-ship', 'order-1');

    expect(ended).toMatchObject({ status: 'succeeded', attempts: 2, result: { charge: { chargeId: 'ch-1' }, shipped: 'shipped on attempt 2' } });
    expect(callsOf('default~order-1', 'charge')).toBe(1);
  });

  it('keeps the finished steps through a retry by key: the retried run skips them', async () => {
    const failed = await runToEnd('charge-then-ship-once', 'order-retried');
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, steps: [{ name: 'charge', finishedAt: ISO }] });

    carrierDown = false;
    const retried = await service.api.app.inject({ method: 'POST', url: '/v1/receipts/order-retried/retry' });
    expect(retried.statusCode).toBe(202);
    const ended = await receipt(service.api, 'order-retried', { wait: 20 });

    expect(ended.json()).toMatchObject({ status: 'succeeded', attempts: 2, result: { charge: { chargeId: 'ch-1' }, shipped: 'shipped on attempt 2' } });
    expect(callsOf('default~order-retried', 'charge')).toBe(1);
  });

  it('lists the finished steps on the receipt, in the order they finished', async () => {
    const ended = await runToEnd('charge-then-ship', 'order-2');

    expect(ended.steps).toEqual([
      { name: 'charge', finishedAt: ISO },
      { name: 'ship', finishedAt: ISO },
    ]);
    expect(Date.parse(ended.steps[0].finishedAt)).toBeLessThanOrEqual(Date.parse(ended.steps[1].finishedAt));
  });

  it('stores nothing for a step that threw, and runs it again on the next attempt', async () => {
    const ended = await runToEnd('charge-then-ship', 'order-3');

    expect(callsOf('default~order-3', 'ship')).toBe(2);
    expect(ended.result.shipped).toBe('shipped on attempt 2');
  });

  it('fails the job for good, naming the step, when a handler uses one step name twice in a run', async () => {
    const ended = await runToEnd('same-name-twice', 'twice');

    expect(ended).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { message: 'step "send" is used twice in one run: step names must be unique within a job' },
      steps: [{ name: 'send', finishedAt: ISO }],
    });
    expect(callsOf('default~twice', 'send')).toBe(1);
  });

  it('fails the job for good when a step result would take its steps past MAX_STEP_BYTES, and stores none of it', async () => {
    const ended = await runToEnd('big-steps', 'big');

    expect(ended).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { message: `step "second" returned 602 bytes of result; the job's steps already hold 602 of MAX_STEP_BYTES 1024` },
    });
    expect(ended.steps).toEqual([{ name: 'first', finishedAt: ISO }]);
    expect(callsOf('default~big', 'second')).toBe(1);
  });

  it('starts no step in a run already stopped by its time limit', async () => {
    const ended = await runToEnd('ignores-its-time-limit', 'late');

    expect(ended).toMatchObject({ status: 'failed', error: { message: 'job timed out after 100 ms' } });
    await expect.poll(() => lateStepErrors, { timeout: 2000 }).toEqual(['step "after" not started: the run was stopped']);
    expect(callsOf('default~late', 'after')).toBe(0);
  });

  it('hands back a step result as JSON gives it back, on the first run too (a Date as its ISO string, undefined as null)', async () => {
    const ended = await runToEnd('returns-a-date', 'dated');

    expect(ended.result).toEqual({ when: '2030-01-02T00:00:00.000Z', type: 'string', nothing: null });
  });
});
