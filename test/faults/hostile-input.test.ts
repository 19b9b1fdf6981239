import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, startApi, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let config: Config;
let api: TestApi;
let inspector: Awaited<ReturnType<typeof openInspector>>;
const created = new Set<string>();
const statusCounts: Record<number, number> = {};

beforeAll(async () => {
  redis = await startRedisServer();
  config = testConfig(redis.url, { API_KEYS: `acme:${TOKENS.acme}`, MAX_BODY_BYTES: '4096' });
  api = await startApi(config);
  inspector = await openInspector(config);
});
afterAll(async () => {
  await inspector.close();
  await api.close();
  await redis.stop();
});

// Weighted so that most cases get past each check in turn (auth, type, key,
// schema) and some reach Redis: a fuzz run that only meets the first 401 proves little.
const keyArb = fc.oneof(
  { arbitrary: fc.constantFrom('k1', 'k2', '"k1"', 'k~3', 'a:b{c}', 'x'.repeat(255)), weight: 6 },
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('a', '"', '\\', ' ', '\t', '~', '%', ':', '{', '\u0000', '\u007f', 'é', '😀'), maxLength: 12 }),
  fc.integer({ min: 253, max: 258 }).map((n) => 'k'.repeat(n)),
  fc.string({ maxLength: 20 }).map((s) => `"${s}"`),
);
const payloadArb = fc.oneof(
  fc.jsonValue(),
  fc.record({ ms: fc.oneof(fc.integer({ min: -5, max: 700_000 }), fc.jsonValue()), result: fc.jsonValue(), failAttempts: fc.jsonValue() }, { requiredKeys: [] }),
  fc.record({ sizeBytes: fc.oneof(fc.integer(), fc.jsonValue()), seed: fc.jsonValue(), algorithm: fc.string() }, { requiredKeys: [] }),
);
const validSleep = fc.record({ ms: fc.integer({ min: 0, max: 3 }), result: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ['ms'] });
const bodyArb = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant('sleep'), payload: validSleep }).map((b) => JSON.stringify(b)), weight: 6 },
  fc
    .record(
      {
        type: fc.oneof(fc.constantFrom('sleep', 'checksum', '__proto__', 'constructor', ''), fc.jsonValue()),
        payload: payloadArb,
        options: fc.oneof(fc.record({ delayMs: fc.jsonValue(), priority: fc.jsonValue() }, { requiredKeys: [] }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    )
    .map((b) => JSON.stringify(b)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', '{', '{"type":"sleep","payload":{"ms":1},"__proto__":{"a":1}}', '{"constructor":{"prototype":{}}}', 'x'.repeat(5000)),
);
const contentTypeArb = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'APPLICATION/JSON'),
  fc.string({ maxLength: 40 }),
);
const authArb = fc.oneof(
  { arbitrary: fc.constant(`Bearer ${TOKENS.acme}`), weight: 12 },
  fc.constant(`bearer ${TOKENS.acme}`),
  fc.string({ maxLength: 60 }),
  fc.constant(undefined),
);

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
  expect(res.statusCode).toBeLessThan(500);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const problem = JSON.parse(res.body);
  expect(problem).toMatchObject({ type: expect.stringMatching(/^\/problems\//), title: expect.any(String), status: res.statusCode, detail: expect.any(String) });
}

describe('hostile input (property-based)', () => {
  it('never answers 5xx to a submission, refuses with problem+json, and creates a job only for a 202', async () => {
    await fc.assert(
      fc.asyncProperty(keyArb, bodyArb, contentTypeArb, authArb, async (key, body, contentType, authorization) => {
        const headers: Record<string, string> = { 'content-type': contentType, 'idempotency-key': key, prefer: 'wait=0' };
        if (authorization !== undefined) headers.authorization = authorization;
        let res;
        try {
          res = await api.app.inject({ method: 'POST', url: '/v1/jobs', headers, payload: body });
        } catch (err) {
          // The HTTP client itself refuses header bytes no server would ever see.
          fc.pre(!/Invalid character in header|header content/i.test(String(err)));
          throw err;
        }
        statusCounts[res.statusCode] = (statusCounts[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 202) {
          const accepted = res.json();
          if (res.headers['idempotent-replayed'] === undefined) created.add(accepted.id);
          else expect(created.has(accepted.id)).toBe(true);
        } else {
          expectProblem(res);
        }
      }),
      { numRuns: 2500 },
    );
    // The run reached every stage: auth, media type, key, schema, Redis (new and reused keys).
    for (const status of [202, 400, 401, 413, 415, 422]) expect(statusCounts[status] ?? 0).toBeGreaterThan(0);
    expect(await inspector.jobCount()).toBe(created.size);
  });

  it('never answers 5xx to a receipt path, whatever the key, wait or method', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer().map(String)), fc.constantFrom('GET', 'DELETE'), async (key, wait, method) => {
        const res = await api.app.inject({
          method,
          url: `/v1/receipts/${encodeURIComponent(key)}?wait=${encodeURIComponent(wait)}`.slice(0, 2000),
          headers: { authorization: `Bearer ${TOKENS.acme}` },
        });
        if (res.statusCode === 200 || res.statusCode === 202) expect(res.json().key).toBe(key);
        else expectProblem(res);
      }),
      { numRuns: 1500 },
    );
  });
});

/** A number's exact decimal value, as digits × 10^exponent in BigInt: no floating point on the way. */
function sameDecimal(a: string, b: string): boolean {
  const exact = (text: string) => {
    const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (match === null) return null; // Infinity, NaN
    const fraction = match[3] ?? '';
    return { digits: BigInt(`${match[1]}${match[2]}${fraction}`), exponent: Number(match[4] ?? 0) - fraction.length };
  };
  const x = exact(a);
  const y = exact(b);
  if (x === null || y === null) return false;
  const base = Math.min(x.exponent, y.exponent);
  return x.digits * 10n ** BigInt(x.exponent - base) === y.digits * 10n ** BigInt(y.exponent - base);
}

// Number text as a client may write it: up to 25 digits each side of the point, any exponent a double can reach and more.
const numberTextArb = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 25n }), fc.option(fc.stringMatching(/^\d{1,25}$/)), fc.option(fc.integer({ min: -400, max: 400 })))
  .map(([negative, whole, fraction, exponent]) => `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `e${exponent}`}`);
