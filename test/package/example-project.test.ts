// examples/two-queues, run as a user runs it: the packed tarball installed in
// a copy of the project, its API and one worker per queue started with the
// installed `job-intake` binary, against a private Redis.
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installExample, packPackage, ROOT } from '../helpers/packed-package.js';
import { call, receiptFrom, startCommand, stopAll, submitTo, type ServiceProcess } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { startReceiver, type Receiver } from '../outbound/receiver.js';

const run = promisify(execFile);
const redis = useRedisServer();
const started: ServiceProcess[] = [];
let project: string;
let importLog: string;
let api: ServiceProcess;

/** `./node_modules/.bin/job-intake <args>` in the example project, as its Procfile runs it. */
function jobIntake(kind: 'web' | 'worker', args: string[], env: Record<string, string> = {}) {
  const service = startCommand(kind, ['./node_modules/.bin/job-intake', ...args], {
    cwd: project,
    env: { REDIS_URL: redis.url, AUTH: 'off', IMPORT_LOG: importLog, ...env },
  });
  return service.then((running) => {
    started.push(running);
    return running;
  });
}

beforeAll(async () => {
  project = await installExample('two-queues', await packPackage());
  importLog = join(project, 'imports.log');
  // Instrument the handler module: every process that imports it says so.
  appendFileSync(
    join(project, 'count-primes.js'),
    "\nimport { appendFileSync as logImport } from 'node:fs';\nlogImport(process.env.IMPORT_LOG, `${process.pid}\\n`);\n",
  );
  api = await jobIntake('web', ['api', '--jobs', './jobs.js']);
}, 240_000);

afterAll(async () => {
  await stopAll(started);
  if (project !== undefined) rmSync(join(project, '..'), { recursive: true, force: true });
});

