import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, startWorker, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

// What a team in another language does: generate a client from /openapi.json
// with a standard generator, then call the API through it. Here the generator is
// openapi-typescript (types) with openapi-fetch (the calls); the generated code
// is type-checked strictly, compiled and run as a program of its own.
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
// Inside node_modules, so the program finds openapi-fetch as an installed package.
const folder = join(root, 'node_modules/.cache/openapi-client-test', String(process.pid));

const program = `
import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

declare const process: { env: Record<string, string | undefined>; stdout: { write(text: string): void } };

const client = createClient<paths>({ baseUrl: process.env.BASE_URL });
const body = { type: 'sleep', payload: { ms: 10, result: { via: 'openapi-fetch' } } } as const;

// @ts-expect-error The generated types require the Idempotency-Key header.
await client.POST('/v1/jobs', { body });

const submitted = await client.POST('/v1/jobs', { params: { header: { 'idempotency-key': 'generated-1' } }, body });
const replayed = await client.POST('/v1/jobs', { params: { header: { 'idempotency-key': 'generated-1' } }, body });
// 200 (a receipt, with Prefer: wait) or 202 (accepted): the generated type is their union.
const accepted: string | undefined = submitted.data !== undefined && 'receiptUrl' in submitted.data ? submitted.data.receiptUrl : undefined;

let receipt = await client.GET('/v1/receipts/{key}', { params: { path: { key: 'generated-1' }, query: { wait: 10 } } });
while (receipt.response.status === 202) {
  receipt = await client.GET('/v1/receipts/{key}', { params: { path: { key: 'generated-1' }, query: { wait: 10 } } });
}
const status: 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'canceled' | undefined = receipt.data?.status;
const missing = await client.GET('/v1/receipts/{key}', { params: { path: { key: 'never-used' } } });

process.stdout.write(JSON.stringify({
  submitted: submitted.response.status,
  location: submitted.response.headers.get('location'),
  accepted,
  replayed: replayed.response.headers.get('idempotent-replayed'),
  status,
  result: receipt.data?.result,
  missing: { status: missing.response.status, type: missing.error?.type },
}));
`;

const redis = useRedisServer();
let api: TestApi;
let worker: Awaited<ReturnType<typeof startWorker>>;
let baseUrl: string;
beforeAll(async () => {
  const config = testConfig(redis.url);
  api = await startApi(config);
  worker = await startWorker(config);
  baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  mkdirSync(folder, { recursive: true });
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('a client generated from /openapi.json', () => {
  it('type-checks, submits a job and reads its receipt against the running API', { timeout: 90_000 }, async () => {
    await run(process.execPath, [join(root, 'node_modules/openapi-typescript/bin/cli.js'), `${baseUrl}/openapi.json`, '-o', join(folder, 'schema.d.ts')]);
    writeFileSync(join(folder, 'package.json'), '{ "type": "module" }');
    writeFileSync(join(folder, 'client.ts'), program);
    const compilerOptions = { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023', 'dom'], types: [], outDir: 'out' };
    writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['client.ts'] }));
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', folder]).catch((err: { stdout: string }) =>
      expect.fail(`the generated client does not type-check:\n${err.stdout}`),
    );

    const { stdout } = await run(process.execPath, [join(folder, 'out/client.js')], { env: { PATH: process.env.PATH ?? '', BASE_URL: baseUrl } });

    expect(JSON.parse(stdout)).toEqual({
      submitted: 202,
      location: '/v1/receipts/generated-1',
      accepted: '/v1/receipts/generated-1',
      replayed: 'true',
      status: 'succeeded',
      result: { via: 'openapi-fetch' },
      missing: { status: 404, type: expect.stringMatching(/\/problems\/not-found$/) },
    });
  });
});
