import { describe, expect, it } from 'vitest';
import { receipt, submit, useApiAndWorker } from '../helpers/harness.js';

const service = useApiAndWorker();

const sleep = (ms: number, options?: object) => ({ type: 'sleep', payload: { ms, result: { slept: ms } }, ...(options ? { options } : {}) });

describe('Prefer: wait=N', () => {
  it('answers 200 with the final receipt when the job ends in time', async () => {
    const res = await submit(service.api, { key: 'quick', body: sleep(100), headers: { prefer: 'wait=5' } });

    expect(res.statusCode).toBe(200);
    expect(res.headers['preference-applied']).toBe('wait=5');
    expect(res.json()).toMatchObject({ key: 'quick', status: 'succeeded', result: { slept: 100 } });
  });

  it('answers the usual 202 after N seconds when the job is still running', async () => {
    const started = Date.now();
    const res = await submit(service.api, { key: 'slow', body: sleep(4000), headers: { prefer: 'respond-async, wait=1' } });

    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(res.statusCode).toBe(202);
    expect(res.headers['preference-applied']).toBe('wait=1');
    expect(res.json()).toMatchObject({ key: 'slow', status: 'queued', receiptUrl: '/v1/receipts/slow' });
  });

  it('lets a replay keep its original 202, without waiting', async () => {
    const first = await submit(service.api, { key: 'replayed', body: sleep(3000) });
    const started = Date.now();
    const replay = await submit(service.api, { key: 'replayed', body: sleep(3000), headers: { prefer: 'wait=10' } });

    expect(Date.now() - started).toBeLessThan(900);
    expect(replay.statusCode).toBe(202);
    expect(replay.body).toBe(first.body);
    expect(replay.headers['preference-applied']).toBeUndefined();
  });

  it('caps the wait at 30 seconds and ignores a preference it cannot read', async () => {
    const capped = await submit(service.api, { key: 'capped', body: sleep(0), headers: { prefer: 'wait=9999' } });
    const garbled = await submit(service.api, { key: 'garbled', body: sleep(0), headers: { prefer: 'wait=soon' } });

    expect(capped.headers['preference-applied']).toBe('wait=30');
    expect(capped.statusCode).toBe(200);
    expect(garbled.statusCode).toBe(202);
    expect(garbled.headers['preference-applied']).toBeUndefined();
  });
});

describe('options: delayMs and priority', () => {
  it('runs a delayed job no earlier than asked, and shows its options on the receipt', async () => {
    const submitted = Date.now();
    await submit(service.api, { key: 'later', body: sleep(0, { delayMs: 1500, priority: 3 }) });
    const early = await receipt(service.api, 'later');
    expect(early.json()).toMatchObject({ status: 'queued', options: { delayMs: 1500, priority: 3 } });

    const done = await receipt(service.api, 'later', { wait: 15 });
    expect(done.json()).toMatchObject({ status: 'succeeded', options: { delayMs: 1500, priority: 3 } });
    expect(Date.parse(done.json().startedAt) - submitted).toBeGreaterThanOrEqual(1400);
  });

  it('makes options part of the fingerprint: same key, other options is a 422', async () => {
    await submit(service.api, { key: 'opt', body: sleep(0, { priority: 1 }) });
    const other = await submit(service.api, { key: 'opt', body: sleep(0, { priority: 2 }) });
    const none = await submit(service.api, { key: 'opt', body: sleep(0) });

    expect(other.statusCode).toBe(422);
    expect(none.statusCode).toBe(422);
  });

  it('refuses options out of range or unknown with a 400 naming them', async () => {
    const res = await submit(service.api, { key: 'bad-opt', body: sleep(0, { delayMs: -1, color: 'red' }) });

    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/options/delayMs' }),
        expect.objectContaining({ pointer: '/options', detail: expect.stringMatching(/color/) }),
      ]),
    );
  });
});
