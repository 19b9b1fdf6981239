import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { launchChromium, skipWithoutChromium } from './chromium.js';
import { listenLocally, startObservedWorker } from './ops-harness.js';

const token = TOKENS.acme;
let redis: RedisServer;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startObservedWorker>>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  // Launched first: under CI without a browser, fail before starting anything else.
  browser = await launchChromium();
  redis = await startRedisServer();
  const config = testConfig(redis.url, { API_KEYS: `acme:${token}` });
  api = await startApi(config);
  worker = await startObservedWorker(config);
  base = await listenLocally(api.app);
});
afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await api?.close();
  await redis?.stop();
});

/** What the page shows, read the way a person reads it. */
async function shown(page: Page) {
  return {
    status: await page.locator('#status').textContent(),
    progress: Number(await page.locator('#progress').getAttribute('value')),
    percent: await page.locator('#percent').textContent(),
  };
}

// Every test here opens a page: without a browser the whole file is skipped (hooks included).
describe.skipIf(skipWithoutChromium())('the receipt page at /ui/receipts/{key}', () => {
  it('moves its progress bar while a sleep job runs, then shows the result', async () => {
    const key = 'watch-me/run?';
    const accepted = await submit(api, { key, token, body: { type: 'sleep', payload: { ms: 3000, result: { frames: 24 } } } });
    expect(accepted.statusCode).toBe(202);
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/ui/receipts/${encodeURIComponent(key)}#token=${token}`);
      expect(page.url()).not.toContain(token); // the page takes the token out of the address bar

      const seen: Array<Awaited<ReturnType<typeof shown>>> = [];
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const now = await shown(page);
        seen.push(now);
        if (now.status === 'succeeded') break;
        if (now.status === 'running' && now.progress >= 40 && !seen.slice(0, -1).some((s) => s.progress >= 40)) {
          await page.screenshot({ path: `${process.env.SCREENSHOT_DIR ?? '/tmp'}/job-intake-receipt-running.png` });
        }
        await page.waitForTimeout(100);
      }

      const running = seen.filter((s) => s.status === 'running');
      const midway = new Set(running.map((s) => s.progress).filter((p) => p > 0 && p < 100));
      expect(midway.size, JSON.stringify(seen)).toBeGreaterThanOrEqual(2); // the bar moved while it ran
      const progressions = seen.map((s) => s.progress);
      expect(progressions).toEqual([...progressions].sort((a, b) => a - b)); // and never went back
      expect(seen.at(-1)).toEqual({ status: 'succeeded', progress: 100, percent: '100' });
      expect(await page.locator('#key').textContent()).toBe(key);
      expect(await page.locator('#result-section').isVisible()).toBe(true);
      expect(JSON.parse((await page.locator('#result').textContent()) ?? 'null')).toEqual({ frames: 24 });
      expect(await page.locator('#attempts').textContent()).toBe('1');
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR ?? '/tmp'}/job-intake-receipt-done.png` });
    } finally {
      await page.close();
    }
  });

  it('asks for the API token when it has none, then shows the receipt', async () => {
    await submit(api, { key: 'quick', token, body: { type: 'sleep', payload: { ms: 0, result: 'done' } } });
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/ui/receipts/quick`);
      await page.locator('#login').waitFor({ state: 'visible' });
      expect(await page.locator('#message').textContent()).toBe('This service needs an API token.');
      expect(await page.locator('#result-section').isVisible()).toBe(false);

      await page.fill('#token', token);
      await page.click('#login button');

      await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).toBe('succeeded');
      expect(await page.locator('#result').textContent()).toBe('"done"');
    } finally {
      await page.close();
    }
  });

  it('shows a job canceled while it runs as canceled, and stops there', async () => {
    await submit(api, { key: 'stop-me', token, body: { type: 'sleep', payload: { ms: 20_000 } } });
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/ui/receipts/stop-me#token=${token}`);
      await expect.poll(() => page.locator('#status').textContent(), { timeout: 5000 }).toBe('running');

      const res = await api.app.inject({ method: 'DELETE', url: '/v1/receipts/stop-me', headers: { authorization: `Bearer ${token}` } });
      // 202 while the handler stops; 200 when it already has, by the time the receipt is read.
      expect([200, 202]).toContain(res.statusCode);

      await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).toBe('canceled');
      expect(await page.locator('#error-section').isVisible()).toBe(true);
      expect(await page.locator('#result-section').isVisible()).toBe(false);
      expect(Number(await page.locator('#progress').getAttribute('value'))).toBeLessThan(100);
    } finally {
      await page.close();
    }
  });

  it("shows a failed job's error", async () => {
    await submit(api, { key: 'doomed', token, body: { type: 'sleep', payload: { ms: 0, failAttempts: 9 } } });
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/ui/receipts/doomed#token=${token}`);

      await expect.poll(() => page.locator('#status').textContent(), { timeout: 15_000 }).toBe('failed');
      expect(await page.locator('#error').textContent()).toMatch(/^sleep: failing attempt 3 of the first 9/);
      expect(await page.locator('#result-section').isVisible()).toBe(false);
    } finally {
      await page.close();
    }
  });
});
