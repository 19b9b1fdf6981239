import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/client/verify-webhook.js';
import { assertBuilt } from '../helpers/built-dist.js';
import { receiptFrom, startCommand, stopAll, submitTo, type ServiceProcess } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { CLI_PATH, runCli } from '../helpers/run-cli.js';
import { startReceiver, type Receiver } from '../outbound/receiver.js';

assertBuilt('cli', 'jobs', 'worker', 'api', 'outbound');

// `job-intake api|worker --jobs ./types.json`, the built CLI in processes of
// their own, as a team that writes no JavaScript runs it; the endpoint is a
// receiver on 127.0.0.1, let through by OUTBOUND_ALLOW_HOSTS.
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const folder = mkdtempSync(join(tmpdir(), 'json-types-'));
const writeTypes = (name: string, url: string, payloadSchema: unknown = { type: 'object', properties: { w: { type: 'integer', minimum: 1 } }, required: ['w'], additionalProperties: false }) =>
  writeFileSync(join(folder, name), JSON.stringify({ jobTypes: [{ type: 'resize', description: 'Resizes an image.', payloadSchema, http: { url, timeoutMs: 5000 } }] }));

const redis = useRedisServer();
let target: Receiver;
const services: ServiceProcess[] = [];
beforeAll(async () => {
  target = await startReceiver((_req, res, received) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ got: JSON.parse(received.body) })));
  writeTypes('types.json', `${target.origin}/resize`);
  const env = { REDIS_URL: redis.url, QUEUE_PREFIX: 'jsontypes', OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_SECRET: secret };
  services.push(await startCommand('web', [process.execPath, CLI_PATH, 'api', '--jobs', './types.json'], { env, cwd: folder }));
  services.push(await startCommand('worker', [process.execPath, CLI_PATH, 'worker', '--jobs', './types.json'], { env, cwd: folder }));
});
afterAll(async () => {
  await stopAll(services);
  await target?.close();
});

describe('job-intake api and worker with --jobs ./types.json', () => {
  it('validate with the JSON Schema and run the job by a signed POST to its endpoint', async () => {
    const [web] = services;
    const refused = await submitTo(web!, 'img-0', { type: 'resize', payload: { w: 0 } });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body).errors).toEqual([{ in: 'body', pointer: '/payload/w', detail: 'Too small: expected number to be >=1' }]);

    expect((await submitTo(web!, 'img-1', { type: 'resize', payload: { w: 640 } })).status).toBe(202);
    const ended = await receiptFrom(web!, 'img-1', 10);

    expect(ended.status).toBe(200);
    expect(JSON.parse(ended.body)).toMatchObject({ status: 'succeeded', result: { got: { w: 640 } } });
    expect(target.requests).toHaveLength(1);
    await expect(verifyWebhook(secret, target.requests[0]!.headers, target.requests[0]!.body)).resolves.toEqual({ w: 640 });
  });

  it('stop at start with exit code 2 when an endpoint is a refused address, naming the type', async () => {
    writeTypes('metadata.json', 'http://169.254.169.254/latest/meta-data');
    const env = { REDIS_URL: 'redis://127.0.0.1:1', AUTH: 'off', LOG_LEVEL: 'silent', WEBHOOK_SECRET: secret };

    for (const command of ['api', 'worker']) {
      const run = await runCli([command, '--jobs', './metadata.json'], { env, cwd: folder });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `job-intake ${command}: job type "resize": http.url is refused: 169.254.169.254 is a link-local address (cloud metadata) (OUTBOUND_ALLOW_HOSTS lets a host through)\n`,
      );
    }
  });

  it('stop at start with exit code 2 on a JSON Schema keyword zod would not check, naming it', async () => {
    writeTypes('typo.json', 'https://images.example.com/resize', { type: 'object', properties: { w: { type: 'integer', minimun: 1 } } });

    const run = await runCli(['api', '--jobs', './typo.json'], { env: { REDIS_URL: 'redis://127.0.0.1:1', AUTH: 'off' }, cwd: folder });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'job-intake api: ./typo.json: jobTypes[0]: job type "resize": payloadSchema: "minimun" at /properties/w is not a JSON Schema 2020-12 keyword zod checks (misspelt?)\n',
    );
  });
});
