import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { launchChromium, skipWithoutChromium } from './chromium.js';
import { listenLocally } from './ops-harness.js';

const adminToken = 'admin-token-0123456789abcdef';
let redis: RedisServer;
let api: TestApi;
let browser: Browser;
let base: string;
const noBrowser = skipWithoutChromium();
// The tests that open pages; the others reach the dashboard without a browser.
const inBrowser = it.skipIf(noBrowser);

beforeAll(async () => {
  // Launched first: under CI without a browser, fail before starting anything else.
  if (!noBrowser) browser = await launchChromium();
  redis = await startRedisServer();
  // API_KEYS on as well: the dashboard has its own token, not a tenant's.
  api = await startApi(testConfig(redis.url, { API_KEYS: `acme:${TOKENS.acme}`, ADMIN_TOKEN: adminToken }));
  base = await listenLocally(api.app);
  // No worker runs: the job stays in `waiting`, where the test looks for it.
  const accepted = await submit(api, { key: 'shown-on-the-board', token: TOKENS.acme, body: { type: 'sleep', payload: { ms: 5 } } });
  expect(accepted.statusCode).toBe(202);
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await redis?.stop();
});

describe('the queue dashboard at /admin/queues', () => {
  inBrowser('refuses a browser without the admin token, showing the sign-in form instead', async () => {
    const page = await browser.newPage();
    try {
      const response = await page.goto(`${base}/admin/queues`);

      expect(response?.status()).toBe(401);
      await expect.poll(() => page.locator('h1').textContent()).toBe('job-intake dashboard');
      expect(await page.locator('input[name="token"]').count()).toBe(1);
      expect(await page.content()).not.toContain('shown-on-the-board');
    } finally {
      await page.close();
    }
  });

  it('refuses its API without the token, and with a tenant token, as problem+json', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${TOKENS.acme}` }];
    for (const headers of attempts) {
      const res = await fetch(`${base}/admin/queues/api/queues`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(await res.json())).not.toContain('shown-on-the-board');
    }
  });

  inBrowser('says so when the token typed in is wrong', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/admin/login`);
      await page.fill('input[name="token"]', 'not-the-admin-token-0000');
      const [response] = await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);

      expect(response?.status()).toBe(401);
      expect(await page.locator('[role="alert"]').textContent()).toContain('not the admin token');
      expect((await page.context().cookies()).map((cookie) => cookie.name)).not.toContain('job_intake_admin');
    } finally {
      await page.close();
    }
  });

  inBrowser('after sign-in shows the default queue and the job the test submitted', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${base}/admin/login`);
      await page.fill('input[name="token"]', adminToken);
      await Promise.all([page.waitForURL(`${base}/admin/queues`), page.click('button[type="submit"]')]);
      const cookie = (await context.cookies()).find((c) => c.name === 'job_intake_admin');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
      expect(cookie?.value).not.toContain(adminToken);

      await page.goto(`${base}/admin/queues/queue/default?status=waiting`);
      await page.getByText('acme~shown-on-the-board').first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR ?? '/tmp'}/job-intake-dashboard.png`, fullPage: true });
      expect(await page.getByText('acme~shown-on-the-board').count()).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });

  it('also opens to scripts that send Authorization: Bearer with the admin token', async () => {
    const res = await fetch(`${base}/admin/queues/api/queues?activeQueue=default&status=waiting`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });

    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('acme~shown-on-the-board');
  });

  it('refuses the actions that would bypass the intake: add, edit data, obliterate', async () => {
    const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const job = encodeURIComponent('acme~shown-on-the-board');
    const refused = [
      { method: 'POST', path: '/api/queues/default/add', body: { name: 'sleep', data: { ms: 1 }, options: { jobId: 'acme~sneaky' } } },
      { method: 'PATCH', path: `/api/queues/default/${job}/update-data`, body: { jobData: { ms: 999 } } },
      { method: 'PUT', path: '/api/queues/default/obliterate', body: {} },
    ];
    for (const { method, path, body } of refused) {
      const res = await fetch(`${base}/admin/queues${path}`, { method, headers: admin, body: JSON.stringify(body) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await res.json()).toMatchObject({ type: '/problems/forbidden' });
    }
    const stored = await api.services.store.placeFor('acme~shown-on-the-board', 'default').queue.getJob('acme~shown-on-the-board');
    expect(stored?.data).toEqual({ ms: 5, failAttempts: 0 });
    expect(await api.services.store.placeFor('acme~sneaky', 'default').queue.getJob('acme~sneaky')).toBeUndefined();
  });
});

describe('signing in and out', () => {
  it('sets a session cookie on a right token and clears it on sign-out', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const login = await api.app.inject({ method: 'POST', url: '/admin/login', headers: form, payload: `token=${adminToken}` });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/admin/queues');
    const session = login.cookies.find((c) => c.name === 'job_intake_admin')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin', maxAge: 8 * 3600 });

    const board = await api.app.inject({ method: 'GET', url: '/admin/queues/api/queues', cookies: { job_intake_admin: session.value } });
    expect(board.statusCode).toBe(200);

    const logout = await api.app.inject({ method: 'POST', url: '/admin/logout', cookies: { job_intake_admin: session.value } });
    expect(logout.statusCode).toBe(303);
    expect(logout.cookies.find((c) => c.name === 'job_intake_admin')).toMatchObject({ value: '' });
  });

  it('refuses a forged cookie', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/admin/queues/api/queues', cookies: { job_intake_admin: adminToken } });
    expect(res.statusCode).toBe(401);
  });
});

describe('without ADMIN_TOKEN', () => {
  it('has no dashboard at all', async () => {
    const plain = await startApi(testConfig(redis.url));
    try {
      const res = await plain.app.inject({ method: 'GET', url: '/admin/queues' });
      expect(res.statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