describe('the example project, from the packed package', () => {
  it('installs a job-intake binary whose help lists the api and worker commands', async () => {
    const { stdout } = await run(join(project, 'node_modules/.bin/job-intake'), ['--help'], { cwd: project });
    expect(stdout).toMatch(/^\s+api \[--jobs FILE\]/m);
    expect(stdout).toMatch(/^\s+worker \[--jobs FILE\] \[--queues A,B\] \[--concurrency N\]/m);
  });

  it('serves the OpenAPI document of exactly its own job types', async () => {
    const openapi = JSON.parse((await call(`${api.url}/openapi.json`)).body) as { components: { schemas: Record<string, unknown> } };
    const body = JSON.stringify(openapi);
    expect(body).toContain('"word-count"');
    expect(body).toContain('"count-primes"');
    expect(body).not.toContain('"checksum"');
  });

  it('keeps a job of the cpu queue queued until a worker serving that queue runs, then runs it there', async () => {
    const defaultWorker = await jobIntake('worker', ['worker', '--jobs', './jobs.js', '--queues', 'default']);
    expect((await submitTo(api, 'primes-1', { type: 'count-primes', payload: { below: 100_000 } })).status).toBe(202);
    expect((await submitTo(api, 'words-1', { type: 'word-count', payload: { text: 'one job per key' } })).status).toBe(202);

    const words = await receiptFrom(api, 'words-1', 10);
    expect(words.status).toBe(200);
    expect(JSON.parse(words.body)).toMatchObject({ status: 'succeeded', result: { words: 4 } });
    expect(JSON.parse((await receiptFrom(api, 'primes-1')).body)).toMatchObject({ status: 'queued', attempts: 0 });

    const cpuWorker = await jobIntake('worker', ['worker', '--jobs', './jobs.js', '--queues', 'cpu', '--concurrency', '1']);
    const primes = await receiptFrom(api, 'primes-1', 20);
    expect(JSON.parse(primes.body)).toMatchObject({ status: 'succeeded', result: { below: 100_000, primes: 9592 } });
    // The handler's module was imported by the cpu worker only: never by the API, nor by the other worker.
    const importers = readFileSync(importLog, 'utf8').trim().split('\n');
    expect(new Set(importers)).toEqual(new Set([String(cpuWorker.child.pid)]));
    expect(importers).not.toContain(String(api.child.pid));
    expect(importers).not.toContain(String(defaultWorker.child.pid));
  }, 60_000);

  it('refuses a key reused for the other job type, in the other queue, with 422', async () => {
    expect((await submitTo(api, 'shared-key', { type: 'word-count', payload: { text: 'a b' } })).status).toBe(202);
    const reused = await submitTo(api, 'shared-key', { type: 'count-primes', payload: { below: 10 } });
    expect(reused.status).toBe(422);
    expect(JSON.parse(reused.body)).toMatchObject({ type: expect.stringContaining('idempotency-key-reused') });
  });

  it('answers a type the module does not define with 400, naming the types there are', async () => {
    const unknown = await submitTo(api, 'sleepy', { type: 'sleep', payload: { ms: 1 } });
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).detail).toMatch(/unknown job type; expected one of "word-count", "count-primes"/);
  });

  it('runs its submit script with the typed client of the installed package', async () => {
    const { stdout } = await run(process.execPath, ['submit.js'], { cwd: project, env: { ...process.env, JOB_INTAKE_URL: api.url } });
    expect(JSON.parse(stdout)).toEqual({ words: { words: 7 }, primes: { below: 10_000_000, primes: 664_579 } });
  }, 60_000);

  it('runs the API and a worker in one process of its own through job-intake/server, and stops it on SIGTERM', async () => {
    const embedded = await startCommand('web', [process.execPath, 'one-process.js'], {
      cwd: project,
      env: { REDIS_URL: redis.url, AUTH: 'off', QUEUE_PREFIX: 'embedded', IMPORT_LOG: importLog },
    });
    started.push(embedded);
    expect((await submitTo(embedded, 'embedded-1', { type: 'count-primes', payload: { below: 1000 } })).status).toBe(202);
    expect(JSON.parse((await receiptFrom(embedded, 'embedded-1', 20)).body)).toMatchObject({ status: 'succeeded', result: { primes: 168 } });
    embedded.kill('SIGTERM');
    expect(await embedded.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('runs an HTTP-endpoint job type from a JSON file and signs its completion webhook, both verified with the installed client', async () => {
    const secret = `whsec_${Buffer.from('an example secret of 32 bytes..!').toString('base64')}`;
    const receiver: Receiver = await startReceiver((req, res, received) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/resize') res.end(JSON.stringify({ resized: JSON.parse(received.body).w }));
      else res.end();
    });
    try {
      writeFileSync(
        join(project, 'types.json'),
        JSON.stringify({
          jobTypes: [
            {
              type: 'resize',
              description: 'Resizes an image, in any language, behind HTTP.',
              payloadSchema: { type: 'object', properties: { w: { type: 'integer', minimum: 1 } }, required: ['w'], additionalProperties: false },
              http: { url: `${receiver.origin}/resize`, timeoutMs: 5000 },
            },
          ],
        }),
      );
      const env = { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_SECRET: secret, QUEUE_PREFIX: 'http' };
      const httpApi = await jobIntake('web', ['api', '--jobs', './types.json'], env);
      await jobIntake('worker', ['worker', '--jobs', './types.json'], env);

      const refused = await submitTo(httpApi, 'resize-0', { type: 'resize', payload: { w: 0 } });
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body).errors).toEqual([expect.objectContaining({ pointer: '/payload/w' })]);
      const callback = { url: `${receiver.origin}/hook`, events: ['succeeded'] };
      expect((await submitTo(httpApi, 'resize-1', { type: 'resize', payload: { w: 64 }, callback })).status).toBe(202);
      expect(JSON.parse((await receiptFrom(httpApi, 'resize-1', 20)).body)).toMatchObject({ status: 'succeeded', result: { resized: 64 } });

      const { verifyWebhook } = (await import(join(project, 'node_modules/job-intake/dist/client/index.js'))) as typeof import('../../src/client/index.js');
      const endpointCall = receiver.requests.find((request) => request.url === '/resize')!;
      expect(endpointCall.headers['idempotency-key']).toBe('default~resize-1');
      expect(await verifyWebhook(secret, endpointCall.headers as Record<string, string>, endpointCall.body)).toEqual({ w: 64 });
      await expect.poll(() => receiver.requests.filter((request) => request.url === '/hook').length, { timeout: 15_000 }).toBe(1);
      const hook = receiver.requests.find((request) => request.url === '/hook')!;
      expect(await verifyWebhook(secret, hook.headers as Record<string, string>, hook.body)).toMatchObject({
        type: 'job.succeeded',
        data: { key: 'resize-1', status: 'succeeded', result: { resized: 64 } },
      });
    } finally {
      await receiver.close();
    }
  }, 60_000);

  it('type-checks a TypeScript client typed from the module: JobIntakeClient<JobTypeMapOf<typeof jobs>>', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, allowJs: true, skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
        files: ['typed-client.ts'],
      }),
    );
    writeFileSync(
      join(project, 'typed-client.ts'),
      `import { JobIntakeClient, type JobTypeMapOf } from 'job-intake/client';
import type jobs from './jobs.js';
const client = new JobIntakeClient<JobTypeMapOf<typeof jobs>>({ baseUrl: 'http://localhost:3000' });
export async function primesBelow(below: number): Promise<number> {
  return (await client.run('count-primes', { below })).primes;
}
// @ts-expect-error: below must be a number
void client.submit('count-primes', { below: 'ten' });
// @ts-expect-error: sleep is not one of this project's job types
void client.submit('sleep', { ms: 1 });
`,
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', join(project, 'tsconfig.json')], { cwd: project }).catch(
      (err: { stdout: string; code: number }) => err,
    );
    expect(result).toMatchObject({ stdout: '' });
    expect(existsSync(join(project, 'node_modules/job-intake/dist/server/index.d.ts'))).toBe(true);
  }, 60_000);
});
