import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../src/config.js';
import { createRegistry, defineJobType } from '../../src/jobs/job-type.js';
import type { RedisClient } from '../../src/shared/redis.js';
import { createWorker } from '../../src/worker/worker.js';
import { receipt, silentLogger, submit, useApiAndWorker } from '../helpers/harness.js';
import { startReceiver } from '../outbound/receiver.js';

// The only receiver is on 127.0.0.1, and nothing lets it through: every request
// here must be refused before a connection is made. The private addresses below
// appear only in URLs that are refused without connecting or resolving.
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const target = await startReceiver((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
afterAll(() => target.close());

const payloadSchema = z.strictObject({});
const byName = defineJobType({ type: 'by-name', description: '', payloadSchema, http: { url: `http://localhost:${target.port}/run` } });
const service = useApiAndWorker({ env: { WEBHOOK_SECRET: secret }, registry: createRegistry([byName]) });

/** createWorker with this config; it refuses before it touches Redis, so no connection is given. */
function workerWith(url: string, env: Record<string, string> = {}) {
  const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', WEBHOOK_SECRET: secret, ...env }, { role: 'worker' });
  const registry = createRegistry([defineJobType({ type: 'resize', description: '', payloadSchema, http: { url } })]);
  return () => createWorker({ config, connection: undefined as unknown as RedisClient, registry, logger: silentLogger });
}

describe('an HTTP job type whose endpoint may not be reached', () => {
  it('fails its job at once, without connecting, when the name resolves to loopback and OUTBOUND_ALLOW_HOSTS does not list it', async () => {
    await submit(service.api, { key: 'by-name-1', body: { type: 'by-name', payload: {} } });

    let ended: Record<string, any> = {};
    await expect
      .poll(async () => (ended = (await receipt(service.api, 'by-name-1')).json()).status, { timeout: 10_000 })
      .toBe('failed');

    expect(ended).toMatchObject({ attempts: 1, error: { message: 'endpoint: refused: localhost resolves to a loopback address' } });
    expect(target.connections).toBe(0);
  });

  it.each([
    ['http://[::1]:8080/run', '::1 is a loopback address'],
    ['http://10.0.0.1/run', '10.0.0.1 is a private address'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a link-local address (cloud metadata)'],
  ])('stops a worker at start when the URL is %s, naming the type', (url, why) => {
    expect(workerWith(url)).toThrow(`job type "resize": http.url is refused: ${why} (OUTBOUND_ALLOW_HOSTS lets a host through)`);
  });

  it('stops a worker at start that has no secret to sign the requests with', () => {
    const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }, { role: 'worker' });
    const registry = createRegistry([defineJobType({ type: 'resize', description: '', payloadSchema, http: { url: 'https://images.example.com/resize' } })]);

    expect(() => createWorker({ config, connection: undefined as unknown as RedisClient, registry, logger: silentLogger })).toThrow(
      /^WEBHOOK_SECRET: required to sign the requests of HTTP job type\(s\) "resize"/,
    );
  });
});
