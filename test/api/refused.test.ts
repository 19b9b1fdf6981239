import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, startApi, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let config: Config;
let api: TestApi;
let inspector: Awaited<ReturnType<typeof openInspector>>;

beforeEach(async () => {
  config = testConfig(redis.url, { MAX_BODY_BYTES: '2048', API_KEYS: `acme:${TOKENS.acme}` });
  api = await startApi(config);
  inspector = await openInspector(config);
  return async () => {
    await api.close();
    await inspector.close();
  };
});

const good = { type: 'sleep', payload: { ms: 5 } };
const token = TOKENS.acme;

interface RefusalCase {
  name: string;
  request: Parameters<typeof submit>[1];
  status: number;
  type: string;
  detail?: RegExp;
  errors?: unknown;
}

const cases: RefusalCase[] = [
  { name: 'a missing Idempotency-Key', request: { token, body: good }, status: 400, type: 'invalid-idempotency-key', detail: /is required/ },
  { name: 'an empty Idempotency-Key', request: { token, key: '', body: good }, status: 400, type: 'invalid-idempotency-key' },
  { name: 'a 256-character key', request: { token, key: 'k'.repeat(256), body: good }, status: 400, type: 'invalid-idempotency-key', detail: /1 to 255/ },
  { name: 'a key with a space', request: { token, key: 'a b', body: good }, status: 400, type: 'invalid-idempotency-key' },
  { name: 'a key with non-ASCII characters', request: { token, key: 'clé', body: good }, status: 400, type: 'invalid-idempotency-key' },
  { name: 'an unterminated quoted key', request: { token, key: '"abc', body: good }, status: 400, type: 'invalid-idempotency-key' },
  { name: 'malformed JSON', request: { token, key: 'k1', payload: '{"type":"sleep",' }, status: 400, type: 'malformed-json' },
  { name: 'an empty JSON body', request: { token, key: 'k1', payload: '' }, status: 400, type: 'malformed-json' },
  { name: 'a JSON body with __proto__', request: { token, key: 'k1', payload: '{"type":"sleep","payload":{"ms":1},"__proto__":{"x":1}}' }, status: 400, type: 'malformed-json' },
  {
    name: 'a body that is an array',
    request: { token, key: 'k1', payload: '[1,2]' },
    status: 400,
    type: 'validation-failed',
    errors: [{ in: 'body', pointer: '', detail: expect.stringMatching(/expected object/) }],
  },
  {
    name: 'an unknown job type',
    request: { token, key: 'k1', body: { type: 'mine-bitcoin', payload: {} } },
    status: 400,
    type: 'validation-failed',
    errors: [{ in: 'body', pointer: '/type', detail: expect.stringMatching(/unknown job type; expected one of "sleep", "checksum"/) }],
  },
  {
    name: 'a payload of the wrong types, listing each problem with its path',
    request: { token, key: 'k1', body: { type: 'sleep', payload: { ms: 'soon', failAttempts: 99 } } },
    status: 400,
    type: 'validation-failed',
    errors: expect.arrayContaining([
      expect.objectContaining({ in: 'body', pointer: '/payload/ms' }),
      expect.objectContaining({ in: 'body', pointer: '/payload/failAttempts', detail: expect.stringMatching(/10/) }),
    ]),
  },
  {
    name: 'an unknown top-level field',
    request: { token, key: 'k1', body: { ...good, priority: 'high' } },
    status: 400,
    type: 'validation-failed',
    detail: /priority/,
  },
  {
    name: 'an integer a 64-bit float cannot keep exactly, naming it and what it would become',
    request: { token, key: 'k1', payload: '{"type":"sleep","payload":{"ms":5,"result":9007199254740993}}' },
    status: 400,
    type: 'validation-failed',
    errors: [{ in: 'body', pointer: '/payload/result', detail: expect.stringMatching(/the number 9007199254740993 cannot be kept exactly.*9007199254740992; send it as a string/) }],
  },
  {
    name: 'a decimal with more digits than a 64-bit float keeps',
    request: { token, key: 'k1', payload: '{"type":"sleep","payload":{"ms":5,"result":{"a/b~":[1,0.10000000000000001]}}}' },
    status: 400,
    type: 'validation-failed',
    errors: [{ in: 'body', pointer: '/payload/result/a~1b~0/1', detail: expect.stringMatching(/the number 0.10000000000000001 cannot be kept exactly/) }],
  },
  {
    name: 'a number too large for a 64-bit float',
    request: { token, key: 'k1', payload: '{"type":"sleep","payload":{"ms":5,"result":1e400}}' },
    status: 400,
    type: 'validation-failed',
    errors: [{ in: 'body', pointer: '/payload/result', detail: expect.stringMatching(/1e400 cannot be kept exactly.*Infinity/) }],
  },
  {
    name: 'a member name given twice in one object',
    request: { token, key: 'k1', payload: '{"type":"sleep","payload":{"ms":5,"m\\u0073":6}}' },
    status: 400,
    type: 'validation-failed',
    errors: [{ in: 'body', pointer: '/payload/ms', detail: expect.stringMatching(/"ms" appears twice/) }],
  },
  {
    name: 'a body nested deeper than MAX_JSON_DEPTH (64)',
    request: { token, key: 'k1', payload: `{"type":"sleep","payload":{"ms":5,"result":${'['.repeat(100)}${']'.repeat(100)}}}` },
    status: 400,
    type: 'validation-failed',
    errors: [{ in: 'body', pointer: `/payload/result${'/0'.repeat(62)}`, detail: expect.stringMatching(/nested more than 64 levels/) }],
  },
  { name: 'a body over MAX_BODY_BYTES', request: { token, key: 'k1', body: { type: 'sleep', payload: { ms: 1, result: 'x'.repeat(4096) } } }, status: 413, type: 'payload-too-large' },
  { name: 'a text/plain body', request: { token, key: 'k1', payload: 'hello', headers: { 'content-type': 'text/plain' } }, status: 415, type: 'unsupported-media-type' },
  { name: 'a form body', request: { token, key: 'k1', payload: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, status: 415, type: 'unsupported-media-type' },
  { name: 'no Authorization header', request: { key: 'k1', body: good }, status: 401, type: 'unauthorized', detail: /missing/ },
  { name: 'a wrong token', request: { key: 'k1', body: good, token: 'not-the-token-at-all-0000' }, status: 401, type: 'unauthorized' },
  { name: 'a Basic Authorization header', request: { key: 'k1', body: good, headers: { authorization: 'Basic YTpi' } }, status: 401, type: 'unauthorized' },
];

describe('POST /v1/jobs refuses bad requests with problem+json and creates nothing', () => {
  it.each(cases)('refuses $name with $status', async ({ request, status, type, detail, errors }) => {
    const res = await submit(api, request);

    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const problem = res.json();
    expect(problem).toMatchObject({ type: `/problems/${type}`, status, title: expect.any(String), detail: expect.any(String) });
    if (detail) expect(problem.detail).toMatch(detail);
    if (errors) expect(problem.errors).toEqual(errors);
    expect(await inspector.jobCount()).toBe(0);
  });

  it('asks for a bearer token on 401', async () => {
    const res = await submit(api, { key: 'k1', body: good });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="job-intake"');
  });

  it('reserves no key: the same key then works with a correct request', async () => {
    const refused = await submit(api, { token, key: 'k-later', body: { type: 'sleep', payload: { ms: -1 } } });
    const accepted = await submit(api, { token, key: 'k-later', body: good });

    expect(refused.statusCode).toBe(400);
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers['idempotent-replayed']).toBeUndefined();
    expect(await inspector.jobCount()).toBe(1);
  });

  it('never lets two numbers that read as one 64-bit float share a key', async () => {
    const first = await submit(api, { token, key: 'k-big', payload: '{"type":"sleep","payload":{"ms":5,"result":9007199254740992}}' });
    const second = await submit(api, { token, key: 'k-big', payload: '{"type":"sleep","payload":{"ms":5,"result":9007199254740993}}' });

    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(400);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(await inspector.jobCount()).toBe(1);
  });

  it('accepts every number that parsing keeps as written, whatever its notation, and stores it unchanged', async () => {
    const numbers = '[0.1,1e300,1E-7,-0,100.50,9007199254740992,-9007199254740991,1e21,5e-324,1.7976931348623157e308]';
    const res = await submit(api, { token, key: 'k-exact', payload: `{"type":"sleep","payload":{"ms":5,"result":${numbers}}}` });

    expect(res.statusCode).toBe(202);
    const stored = await inspector.queue.getJob(res.json().id);
    // -0 is the number 0, and is stored as JSON.stringify writes it.
    expect(stored?.data.result).toEqual([0.1, 1e300, 1e-7, 0, 100.5, 2 ** 53, -(2 ** 53 - 1), 1e21, Number.MIN_VALUE, Number.MAX_VALUE]);
  });

  it('accepts a payload nested up to MAX_JSON_DEPTH (64) levels', async () => {
    const res = await submit(api, { token, key: 'k-deep', payload: `{"type":"sleep","payload":{"ms":5,"result":${'['.repeat(62)}${']'.repeat(62)}}}` });

    expect(res.statusCode).toBe(202);
  });

  it('accepts a 255-character key and a key of every visible ASCII character', async () => {
    const visible = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
    const long = await submit(api, { token, key: 'k'.repeat(255), body: good });
    const odd = await submit(api, { token, key: visible, body: good });

    expect(long.statusCode).toBe(202);
    expect(odd.statusCode).toBe(202);
    expect(odd.json().key).toBe(visible);
    expect(await inspector.jobCount()).toBe(2);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/v2/whatever', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ type: '/problems/not-found', status: 404 });
  });

  it('documents each problem type at its type URI', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/problems/idempotency-key-reused' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ type: '/problems/idempotency-key-reused', status: 422 });
  });
});

