import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError, JobIntakeClient, verifyWebhook } from '../../src/client/index.js';
import { WEBHOOK_QUEUE, webhookMessageId } from '../../src/webhooks/delivery-jobs.js';
import { openInspector, TOKENS } from '../helpers/harness.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { newWebhookSecret, startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from './webhook-receiver.js';

// Completion webhooks end to end: the API and a worker on a real port, receivers
// on 127.0.0.1 (allowed by OUTBOUND_ALLOW_HOSTS), a short retry schedule.

const SCHEDULE_TRIES = 7; // the schedule's 6 delays, plus the first try
const secrets = { next: newWebhookSecret(), previous: newWebhookSecret(), globex: newWebhookSecret() };
const redis = useRedisServer();
let service: LiveService;
let acme: JobIntakeClient;
let globex: JobIntakeClient;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  service = await startLiveService(redis.url, {
    env: {
      API_KEYS: `acme:${TOKENS.acme},globex:${TOKENS.globex}`,
      WEBHOOK_SECRET: `${secrets.next},${secrets.previous}`, // a rotation: both sign
      WEBHOOK_SECRETS: `globex:${secrets.globex}`,
      OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,300ms,300ms,400ms,400ms',
    },
  });
  acme = new JobIntakeClient({ baseUrl: service.url, token: TOKENS.acme, retry: { maxAttempts: 1 } });
  globex = new JobIntakeClient({ baseUrl: service.url, token: TOKENS.globex, retry: { maxAttempts: 1 } });
});
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await service?.close();
});

async function receiver(...args: Parameters<typeof startWebhookReceiver>): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(...args);
  receivers.push(started);
  return started;
}

/** The webhooks a receiver got, once it has `count` of them. */
async function webhooks(at: WebhookReceiver, count: number, timeout = 10_000): Promise<ReceivedWebhook[]> {
  await expect.poll(() => at.received.length, { timeout }).toBeGreaterThanOrEqual(count);
  return at.received;
}

/** The delivery jobs of a job, in any state, as Redis holds them. */
async function deliveryJobsOf(jobId: string) {
  const inspector = await openInspector(service.config, [WEBHOOK_QUEUE]);
  try {
    const deliveries = await inspector.queue.getJobs(['completed', 'failed', 'waiting', 'delayed', 'active', 'prioritized']);
    return deliveries.filter((delivery) => (delivery.data as { jobId: string }).jobId === jobId);
  } finally {
    await inspector.close();
  }
}

/** The receipt once the job has ended and each of its deliveries is done (delivered or failed). */
async function deliveredReceipt(client: JobIntakeClient, key: string) {
  const done = async () => {
    const { deliveries = [] } = await client.receipt(key);
    return deliveries.length > 0 && deliveries.every((delivery) => delivery.status !== 'pending');
  };
  await expect.poll(done, { timeout: 10_000 }).toBe(true);
  return client.receipt(key);
}

