import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const BASE = { REDIS_URL: 'redis://redis.internal:6380', AUTH: 'off' };
const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('loadConfig accepted it');
}

describe('the webhook variables of loadConfig', () => {
  it('default to no secret (callbacks refused), the day-long retry schedule and no allowed hosts', () => {
    const config = loadConfig(BASE);
    expect(config.webhookSecrets.secretsFor('default')).toEqual([]);
    expect(config.WEBHOOK_RETRY_SCHEDULE).toEqual([2000, 10_000, 60_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 28_800_000, 28_800_000]);
    expect(config.OUTBOUND_ALLOW_HOSTS).toBe('');
  });

  it("give a tenant its own secrets from WEBHOOK_SECRETS and every other tenant WEBHOOK_SECRET's, and keep the raw secrets out of the config", () => {
    const [shared, own] = [secret(), secret()];
    const config = loadConfig({ ...BASE, WEBHOOK_SECRET: shared, WEBHOOK_SECRETS: `acme:${own}` });
    expect(config.webhookSecrets.secretsFor('acme')).toHaveLength(1);
    expect(config.webhookSecrets.secretsFor('globex')).toHaveLength(1);
    expect(config.webhookSecrets.secretsFor('acme')[0]).not.toBe(config.webhookSecrets.secretsFor('globex')[0]);
    const printed = `${JSON.stringify(config)}${inspect(config, { depth: 5 })}`;
    for (const text of [shared, own]) expect(printed).not.toContain(text.slice('whsec_'.length));
  });

  it('refuse a malformed secret, naming the variable and the entry but never the secret', () => {
    const shared = problemsOf({ WEBHOOK_SECRET: 'whsec_not*base64' });
    expect(shared).toMatch(/^WEBHOOK_SECRET: entry 1: /);
    expect(shared).not.toContain('not*base64');
    expect(problemsOf({ WEBHOOK_SECRETS: `acme:${secret()},globex:whsec_c2hvcnQ=` })).toMatch(/^WEBHOOK_SECRETS: entry 2 \(tenant "globex"\): .*holds 5$/);
  });

  it('refuse a retry schedule or an allow list it cannot read', () => {
    const problems = problemsOf({ WEBHOOK_RETRY_SCHEDULE: '2s,soon', OUTBOUND_ALLOW_HOSTS: 'http://x' });
    expect(problems).toMatch(/WEBHOOK_RETRY_SCHEDULE: entry 2 \("soon"\)/);
    expect(problems).toMatch(/OUTBOUND_ALLOW_HOSTS: "http:\/\/x" is neither/);
  });

  it('take an empty variable as unset, as docker-compose passes one', () => {
    const config = loadConfig({ ...BASE, WEBHOOK_SECRET: '', WEBHOOK_SECRETS: ' ', WEBHOOK_RETRY_SCHEDULE: '', OUTBOUND_ALLOW_HOSTS: '' });
    expect(config.webhookSecrets.secretsFor('default')).toEqual([]);
    expect(config.WEBHOOK_RETRY_SCHEDULE).toHaveLength(9);
  });
});
