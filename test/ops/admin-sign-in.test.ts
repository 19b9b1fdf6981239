import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startApi, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const adminToken = 'admin-token-0123456789abcdef';
const wrongToken = 'not-the-admin-token-000000';
const redis = useRedisServer();

const apps: TestApi[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const api of apps.splice(0)) await api.close();
});

async function dashboardApi(env: Record<string, string> = {}) {
  const api = await startApi(testConfig(redis.url, { ADMIN_TOKEN: adminToken, ...env }));
  apps.push(api);
  return api;
}

function signIn(api: TestApi, token: string, options: { from?: string; headers?: Record<string, string> } = {}) {
  return api.app.inject({
    method: 'POST',
    url: '/admin/login',
    remoteAddress: options.from ?? '127.0.0.1',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
    payload: `token=${encodeURIComponent(token)}`,
  });
}

const sessionCookie = (res: LightMyRequestResponse) => res.cookies.find((cookie) => cookie.name === 'job_intake_admin');

function board(api: TestApi, headers: { cookie?: string; bearer?: string; from?: string }) {
  return api.app.inject({
    method: 'GET',
    url: '/admin/queues/api/queues',
    remoteAddress: headers.from ?? '127.0.0.1',
    headers: headers.bearer === undefined ? {} : { authorization: `Bearer ${headers.bearer}` },
    cookies: headers.cookie === undefined ? {} : { job_intake_admin: headers.cookie },
  });
}

async function failTimes(api: TestApi, times: number, from: (i: number) => string) {
  for (let i = 0; i < times; i += 1) expect((await signIn(api, wrongToken, { from: from(i) })).statusCode).toBe(401);
}

describe('the dashboard sign-in limit', () => {
  it('refuses token checks from an address after 10 wrong tokens, with 429 and Retry-After, the right token included', async () => {
    const api = await dashboardApi();
    await failTimes(api, 10, () => '10.0.0.1');

    const res = await signIn(api, adminToken, { from: '10.0.0.1' });

    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: '/problems/too-many-login-attempts', status: 429 });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    expect(sessionCookie(res)).toBeUndefined();
  });

  it('still signs in from another address while one address is locked out', async () => {
    const api = await dashboardApi();
    await failTimes(api, 10, () => '10.0.0.1');

    const res = await signIn(api, adminToken, { from: '10.0.0.2' });

    expect(res.statusCode).toBe(303);
  });

  it('shows a browser the sign-in form with 429 while its address is locked out', async () => {
    const api = await dashboardApi();
    await failTimes(api, 10, () => '10.0.0.1');

    const res = await signIn(api, adminToken, { from: '10.0.0.1', headers: { accept: 'text/html' } });

    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('Too many wrong tokens');
  });

  it('counts wrong Bearer tokens on the dashboard API as wrong sign-ins', async () => {
    const api = await dashboardApi();
    for (let i = 0; i < 10; i += 1) expect((await board(api, { bearer: wrongToken, from: '10.0.0.3' })).statusCode).toBe(401);

    const res = await board(api, { bearer: adminToken, from: '10.0.0.3' });

    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({ type: '/problems/too-many-login-attempts' });
  });

  it('refuses token checks from every address after 100 wrong tokens in all, but keeps signed-in sessions working', async () => {
    const api = await dashboardApi();
    const cookie = sessionCookie(await signIn(api, adminToken))!.value;
    await failTimes(api, 100, (i) => `10.1.${Math.floor(i / 200)}.${i % 200}`);

    expect((await signIn(api, adminToken, { from: '10.2.0.1' })).statusCode).toBe(429);
    expect((await board(api, { cookie, from: '10.2.0.1' })).statusCode).toBe(200);
  });

  it('checks tokens again once the 15-minute window has passed', async () => {
    const api = await dashboardApi();
    await failTimes(api, 10, () => '10.0.0.1');

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 15 * 60_000 + 1000);

    expect((await signIn(api, adminToken, { from: '10.0.0.1' })).statusCode).toBe(303);
  });
});

describe('the dashboard session cookie', () => {
  it('is a new value at each sign-in', async () => {
    const api = await dashboardApi();

    const first = sessionCookie(await signIn(api, adminToken))!;
    const second = sessionCookie(await signIn(api, adminToken))!;

    expect(first.value).not.toBe(second.value);
    expect((await board(api, { cookie: first.value })).statusCode).toBe(200);
    expect((await board(api, { cookie: second.value })).statusCode).toBe(200);
  });

  it('is refused once it is 8 hours old', async () => {
    const api = await dashboardApi();
    const cookie = sessionCookie(await signIn(api, adminToken))!.value;

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 8 * 3600_000 + 1000);

    expect((await board(api, { cookie })).statusCode).toBe(401);
  });

  it('is refused when its expiry has been edited', async () => {
    const api = await dashboardApi();
    const cookie = sessionCookie(await signIn(api, adminToken))!.value;
    const [version, issuedAt, expiresAt, ...rest] = cookie.split('.');
    const extended = [version, issuedAt, String(Number(expiresAt) + 86_400), ...rest].join('.');

    expect((await board(api, { cookie: extended })).statusCode).toBe(401);
  });

  it('is refused by a service whose ADMIN_TOKEN has been rotated', async () => {
    const api = await dashboardApi();
    const cookie = sessionCookie(await signIn(api, adminToken))!.value;
    const rotated = await dashboardApi({ ADMIN_TOKEN: 'rotated-admin-token-0123456789' });

    expect((await board(rotated, { cookie })).statusCode).toBe(401);
  });

  it('is marked Secure behind a TLS proxy that TRUST_PROXY names (X-Forwarded-Proto: https)', async () => {
    const api = await dashboardApi({ TRUST_PROXY: '127.0.0.1' });

    const res = await signIn(api, adminToken, { headers: { 'x-forwarded-proto': 'https' } });

    expect(sessionCookie(res)).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict' });
  });

  it('is not marked Secure on the word of a peer TRUST_PROXY does not name', async () => {
    const api = await dashboardApi();

    const res = await signIn(api, adminToken, { headers: { 'x-forwarded-proto': 'https' } });

    expect(sessionCookie(res)?.secure).toBeUndefined();
  });

  it('limits sign-ins per client behind a trusted proxy (X-Forwarded-For), not per proxy', async () => {
    const api = await dashboardApi({ TRUST_PROXY: '127.0.0.1' });
    const via = (client: string) => ({ headers: { 'x-forwarded-for': client } });
    for (let i = 0; i < 10; i += 1) expect((await signIn(api, wrongToken, via('203.0.113.5'))).statusCode).toBe(401);

    expect((await signIn(api, adminToken, via('203.0.113.5'))).statusCode).toBe(429);
    expect((await signIn(api, adminToken, via('203.0.113.6'))).statusCode).toBe(303);
  });
});