describe('a job submitted with a callback', () => {
  it('has its end POSTed as job.succeeded with its receipt, signed so that the official standardwebhooks package and verifyWebhook accept it', async () => {
    const at = await receiver();
    await acme.submit('sleep', { ms: 0, result: { ok: 'ü' } }, { idempotencyKey: 'signed-1', callback: { url: at.url } });

    const [webhook] = await webhooks(at, 1);
    expect(webhook!.url).toBe('/hooks');
    expect(webhook!.headers['content-type']).toBe('application/json');
    expect(webhook!.headers['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{43}$/);
    // Two signatures during the rotation: a receiver holding either secret verifies it.
    expect(String(webhook!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [secrets.next, secrets.previous]) {
      expect(new Webhook(secret).verify(webhook!.body, webhook!.headers as Record<string, string>)).toEqual(webhook!.json);
      await expect(verifyWebhook(secret, webhook!.headers, webhook!.body)).resolves.toEqual(webhook!.json);
    }
    expect(webhook!.json).toMatchObject({
      type: 'job.succeeded',
      data: { id: 'acme~signed-1', key: 'signed-1', type: 'sleep', status: 'succeeded', result: { ok: 'ü' }, callback: { url: at.url } },
    });
    expect(webhook!.json.timestamp).toBe(webhook!.json.data.finishedAt);
  });

  it('is signed with its tenant own secret when WEBHOOK_SECRETS names the tenant, and only with it', async () => {
    const at = await receiver();
    await globex.submit('sleep', { ms: 0 }, { idempotencyKey: 'tenant-secret', callback: { url: at.url } });

    const [webhook] = await webhooks(at, 1);
    await expect(verifyWebhook(secrets.globex, webhook!.headers, webhook!.body)).resolves.toMatchObject({ type: 'job.succeeded' });
    await expect(verifyWebhook(secrets.next, webhook!.headers, webhook!.body)).rejects.toThrow('no webhook-signature matches');
  });

  it('shows the delivery on its receipt: pending while the receiver answers 503, delivered once it answers 2xx', async () => {
    const at = await receiver((count) => (count <= 2 ? { status: 503 } : { status: 200 }));
    await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'receipt-1', callback: { url: at.url } });

    await expect.poll(async () => (await acme.receipt('receipt-1')).deliveries, { timeout: 10_000 }).toEqual([
      expect.objectContaining({ event: 'succeeded', status: 'pending', lastStatus: 503, lastError: 'HTTP 503' }),
    ]);
    expect((await deliveredReceipt(acme, 'receipt-1')).deliveries).toEqual([{ event: 'succeeded', status: 'delivered', attempts: 3, lastStatus: 200 }]);
    const sent = await webhooks(at, 3);
    expect(new Set(sent.map((webhook) => webhook.headers['webhook-id'])).size).toBe(1); // the same message each time
    expect(new Set(sent.map((webhook) => webhook.body)).size).toBe(1);
  });

  it('is delivered once a receiver that was down is back, under the webhook-id of the first try', async () => {
    const at = await receiver();
    await at.down(); // connections refused: network errors, retried
    await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'down-then-back', callback: { url: at.url } });
    await expect.poll(async () => (await acme.receipt('down-then-back')).deliveries?.[0]?.attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const whileDown = (await acme.receipt('down-then-back')).deliveries![0]!;
    expect(whileDown).toMatchObject({ event: 'succeeded', status: 'pending', lastError: 'network error: ECONNREFUSED' });
    expect(whileDown.lastStatus).toBeUndefined();

    await at.up();
    const [webhook] = await webhooks(at, 1);
    expect(webhook!.json.type).toBe('job.succeeded');
    expect((await deliveredReceipt(acme, 'down-then-back')).deliveries![0]).toMatchObject({ status: 'delivered', lastStatus: 204 });
    // One message: its id was fixed when the delivery was made, before the first (refused) try.
    const [delivery] = await deliveryJobsOf('acme~down-then-back');
    expect(delivery!.attemptsStarted).toBeGreaterThan(2);
    expect(webhook!.headers['webhook-id']).toBe(webhookMessageId(delivery!.id!));
  });

  it('waits at least the Retry-After of a 429 before trying again, longer than its schedule would', async () => {
    const at = await receiver((count) => (count === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 204 }));
    await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'retry-after', callback: { url: at.url } });

    const [first, second] = await webhooks(at, 2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000); // the schedule says 200 ms
  });

  it('fails its delivery at once on a 400 from the receiver: no retry', async () => {
    const at = await receiver(() => ({ status: 400 }));
    await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'refused-400', callback: { url: at.url } });

    expect((await deliveredReceipt(acme, 'refused-400')).deliveries).toEqual([
      { event: 'succeeded', status: 'failed', attempts: 1, lastStatus: 400, lastError: 'HTTP 400' },
    ]);
    expect(at.received).toHaveLength(1);
  });

  it('gives its delivery up as failed once the retry schedule is spent', async () => {
    const at = await receiver(() => ({ status: 500 }));
    await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'spent', callback: { url: at.url } });

    expect((await deliveredReceipt(acme, 'spent')).deliveries).toEqual([
      { event: 'succeeded', status: 'failed', attempts: SCHEDULE_TRIES, lastStatus: 500, lastError: 'HTTP 500' },
    ]);
    expect(at.received).toHaveLength(SCHEDULE_TRIES);
  });

  it('sends job.started once, with the running receipt, when the callback asks for it', async () => {
    const at = await receiver();
    // Fails its first attempt: the second run must not send job.started again.
    await acme.submit('sleep', { ms: 0, failAttempts: 1 }, { idempotencyKey: 'started-1', callback: { url: at.url, events: ['started', 'succeeded'] } });

    await expect.poll(async () => (await deliveredReceipt(acme, 'started-1')).deliveries?.length, { timeout: 10_000 }).toBe(2);
    const sent = await webhooks(at, 2);
    expect(sent.map((webhook) => webhook.json.type).sort()).toEqual(['job.started', 'job.succeeded']);
    const started = sent.find((webhook) => webhook.json.type === 'job.started')!;
    expect(started.json.data).toMatchObject({ status: 'running', attempts: 1 });
    expect(started.json.timestamp).toBe(started.json.data.startedAt);
    expect(new Set(sent.map((webhook) => webhook.headers['webhook-id'])).size).toBe(2); // one id per event
  });

  it('sends job.failed with the error once its attempts are spent', async () => {
    const at = await receiver();
    await acme.submit('sleep', { ms: 0, failAttempts: 5 }, { idempotencyKey: 'failed-1', callback: { url: at.url } });

    const [webhook] = await webhooks(at, 1);
    expect(webhook!.json).toMatchObject({ type: 'job.failed', data: { status: 'failed', attempts: 3, error: { message: expect.stringContaining('failing attempt 3') } } });
  });

  it('sends job.canceled, from the cancel itself, for a job canceled while it waits', async () => {
    const at = await receiver();
    await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'canceled-queued', delayMs: 60_000, callback: { url: at.url } });
    expect((await acme.cancel('canceled-queued')).status).toBe('canceled');

    const [webhook] = await webhooks(at, 1);
    expect(webhook!.json).toMatchObject({ type: 'job.canceled', data: { key: 'canceled-queued', status: 'canceled', attempts: 0 } });
    expect((await deliveredReceipt(acme, 'canceled-queued')).deliveries).toEqual([{ event: 'canceled', status: 'delivered', attempts: 1, lastStatus: 204 }]);
  });

  it('sends job.canceled for a running job canceled through its abort signal', async () => {
    const at = await receiver();
    await acme.submit('sleep', { ms: 30_000 }, { idempotencyKey: 'canceled-running', callback: { url: at.url } });
    await expect.poll(async () => (await acme.receipt('canceled-running')).status).toBe('running');
    await acme.cancel('canceled-running');

    const [webhook] = await webhooks(at, 1);
    expect(webhook!.json).toMatchObject({ type: 'job.canceled', data: { status: 'canceled', attempts: 1 } });
  });

  it('is not delivered again when its submission is replayed', async () => {
    const at = await receiver();
    const first = await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'replayed-1', callback: { url: at.url } });
    expect((await deliveredReceipt(acme, 'replayed-1')).deliveries).toHaveLength(1);

    const replay = await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'replayed-1', callback: { url: at.url } });
    expect(replay).toMatchObject({ replayed: true, id: first.id });
    expect(await deliveryJobsOf('acme~replayed-1')).toHaveLength(1);
    expect((await acme.receipt('replayed-1')).deliveries).toEqual([{ event: 'succeeded', status: 'delivered', attempts: 1, lastStatus: 204 }]);
    expect(at.received).toHaveLength(1);
  });

  it('makes the callback part of the request: another URL under the same key is refused, the same events in another order replay', async () => {
    const at = await receiver();
    await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'fingerprint-1', callback: { url: at.url, events: ['failed', 'succeeded'] } });

    const again = await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'fingerprint-1', callback: { url: at.url, events: ['succeeded', 'failed', 'failed'] } });
    expect(again.replayed).toBe(true);
    await expect(acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'fingerprint-1', callback: { url: `${at.url}/other` } })).rejects.toThrow(IdempotencyKeyReusedError);
    await expect(acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'fingerprint-1' })).rejects.toThrow(IdempotencyKeyReusedError);
  });
});

describe('a job submitted without a callback', () => {
  it('has no callback and no deliveries on its receipt', async () => {
    await acme.submit('sleep', { ms: 0 }, { idempotencyKey: 'no-callback' });
    const receipt = await acme.wait('no-callback');
    expect(receipt.status).toBe('succeeded');
    expect(receipt).not.toHaveProperty('callback');
    expect(receipt).not.toHaveProperty('deliveries');
  });
});
