import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { demoJobTypes } from '../../src/jobs/demo/index.js';
import { startApi, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

type Operation = { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>; security?: unknown[]; requestBody?: any };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> }; security?: unknown };

/** Routes that are for people or operators, deliberately not part of the API document. */
const UNDOCUMENTED = [/^\/docs(\/|$)/, /^\/openapi\.json$/, /^\/ui\//, /^\/admin\//];

let redis: RedisServer;
let api: TestApi;
let doc: Document;

beforeAll(async () => {
  redis = await startRedisServer();
  const apiKeys = `acme:${TOKENS.acme}`;
  api = await startApi(testConfig(redis.url, { API_KEYS: apiKeys, ADMIN_TOKEN: 'admin-token-0123456789abcdef' }));
  const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
});
afterAll(async () => {
  await api?.close();
  await redis?.stop();
});

/** Every route fastify serves, as `METHOD /path/{param}`, read from its route tree. */
function servedRoutes(): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of api.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = match[1]!.length / 4;
    stack[depth] = (depth > 0 ? stack[depth - 1]! : '') + match[2]!;
    stack.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) {
      routes.push(`${method} ${stack[depth]!.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes;
}

function documentedRoutes(): string[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
}

describe('the OpenAPI document at /openapi.json', () => {
  it('is valid OpenAPI 3.1 and every $ref in it resolves', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);

    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components.schemas, `dangling $ref ${ref}`).toHaveProperty([ref]);
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('lists every route the API serves, and no other', () => {
    const served = servedRoutes().filter((route) => !UNDOCUMENTED.some((pattern) => pattern.test(route.split(' ')[1]!)));

    expect(served).toContain('POST /v1/jobs');
    expect(served).toContain('GET /v1/receipts/{key}');
    expect(documentedRoutes().sort()).toEqual(served.sort());
  });

  it('declares every error answer as application/problem+json with the Problem schema, 500 on every route', () => {
    for (const [route, operation] of Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => [`${m} ${path}`, op] as const))) {
      const errorStatuses = Object.keys(operation.responses).filter((status) => Number(status) >= 400);
      expect(errorStatuses, route).toContain('500');
      for (const status of errorStatuses) {
        expect(Object.keys(operation.responses[status]!.content ?? {}), `${route} ${status}`).toEqual(['application/problem+json']);
        expect(operation.responses[status]!.content!['application/problem+json']!.schema).toEqual({ $ref: '#/components/schemas/Problem' });
      }
    }
  });

  it('declares each problem the intake and receipt routes can answer', () => {
    expect(Object.keys(doc.paths['/v1/jobs']!.post!.responses).sort()).toEqual(['200', '202', '400', '401', '413', '415', '422', '429', '500', '503']);
    expect(Object.keys(doc.paths['/v1/receipts/{key}']!.get!.responses).sort()).toEqual(['200', '202', '400', '401', '404', '500', '503']);
    expect(Object.keys(doc.paths['/v1/receipts/{key}']!.delete!.responses).sort()).toEqual(['200', '202', '400', '401', '404', '409', '500', '503']);
    expect(Object.keys(doc.paths['/readyz']!.get!.responses).sort()).toEqual(['200', '400', '500', '503']);
    expect(Object.keys(doc.paths['/metrics']!.get!.responses).sort()).toEqual(['200', '400', '401', '500']);
  });

  it('documents retry by key and the job list, with their operationIds, filters and answers', () => {
    const retry = doc.paths['/v1/receipts/{key}/retry']!.post! as Operation & { operationId?: string };
    const list = doc.paths['/v1/jobs']!.get! as Operation & { operationId?: string; parameters?: Array<{ name: string; in: string }> };

    expect(retry.operationId).toBe('retryJob');
    expect(Object.keys(retry.responses).sort()).toEqual(['202', '400', '401', '404', '409', '500', '503']);
    expect(list.operationId).toBe('listJobs');
    expect(Object.keys(list.responses).sort()).toEqual(['200', '400', '401', '500', '503']);
    expect(list.parameters!.map((p) => `${p.in} ${p.name}`).sort()).toEqual(['query cursor', 'query limit', 'query status', 'query type']);
  });

  it('matches what the API sends: a refused request comes back as the documented media type', async () => {
    const res = await submit(api, { key: 'k', token: TOKENS.acme, body: { type: 'sleep', payload: { ms: -1 } } });

    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(doc.paths['/v1/jobs']!.post!.responses['400']!.content).toHaveProperty(['application/problem+json']);
  });

  it("shows each job type's payload schema in the POST /v1/jobs body", () => {
    const variants = doc.paths['/v1/jobs']!.post!.requestBody.content['application/json'].schema.oneOf as any[];

    expect(variants.map((variant) => variant.title).sort()).toEqual(demoJobTypes.map((jobType) => jobType.type).sort());
    for (const jobType of demoJobTypes) {
      const variant = variants.find((v) => v.title === jobType.type);
      expect(variant.properties.type.enum ?? [variant.properties.type.const]).toEqual([jobType.type]);
      expect(variant.description).toBe(jobType.description);
      const shape = (jobType.payloadSchema as z.ZodObject).shape;
      expect(Object.keys(variant.properties.payload.properties).sort()).toEqual(Object.keys(shape).sort());
      expect(variant.properties.payload.additionalProperties).toBe(false);
    }
  });

  it('asks for a bearer token on the API routes and for none on health, metrics and problem docs', () => {
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/v1/jobs']!.post!.security).toBeUndefined();
    for (const path of ['/healthz', '/readyz', '/metrics', '/problems/{slug}']) expect(doc.paths[path]!.get!.security, path).toEqual([]);
  });
});

describe('the API reference', () => {
  it('is served at /docs without a token, and points at the same document', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/docs/' });
    const json = await api.app.inject({ method: 'GET', url: '/docs/json' });

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger');
    expect(json.json()).toEqual(doc);
  });
});