describe('URLs the router refuses are answered with problem+json too', () => {
  it.each([
    ['a path that is not valid percent-encoding', 'GET', '/v1/receipts/%ZZ', 400, 'bad-request', /percent-encoded/],
    ['a truncated percent-encoding', 'DELETE', '/v1/receipts/abc%E2%82', 400, 'bad-request', /percent-encoded/],
    ['a path segment longer than any encoded key', 'GET', `/v1/receipts/${'k'.repeat(800)}`, 400, 'bad-request', /longer than 765 characters/],
    ['a key of 256 to 765 characters', 'GET', `/v1/receipts/${'k'.repeat(300)}`, 400, 'invalid-idempotency-key', /1 to 255/],
    ['a receipt page for a path segment longer than any encoded key', 'GET', `/ui/receipts/${'k'.repeat(800)}`, 400, 'bad-request', /longer than 765/],
    ['a wait that is not percent-encoding', 'GET', '/v1/receipts/k1?wait=%ZZ', 400, 'validation-failed', /wait/],
    ['a wait given twice', 'GET', '/v1/receipts/k1?wait=1&wait=2', 400, 'validation-failed', /wait/],
  ])('answers %s with a problem', async (_name, method, url, status, type, detail) => {
    const res = await api.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` } });

    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    expect(res.json()).toMatchObject({ type: `/problems/${type}`, status, detail: expect.stringMatching(detail) });
  });
});
