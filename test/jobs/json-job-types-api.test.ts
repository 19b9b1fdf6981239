import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/jobs/job-type.js';
import { jobTypesFromJson } from '../../src/jobs/json-job-types.js';
import { startApi, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

// The example file: the API validates with its JSON Schema and documents it.
const file = JSON.stringify({
  jobTypes: [
    {
      type: 'resize',
      description: 'Resizes an image.',
      payloadSchema: {
        type: 'object',
        properties: { w: { type: 'integer', minimum: 1 }, fit: { type: 'string', enum: ['cover', 'contain'], default: 'cover' } },
        required: ['w'],
        additionalProperties: false,
      },
      http: { url: 'https://images.internal/resize', timeoutMs: 30000 },
      queue: 'default',
    },
  ],
});

const redis = useRedisServer();
let api: TestApi;
beforeAll(async () => {
  api = await startApi(testConfig(redis.url), { registry: createRegistry(jobTypesFromJson(file, 'types.json')) });
});
afterAll(() => api?.close());

describe('a job type from a JSON file, at the API', () => {
  it('refuses a payload its JSON Schema refuses with a 400 naming each problem by pointer', async () => {
    const res = await submit(api, { key: 'r-1', body: { type: 'resize', payload: { w: 0, fit: 'stretch', h: 3 } } });

    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().errors).toEqual([
      { in: 'body', pointer: '/payload/w', detail: 'Too small: expected number to be >=1' },
      { in: 'body', pointer: '/payload/fit', detail: 'Invalid option: expected one of "cover"|"contain"' },
      { in: 'body', pointer: '/payload', detail: 'Unrecognized key: "h"' },
    ]);
  });

  it('accepts a valid payload, with the defaults of its schema in the fingerprint', async () => {
    const first = await submit(api, { key: 'r-2', body: { type: 'resize', payload: { w: 640 } } });
    const same = await submit(api, { key: 'r-2', body: { type: 'resize', payload: { w: 640, fit: 'cover' } } });

    expect(first.statusCode).toBe(202);
    expect(same.statusCode).toBe(202);
    expect(same.headers['idempotent-replayed']).toBe('true');
  });

  it('shows the JSON Schema in the OpenAPI document as it shows a zod schema', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const variants = doc.paths['/v1/jobs'].post.requestBody.content['application/json'].schema.oneOf as any[];

    const resize = variants.find((variant) => variant.title === 'resize');
    expect(resize.description).toBe('Resizes an image.');
    expect(resize.properties.payload).toMatchObject({
      type: 'object',
      properties: { w: { type: 'integer', minimum: 1 }, fit: { type: 'string', enum: ['cover', 'contain'] } },
      required: ['w'],
      additionalProperties: false,
    });
  });
});
