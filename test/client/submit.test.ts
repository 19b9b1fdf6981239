import { beforeEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  IdempotencyKeyReusedError,
  JobIntakeClient,
  NotFoundError,
  ValidationError,
  type JobTypeMap,
} from '../../src/client/index.js';
import { TOKENS } from '../helpers/harness.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const redis = useRedisServer();
let service: LiveService;
let client: JobIntakeClient;

beforeEach(async () => {
  // No worker: these tests are about intake, and a queued job stays put.
  service = await startLiveService(redis.url, { worker: false, env: { API_KEYS: `acme:${TOKENS.acme}` } });
  client = new JobIntakeClient({ baseUrl: service.url, token: TOKENS.acme, retry: { maxAttempts: 1 } });
  return () => service.close();
});

describe('JobIntakeClient.submit against the real service', () => {
  it('creates one job under a generated UUIDv7 key and returns the 202 body', async () => {
    const submission = await client.submit('sleep', { ms: 10 });

    expect(submission).toEqual({
      outcome: 'accepted',
      id: `acme~${submission.key}`,
      key: expect.stringMatching(UUID_V7),
      type: 'sleep',
      status: 'queued',
      createdAt: expect.any(String),
      receiptUrl: `/v1/receipts/${submission.key}`,
      replayed: false,
    });
    expect(await service.inspector.jobCount()).toBe(1);
    expect((await client.receipt(submission)).status).toBe('queued');
  });

  it('gives every submission without a key a new key, and so a new job', async () => {
    const a = await client.submit('sleep', { ms: 10 });
    const b = await client.submit('sleep', { ms: 10 });

    expect(a.key).not.toBe(b.key);
    expect(await service.inspector.jobCount()).toBe(2);
  });

  it('replays a submission with the same key and payload, and creates no second job', async () => {
    const first = await client.submit('checksum', { sizeBytes: 64 }, { idempotencyKey: 'order-17' });
    const again = await client.submit('checksum', { sizeBytes: 64, algorithm: 'sha256' }, { idempotencyKey: 'order-17' });

    expect(first.replayed).toBe(false);
    expect(again).toEqual({ ...first, replayed: true });
    expect(await service.inspector.jobCount()).toBe(1);
  });

  it('throws IdempotencyKeyReusedError with the problem details when the key was used for another payload', async () => {
    await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'reused' });
    const error = await client.submit('sleep', { ms: 2 }, { idempotencyKey: 'reused' }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(error).toMatchObject({ status: 422, problem: { type: '/problems/idempotency-key-reused', status: 422 } });
    expect(await service.inspector.jobCount()).toBe(1);
  });

  it('throws ValidationError naming the bad field when the service refuses the payload', async () => {
    // The typed client would not compile this; a caller with run-time types can still send it.
    const untyped = new JobIntakeClient<JobTypeMap>({ baseUrl: service.url, token: TOKENS.acme });
    const error = await untyped.submit('sleep', { ms: -1 }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problem).toMatchObject({
      type: '/problems/validation-failed',
      status: 400,
      errors: [{ in: 'body', pointer: '/payload/ms', detail: expect.any(String) }],
    });
    expect(await service.inspector.jobCount()).toBe(0);
  });

  it('throws AuthenticationError for a wrong token', async () => {
    const stranger = new JobIntakeClient({ baseUrl: service.url, token: 'not-a-valid-token-at-all' });
    const error = await stranger.submit('sleep', { ms: 1 }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, problem: { type: '/problems/unauthorized' } });
  });

  it('throws NotFoundError for the receipt of a key never used', async () => {
    const error = await client.receipt('never-used').catch((err: unknown) => err);

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, problem: { type: '/problems/not-found', detail: expect.stringContaining('never-used') } });
  });

  it('refuses a key the service could not read before sending anything', async () => {
    await expect(client.submit('sleep', { ms: 1 }, { idempotencyKey: 'clé' })).rejects.toThrow(RangeError);
    await expect(client.submit('sleep', { ms: 1 }, { idempotencyKey: '"quoted"' })).rejects.toThrow(RangeError);
    expect(await service.inspector.jobCount()).toBe(0);
  });

  it('keeps a path in the base URL, for a service mounted under a prefix', async () => {
    const error = await new JobIntakeClient({ baseUrl: `${service.url}/mounted`, token: TOKENS.acme, retry: { maxAttempts: 1 } })
      .submit('sleep', { ms: 1 })
      .catch((err: unknown) => err);

    // The service has no such prefix: the 404 names the path the client sent.
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).problem.detail).toBe('No route for POST /mounted/v1/jobs');
  });
});