let numberKeys = 0;

describe('JSON that parsing would change (property-based)', () => {
  it('stores every accepted number exactly as written, and never replays a key for a different number', async () => {
    await fc.assert(
      fc.asyncProperty(numberTextArb, async (written) => {
        const key = `n${(numberKeys += 1)}`;
        const post = (number: string) =>
          api.app.inject({
            method: 'POST',
            url: '/v1/jobs',
            headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: `Bearer ${TOKENS.acme}` },
            payload: `{"type":"sleep","payload":{"ms":0,"result":${number}}}`,
          });
        const first = await post(written);
        // What JSON.parse makes of it, written back: the same double, and for an accepted number the same value.
        const parsedBack = String(Number(written));
        const second = await post(parsedBack);

        if (first.statusCode === 202) {
          expect(sameDecimal(written, parsedBack)).toBe(true);
          expect(second.headers['idempotent-replayed']).toBe('true');
        } else {
          expectProblem(first);
          expect(first.json().errors).toEqual([expect.objectContaining({ pointer: '/payload/result' })]);
          expect(second.headers['idempotent-replayed']).toBeUndefined(); // the refused request reserved nothing
        }
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a body nested deeper than MAX_JSON_DEPTH with a 400, and takes one within it, at any depth up to thousands', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1990 }), fc.boolean(), async (depth, asObjects) => {
        const [open, close] = asObjects ? ['{"a":', '}'] : ['[', ']'];
        const result = `${open.repeat(depth)}0${close.repeat(depth)}`;
        const res = await api.app.inject({
          method: 'POST',
          url: '/v1/jobs',
          headers: { 'content-type': 'application/json', 'idempotency-key': `d${depth}${asObjects}`, authorization: `Bearer ${TOKENS.acme}` },
          payload: `{"type":"sleep","payload":{"ms":0,"result":${result}}}`,
        });
        if (res.statusCode === 413) return; // objects of that depth outgrow MAX_BODY_BYTES first
        // The body is level 1, its payload level 2: the result has 62 levels to itself.
        if (depth <= 62) expect(res.statusCode).toBe(202);
        else {
          expectProblem(res);
          expect(res.json()).toMatchObject({ type: '/problems/validation-failed', detail: expect.stringMatching(/nested more than 64 levels/) });
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('malformed HTTP on a real socket', () => {
  async function rawRequest(port: number, request: string): Promise<string> {
    const { createConnection } = await import('node:net');
    return new Promise((resolve, reject) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write(request));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
  }

  it.each([
    ['a control byte in the Idempotency-Key', 'POST /v1/jobs HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\u0001b\r\nContent-Length: 0\r\n\r\n'],
    ['a broken request line', 'NOT HTTP AT ALL\r\n\r\n'],
  ])('answers %s with a 400 problem', async (_name, request) => {
    if (!api.app.server.listening) await api.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (api.app.server.address() as { port: number }).port;
    const answer = await rawRequest(port, request);

    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('Content-Type: application/problem+json; charset=utf-8');
    expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toMatchObject({ type: '/problems/bad-request', status: 400 });
  });

  it("answers header fields larger than the server reads with the catalogue's 431 problem", async () => {
    if (!api.app.server.listening) await api.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (api.app.server.address() as { port: number }).port;
    const answer = await rawRequest(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`);

    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toMatchObject({
      type: '/problems/header-fields-too-large',
      title: 'Request header fields too large',
      status: 431,
    });
  });
});
