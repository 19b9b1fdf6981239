import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { JobIntakeClient } from '../../src/client/index.js';
import { freePort } from '../../src/dev/free-port.js';
import { startFlakyProxy } from '../helpers/flaky-proxy.js';
import { TOKENS } from '../helpers/harness.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { CLI_PATH, runCli } from '../helpers/run-cli.js';

const redis = useRedisServer();
let service: LiveService;
let env: Record<string, string>;

beforeEach(async () => {
  service = await startLiveService(redis.url, { env: { API_KEYS: `acme:${TOKENS.acme}`, JOB_ATTEMPTS: '2' } });
  env = { JOB_INTAKE_URL: service.url, JOB_INTAKE_TOKEN: TOKENS.acme };
  return () => service.close();
});

describe('job-intake submit, the built binary against the real service', () => {
  it('submits once under a generated UUIDv7 key and prints the 202 body as JSON', async () => {
    const run = await runCli(['submit', 'sleep', '--payload', '{"ms":10}', '--json'], { env });

    expect(run.code).toBe(0);
    const submission = JSON.parse(run.stdout);
    expect(submission).toMatchObject({ type: 'sleep', status: 'queued', replayed: false, key: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(submission.key[14]).toBe('7');
    expect(run.stderr).toBe('');
    expect(await service.inspector.jobCount()).toBe(1);
  });

  it('waits with --wait and prints the final receipt for people, without a progress bar when stderr is not a terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'job-intake-cli-'));
    writeFileSync(join(dir, 'payload.json'), JSON.stringify({ ms: 300, result: { ok: true } }));
    const run = await runCli(['submit', 'sleep', '--payload', `@${join(dir, 'payload.json')}`, '--key', 'order-1', '--wait'], { env });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^key {7}order-1\ntype {6}sleep\nstatus {4}succeeded\nattempts {2}1\nprogress {2}100\n/);
    expect(run.stdout).toContain('result    {"ok":true}\n');
    expect(run.stderr).toBe('accepted: sleep job with key order-1\n');
  });

  it('says a repeated submission was a replay, and the service still holds one job', async () => {
    const first = await runCli(['submit', 'sleep', '-p', '{"ms":1}', '-k', 'twice'], { env });
    const second = await runCli(['submit', 'sleep', '-p', '{"ms":1}', '-k', 'twice'], { env });

    expect(first.stdout).toContain('accepted: sleep job with key twice, queued');
    expect(first.stdout).toContain('follow it with: job-intake receipt twice --wait');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('already accepted (a replay: no new job): sleep job with key twice, queued');
    expect(await service.inspector.jobCount()).toBe(1);
  });

  it('reads the payload from standard input with @-', async () => {
    const run = await runCli(['submit', 'checksum', '--payload', '@-', '--wait', '--json'], { env, input: '{"sizeBytes":1024,"algorithm":"md5"}' });

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'succeeded',
      result: { algorithm: 'md5', sizeBytes: 1024, digest: expect.stringMatching(/^[0-9a-f]{32}$/) },
    });
  });

  it('exits 1 and prints the failed receipt when the job fails', async () => {
    const run = await runCli(['submit', 'sleep', '--payload', '{"ms":1,"failAttempts":5}', '--wait', '--json'], { env });

    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'failed', attempts: 2, error: { message: expect.stringContaining('failing attempt 2') } });
  });

  it('exits 4 and lists the fields the service refused', async () => {
    const run = await runCli(['submit', 'sleep', '--payload', '{"ms":-5}'], { env });

    expect(run.code).toBe(4);
    expect(run.stderr).toContain('job-intake: refused by the service (400 Request validation failed)');
    expect(run.stderr).toContain('  body /payload/ms: ');
    expect(run.stdout).toBe('');
    expect(await service.inspector.jobCount()).toBe(0);
  });

  it('exits 4 with the problem as JSON when a key is reused for another payload', async () => {
    await runCli(['submit', 'sleep', '-p', '{"ms":1}', '-k', 'reused'], { env });
    const run = await runCli(['submit', 'sleep', '-p', '{"ms":2}', '-k', 'reused', '--json'], { env });

    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({
      error: { name: 'IdempotencyKeyReusedError', status: 422, problem: { type: '/problems/idempotency-key-reused' } },
    });
  });

  it('takes --token over JOB_INTAKE_TOKEN, and exits 4 on a 401', async () => {
    const run = await runCli(['submit', 'sleep', '-p', '{"ms":1}', '--token', 'wrong-token-0123456789'], { env });

    expect(run.code).toBe(4);
    expect(run.stderr).toContain('refused by the service (401 Unauthorized): The bearer token is not valid.');
  });

  it('takes --url over JOB_INTAKE_URL', async () => {
    const run = await runCli(['submit', 'sleep', '-p', '{"ms":1}', '--url', service.url], { env: { ...env, JOB_INTAKE_URL: 'http://127.0.0.1:9' } });

    expect(run.code).toBe(0);
    expect(await service.inspector.jobCount()).toBe(1);
  });

  it('exits 3 when the service cannot be reached, naming the key to retry with', async () => {
    const closedPort = await freePort();
    const run = await runCli(['submit', 'sleep', '-p', '{"ms":1}', '-k', 'offline-1'], { env: { JOB_INTAKE_URL: `http://127.0.0.1:${closedPort}` } });

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/try 1 failed \(fetch failed: connect ECONNREFUSED [^)]*\); retrying in/);
    expect(run.stderr).toContain(`job-intake: service unavailable: POST http://127.0.0.1:${closedPort}/v1/jobs failed after 6 tries`);
    expect(run.stderr).toContain('the same command with --key offline-1 retries safely');
  });

  it('answers --wait for a quick job in one request: the service holds it until the job ends (Prefer: wait)', async () => {
    const proxy = await startFlakyProxy(service.url, []);
    try {
      const run = await runCli(['submit', 'sleep', '-p', '{"ms":200,"result":"quick"}', '-k', 'quick', '--wait', '--url', proxy.url], { env });

      expect(run.code).toBe(0);
      expect(run.stdout).toContain('status    succeeded\n');
      expect(run.stdout).toContain('result    "quick"\n');
      expect(run.stderr).toBe('accepted: sleep job with key quick\n');
      expect(proxy.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/jobs']);
    } finally {
      await proxy.close();
    }
  });

  it('submits --delay and --priority: the receipt shows them and the job starts no earlier than asked', async () => {
    const run = await runCli(['submit', 'sleep', '-p', '{"ms":0}', '-k', 'later', '--delay', '1500', '--priority', '3', '--wait', '--json'], { env });

    expect(run.code).toBe(0);
    const receipt = JSON.parse(run.stdout);
    expect(receipt).toMatchObject({ key: 'later', status: 'succeeded', options: { delayMs: 1500, priority: 3 } });
    expect(Date.parse(receipt.startedAt) - Date.parse(receipt.createdAt)).toBeGreaterThanOrEqual(1500);

    const shown = await runCli(['receipt', 'later'], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/\ncreated {3}\S+\noptions {3}delay 1500 ms, priority 3\nstarted {3}/);
  });

  it('exits 4 when the same key comes with another --priority, and the service keeps one job', async () => {
    const first = await runCli(['submit', 'sleep', '-p', '{"ms":1}', '-k', 'prio', '--priority', '1'], { env });
    const other = await runCli(['submit', 'sleep', '-p', '{"ms":1}', '-k', 'prio', '--priority', '2', '--json'], { env });

    expect(first.code).toBe(0);
    expect(other.code).toBe(4);
    expect(JSON.parse(other.stdout)).toMatchObject({ error: { name: 'IdempotencyKeyReusedError', status: 422 } });
    expect(await service.inspector.jobCount()).toBe(1);
  });

  it('exits 4 naming the option the service refuses', async () => {
    const run = await runCli(['submit', 'sleep', '-p', '{"ms":1}', '--priority', '0'], { env });

    expect(run.code).toBe(4);
    expect(run.stderr).toContain('job-intake: refused by the service (400 Request validation failed)');
    expect(run.stderr).toContain('  body /options/priority: ');
    expect(await service.inspector.jobCount()).toBe(0);
  });

  it('exits 130 on Ctrl-C while the service holds the answer, naming the key to follow', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'submit', 'sleep', '-p', '{"ms":20000}', '-k', 'held', '--wait'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const client = new JobIntakeClient({ baseUrl: service.url, token: TOKENS.acme });
    await expect.poll(async () => (await client.receipt('held').catch(() => null))?.status, { timeout: 10_000 }).toBe('running');
    child.kill('SIGINT');

    expect(await exited).toBe(130);
    expect(stderr).toBe('interrupted: if the job was accepted it goes on; follow it with: job-intake receipt held --wait\n');
    expect((await client.receipt('held')).status).toBe('running');
  });

  it('exits 5 when --timeout passes first, and says the job goes on', async () => {
    const run = await runCli(['submit', 'sleep', '-p', '{"ms":20000}', '-k', 'slow', '--wait', '--timeout', '1'], { env });

    expect(run.code).toBe(5);
    expect(run.stderr).toContain('job-intake: job slow had not ended after 1000 ms');
    expect(run.stderr).toContain('the job goes on; follow it with: job-intake receipt slow --wait');
  });
});
