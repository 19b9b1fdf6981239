import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { abortableDelay } from '../../src/jobs/demo/abortable-delay.js';
import { demoJobTypes } from '../../src/jobs/demo/index.js';
import { createRegistry, defineJobType } from '../../src/jobs/job-type.js';
import { receipt, submit, useApiAndWorker } from '../helpers/harness.js';

const empty = z.strictObject({});
/** What `reads-signal-late` saw when it first looked at its signal, after its time was up. */
const lateLooks: Array<{ aborted: boolean; reason: unknown }> = [];
const misbehaving = [
  defineJobType({ type: 'throws-string', description: '', payloadSchema: empty, run: async () => Promise.reject('just a string') }),
  defineJobType({ type: 'throws-object', description: '', payloadSchema: empty, run: async () => Promise.reject({ code: 42 }) }),
  defineJobType({ type: 'returns-bigint', description: '', payloadSchema: empty, run: async () => ({ n: 10n }) }),
  defineJobType({
    type: 'returns-cycle',
    description: '',
    payloadSchema: empty,
    run: async () => {
      const node: Record<string, unknown> = {};
      node.self = node;
      return node;
    },
  }),
  defineJobType({ type: 'returns-huge', description: '', payloadSchema: empty, run: async () => 'x'.repeat(10_000) }),
  defineJobType({
    type: 'returns-wrong-shape',
    description: '',
    payloadSchema: empty,
    resultSchema: z.strictObject({ total: z.number() }),
    run: async () => JSON.parse('{"total":"many"}') as { total: number }, // a bug the type system cannot see
  }),
  defineJobType({
    type: 'ignores-signal',
    description: '',
    payloadSchema: empty,
    timeoutMs: 300,
    run: () => new Promise(() => {}), // never settles, never looks at its signal
  }),
  defineJobType({
    type: 'honours-signal',
    description: '',
    payloadSchema: empty,
    run: async (_payload, ctx) => abortableDelay(60_000, ctx.signal),
  }),
  defineJobType({
    type: 'reads-signal-late',
    description: '',
    payloadSchema: empty,
    timeoutMs: 100,
    // The signal is made on first read: one read after the time limit must still find it fired.
    run: async (_payload, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      lateLooks.push({ aborted: ctx.signal.aborted, reason: ctx.signal.reason });
    },
  }),
];
const registry = createRegistry([...demoJobTypes, ...misbehaving]);

const service = useApiAndWorker({ env: { JOB_ATTEMPTS: '1', MAX_RESULT_BYTES: '1024', JOB_TIMEOUT_MS: '400' }, registry });

async function runToEnd(type: string) {
  const key = `${type}-${Math.random()}`;
  expect((await submit(service.api, { key, body: { type, payload: {} } })).statusCode).toBe(202);
  const res = await receipt(service.api, key, { wait: 20 });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('handlers that misbehave fail their job with a clear error, and the worker goes on', () => {
  it.each([
    ['throws-string', /^handler threw a non-Error value: just a string$/],
    ['throws-object', /^handler threw a non-Error value: \{"code":42\}$/],
    ['returns-bigint', /^handler returned a result that is not JSON: .*BigInt/],
    ['returns-cycle', /^handler returned a result that is not JSON: .*circular/i],
    ['returns-huge', /^handler returned 10002 bytes of result; MAX_RESULT_BYTES is 1024$/],
    ['returns-wrong-shape', /^handler returned a result that does not match its resultSchema: .*total/s],
    ['ignores-signal', /^job timed out after 300 ms$/],
    ['honours-signal', /^job timed out after 400 ms$/],
  ])('%s', async (type, message) => {
    expect(await runToEnd(type)).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(message) } });
  });

  it('fires the signal of a handler that first reads it after its time is up', async () => {
    expect(await runToEnd('reads-signal-late')).toMatchObject({ status: 'failed', error: { message: 'job timed out after 100 ms' } });
    await expect.poll(() => lateLooks, { timeout: 2000 }).toHaveLength(1);
    expect(lateLooks[0]).toMatchObject({ aborted: true, reason: expect.objectContaining({ name: 'TimeoutError' }) });
  });

  it('still runs a well-behaved job after all of them', async () => {
    const key = 'after-the-storm';
    await submit(service.api, { key, body: { type: 'sleep', payload: { ms: 10, result: 'fine' } } });
    expect((await receipt(service.api, key, { wait: 20 })).json()).toMatchObject({ status: 'succeeded', result: 'fine' });
  });
});
