import { beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/client/index.js';
import { startDeployment, type Deployment } from '../helpers/fault-cluster.js';
import { receiptFrom, submitTo, type ServiceProcess } from '../helpers/processes.js';
import { newWebhookSecret, startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';

// Completion webhooks when processes die: web and worker processes from the
// Procfile over a Redis with the append-only file (appendfsync always).

const secret = newWebhookSecret();
let deployment: Deployment;
let receiver: WebhookReceiver;
beforeEach(async () => {
  deployment = await startDeployment({
    env: {
      WEBHOOK_SECRET: secret,
      OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,1s,1s,2s,2s,3s,3s',
      JOB_TYPES_MODULE: 'test/fixtures/job-modules/js/crash-after-job-end.mjs',
    },
  });
  return async () => {
    await deployment.stop();
    await receiver?.close();
  };
});

const withCallback = (url: string) => ({ type: 'sleep', payload: { ms: 0, result: 'done' }, callback: { url } });

async function receiptOf(api: ServiceProcess, key: string) {
  return JSON.parse((await receiptFrom(api, key)).body) as { status: string; deliveries?: Array<Record<string, unknown>> };
}

describe('a worker killed (SIGKILL) mid-delivery', () => {
  it('has the delivery made after another worker takes it over, under the same webhook-id', async () => {
    receiver = await startWebhookReceiver((count) => (count === 1 ? 'hold' : { status: 204 })); // the first POST is never answered
    const api = await deployment.start('web');
    const doomed = await deployment.start('worker');
    expect((await submitTo(api, 'mid-delivery', withCallback(receiver.url))).status).toBe(202);
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);

    doomed.kill('SIGKILL');
    await doomed.exited;
    await deployment.start('worker');
    // Its lock lapses (LOCK_DURATION_MS 2 s), the stall check (1 s) hands it over, and it is POSTed again.
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(2);
    const [cut, delivered] = receiver.received;
    expect(delivered!.headers['webhook-id']).toBe(cut!.headers['webhook-id']);
    expect(delivered!.body).toBe(cut!.body);
    await expect(verifyWebhook(secret, delivered!.headers, delivered!.body)).resolves.toMatchObject({ type: 'job.succeeded', data: { result: 'done' } });
    await expect.poll(async () => (await receiptOf(api, 'mid-delivery')).deliveries, { timeout: 10_000 }).toEqual([
      { event: 'succeeded', status: 'delivered', attempts: 2, lastStatus: 204 },
    ]);
  });
});

describe('a worker killed (SIGKILL) after its job ended and before the job\'s webhook was emitted', () => {
  it('loses no delivery: the next worker\'s sweep finds the ended job and emits it', async () => {
    receiver = await startWebhookReceiver();
    const api = await deployment.start('web');
    const doomed = await deployment.start('worker', { CRASH_BEFORE_WEBHOOK_OF: 'crash-gap' });
    expect((await submitTo(api, 'crash-gap', withCallback(receiver.url))).status).toBe(202);
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The job's end is stored; its delivery is not made yet, and the receipt says it is on its way.
    expect(await receiptOf(api, 'crash-gap')).toMatchObject({ status: 'succeeded', deliveries: [{ event: 'succeeded', status: 'pending', attempts: 0 }] });
    expect(receiver.received).toHaveLength(0);

    const next = await deployment.start('worker');
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
    await expect(verifyWebhook(secret, receiver.received[0]!.headers, receiver.received[0]!.body)).resolves.toMatchObject({
      type: 'job.succeeded',
      data: { key: 'crash-gap', status: 'succeeded', result: 'done' },
    });
    await next.waitForLog((entry) => entry.msg === 'webhook emitted by the sweep (the worker that ended the job did not)' && entry.jobId === 'default~crash-gap');
    await expect.poll(async () => (await receiptOf(api, 'crash-gap')).deliveries, { timeout: 10_000 }).toEqual([
      { event: 'succeeded', status: 'delivered', attempts: 1, lastStatus: 204 },
    ]);
  });
});

describe('Redis killed (SIGKILL) and restarted while a delivery waits to be retried', () => {
  it('keeps the pending delivery (append-only file) and makes it once the receiver is back', async () => {
    receiver = await startWebhookReceiver();
    await receiver.down();
    const api = await deployment.start('web');
    await deployment.start('worker');
    expect((await submitTo(api, 'redis-restart', withCallback(receiver.url))).status).toBe(202);
    await expect.poll(async () => (await receiptOf(api, 'redis-restart')).deliveries?.[0]?.attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);

    await deployment.redis.kill();
    await deployment.restartRedis();
    await receiver.up();
    await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(receiver.received[0]!.json).toMatchObject({ type: 'job.succeeded', data: { key: 'redis-restart' } });
    await expect.poll(async () => (await receiptOf(api, 'redis-restart')).deliveries?.[0]?.status, { timeout: 10_000 }).toBe('delivered');
  });
});
