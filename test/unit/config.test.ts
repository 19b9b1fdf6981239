import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const REDIS = { REDIS_URL: 'redis://redis.internal:6380' };
// The API's auth rule (auth-config.test.ts) wants API_KEYS or AUTH=off said.
const NO_AUTH = { ...REDIS, AUTH: 'off' };

describe('loadConfig', () => {
  it('gives every variable its documented default', () => {
    const config = loadConfig(NO_AUTH);
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      REDIS_URL: 'redis://redis.internal:6380',
      API_KEYS: null,
      WORKER_CONCURRENCY: 10,
      JOB_ATTEMPTS: 3,
      IDEMPOTENCY_TTL_SECONDS: 86400,
      MAX_BODY_BYTES: 1048576,
      SHUTDOWN_GRACE_MS: 30000,
      LOG_LEVEL: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('requires REDIS_URL unless REDIS_CLUSTER_NODES is given', () => {
    expect(() => loadConfig({})).toThrow(/REDIS_URL: required/);
    expect(() => loadConfig({ PORT: 'x' })).toThrow(/PORT:[\s\S]*REDIS_URL: required/);
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', AUTH: 'off' }).redisTarget).toEqual({
      clusterNodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
    });
  });

  it('reads numbers from strings, and 0 stays 0', () => {
    expect(loadConfig({ ...NO_AUTH, PORT: '8080', JOB_TIMEOUT_MS: '0' })).toMatchObject({ PORT: 8080, JOB_TIMEOUT_MS: 0 });
  });

  it('times requests out after 30 s and silent connections after 60 s by default', () => {
    expect(loadConfig({ ...REDIS, AUTH: 'off' })).toMatchObject({ REQUEST_TIMEOUT_MS: 30_000, CONNECTION_TIMEOUT_MS: 60_000 });
  });

  it('refuses a CONNECTION_TIMEOUT_MS that would cut a 30-second long-poll', () => {
    expect(() => loadConfig({ ...REDIS, CONNECTION_TIMEOUT_MS: '30000' })).toThrow(/CONNECTION_TIMEOUT_MS: at least 35000: a long-poll is silent for up to 30 s/);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', JOB_ATTEMPTS: '0', REDIS_URL: 'http://x', LOG_LEVEL: 'loud', API_KEYS: 'acme' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'JOB_ATTEMPTS', 'REDIS_URL', 'LOG_LEVEL', 'API_KEYS']) expect(problems).toContain(`${name}:`);
  });

  it('parses API_KEYS into tenants and refuses short or shared tokens', () => {
    const config = loadConfig({ ...REDIS, API_KEYS: 'acme:aaaaaaaaaaaaaaaa1, globex:bbbbbbbbbbbbbbbb2' });
    expect(config.API_KEYS?.map((entry) => entry.tenant)).toEqual(['acme', 'globex']);
    expect(() => loadConfig({ ...REDIS, API_KEYS: 'acme:short' })).toThrow(/shorter than 16/);
    expect(() => loadConfig({ ...REDIS, API_KEYS: 'a:aaaaaaaaaaaaaaaa1,b:aaaaaaaaaaaaaaaa1' })).toThrow(/listed twice/);
    expect(() => loadConfig({ ...REDIS, API_KEYS: 'ac~me:aaaaaaaaaaaaaaaa1' })).toThrow(/tenant/);
  });

  it('lets no outbound request through to a private address unless OUTBOUND_ALLOW_HOSTS names it, and refuses an entry that is no host', () => {
    expect(loadConfig(NO_AUTH).OUTBOUND_ALLOW_HOSTS).toBe('');
    expect(loadConfig({ ...NO_AUTH, OUTBOUND_ALLOW_HOSTS: 'images.internal,10.0.0.0/8' }).OUTBOUND_ALLOW_HOSTS).toBe('images.internal,10.0.0.0/8');
    expect(() => loadConfig({ ...NO_AUTH, OUTBOUND_ALLOW_HOSTS: 'https://images.internal' })).toThrow(
      /OUTBOUND_ALLOW_HOSTS: "https:\/\/images.internal" is neither a host name, an IP address nor a CIDR range/,
    );
  });

  it('reads WEBHOOK_SECRET and WEBHOOK_SECRETS into secrets by tenant, and never keeps or prints their text', () => {
    const key = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const own = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const config = loadConfig({ ...NO_AUTH, WEBHOOK_SECRET: key, WEBHOOK_SECRETS: `acme:${own}` });

    expect(config.webhookSecrets.configured).toBe(true);
    expect(config.webhookSecrets.secretsFor('acme')).toHaveLength(1);
    expect(config.webhookSecrets.secretsFor('globex')).toHaveLength(1);
    expect(config.webhookSecrets.secretsFor('acme')).not.toBe(config.webhookSecrets.secretsFor('globex'));
    expect(JSON.stringify(config)).not.toContain(key.slice(6));
    expect(JSON.stringify(config)).not.toContain(own.slice(6));
    expect(loadConfig(NO_AUTH).webhookSecrets.configured).toBe(false);
  });

  it('refuses a webhook secret that is not whsec_ and base64, without repeating it', () => {
    let error: unknown;
    try {
      loadConfig({ ...NO_AUTH, WEBHOOK_SECRET: 'hunter2-hunter2-hunter2' });
    } catch (err) {
      error = err;
    }
    expect((error as ConfigError).problems).toEqual(['WEBHOOK_SECRET: entry 1: a webhook secret must start with "whsec_"']);
    expect(String((error as Error).message)).not.toContain('hunter2');
  });
});
