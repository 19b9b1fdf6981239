import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('the operations settings', () => {
  it('serve no worker metrics and keep the dashboard off by default', () => {
    const config = loadConfig({ REDIS_URL: 'redis://redis.internal:6380', AUTH: 'off' });

    expect(config.METRICS_PORT).toBeUndefined();
    expect(config.ADMIN_TOKEN).toBeUndefined();
  });

  it('take METRICS_PORT as a port, 0 as "any free port", and an empty one as unset', () => {
    const metricsPort = (value: string) => loadConfig({ REDIS_URL: 'redis://redis.internal:6380', AUTH: 'off', METRICS_PORT: value }).METRICS_PORT;

    expect(metricsPort('9464')).toBe(9464);
    expect(metricsPort('0')).toBe(0);
    expect(metricsPort('')).toBeUndefined();
    expect(metricsPort('  ')).toBeUndefined();
  });

  it('treat an empty ADMIN_TOKEN (as docker-compose passes it) as unset', () => {
    expect(loadConfig({ REDIS_URL: 'redis://redis.internal:6380', AUTH: 'off', ADMIN_TOKEN: '' }).ADMIN_TOKEN).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://redis.internal:6380', AUTH: 'off', ADMIN_TOKEN: '  ' }).ADMIN_TOKEN).toBeUndefined();
  });

  it('refuse a short ADMIN_TOKEN or a METRICS_PORT out of range, naming each', () => {
    let error: unknown;
    try {
      loadConfig({ REDIS_URL: 'redis://redis.internal:6380', AUTH: 'off', ADMIN_TOKEN: 'short', METRICS_PORT: '70000' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('ADMIN_TOKEN:');
    expect(problems).toContain('METRICS_PORT:');
    expect(problems).not.toContain('short'); // a secret, even a bad one, is not echoed
  });
});
