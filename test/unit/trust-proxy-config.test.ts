import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const BASE = { REDIS_URL: 'redis://redis.internal:6380', AUTH: 'off' };
const trustProxy = (value: string | undefined) => loadConfig({ ...BASE, TRUST_PROXY: value }).TRUST_PROXY;

describe('TRUST_PROXY', () => {
  it('trusts no proxy by default, or when empty as docker-compose passes it', () => {
    expect(trustProxy(undefined)).toBe(false);
    expect(trustProxy('')).toBe(false);
  });

  it('reads true and false', () => {
    expect(trustProxy('true')).toBe(true);
    expect(trustProxy('false')).toBe(false);
  });

  it("keeps a list of the proxies' addresses, CIDRs and proxy-addr names for fastify", () => {
    expect(trustProxy(' 10.0.0.0/8, 127.0.0.1 ,::1,fd00::/8, loopback ')).toBe('10.0.0.0/8,127.0.0.1,::1,fd00::/8,loopback');
  });

  it('refuses a hop count, a host name and a mask out of range, naming TRUST_PROXY', () => {
    for (const value of ['1', 'proxy.internal', '10.0.0.0/33', 'deadbeef', 'true,10.0.0.1']) {
      expect(() => trustProxy(value), value).toThrow(/TRUST_PROXY:/);
    }
  });
});
