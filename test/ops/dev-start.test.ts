import { DEFAULT_QUEUE } from '../../src/jobs/job-type.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { shardPrefix } from '../../src/shared/shards.js';
import { bareMachine, run } from '../helpers/bare-machine.js';
import { assertBuilt } from '../helpers/built-dist.js';
import { useRedisServer } from '../helpers/redis-server.js';

// `npm start` (dist/dev/start.js) as a developer runs it in a terminal, where
// Ctrl-C sends SIGINT to the whole foreground process group.

const START = fileURLToPath(new URL('../../dist/dev/start.js', import.meta.url));
const redis = useRedisServer();
beforeAll(() => assertBuilt('dev', 'api', 'worker', 'shared'));

interface Started {
  readonly child: ChildProcess;
  readonly base: string;
  readonly lines: Array<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
}
let started: Started | undefined;
afterEach(async () => {
  // After a failure: SIGTERM lets start.js stop its children (they are in their
  // own process groups, so killing its group would leave them running).
  if (started !== undefined && started.child.exitCode === null) {
    started.child.kill('SIGTERM');
    const stopped = await Promise.race([started.exited.then(() => true), delay(10_000).then(() => false)]);
    if (!stopped) started.child.kill('SIGKILL');
  }
  started = undefined;
});

async function startDev(): Promise<Started> {
  const port = await freePort();
  // Its own process group, as a terminal's foreground job.
  const child = spawn(process.execPath, [START], {
    env: { PATH: process.env.PATH ?? '', REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: String(await freePort()), LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop()!;
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  started = { child, base: `http://127.0.0.1:${port}`, lines, exited };
  await until(() => lines.some((line) => line.msg === 'worker ready'));
  await until(async () => (await fetch(`${started!.base}/readyz`).catch(() => null))?.status === 200);
  return started;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await delay(25);
  }
}

async function submitSleep(base: string, key: string, ms: number) {
  const res = await fetch(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ type: 'sleep', payload: { ms, result: 'done' } }),
  });
  expect(res.status).toBe(202);
}

async function jobState(jobId: string) {
  const queue = new Queue(DEFAULT_QUEUE, { connection: { url: redis.url }, prefix: shardPrefix('ji', 0) });
  try {
    return await queue.getJobState(jobId);
  } finally {
    await queue.close();
  }
}

const jobStarted = (key: string) => (line: Record<string, unknown>) => line.msg === 'job started' && line.jobId === `default~${key}`;

describe('npm start and Ctrl-C', () => {
  it('lets the active job finish, stops the API and the worker once each, and exits 0', async () => {
    const dev = await startDev();
    await submitSleep(dev.base, 'running', 1500);
    await until(() => dev.lines.some(jobStarted('running')));

    process.kill(-dev.child.pid!, 'SIGINT'); // what a terminal's Ctrl-C does

    expect(await dev.exited).toBe(0);
    expect(dev.lines.filter((line) => line.msg === 'second signal: exiting now')).toEqual([]);
    expect(dev.lines.filter((line) => line.msg === 'shut down cleanly').map((line) => line.name).sort()).toEqual([
      'job-intake-api',
      'job-intake-worker',
    ]);
    expect(await jobState('default~running')).toBe('completed');
  });

  it('stops at once on a second Ctrl-C, leaving the active job in Redis for a worker to take over', async () => {
    const dev = await startDev();
    await submitSleep(dev.base, 'long', 60_000);
    await until(() => dev.lines.some(jobStarted('long')));

    process.kill(-dev.child.pid!, 'SIGINT');
    await until(() => dev.lines.some((line) => line.msg === 'shutting down' && line.name === 'job-intake-worker'));
    const second = Date.now();
    process.kill(-dev.child.pid!, 'SIGINT');

    await dev.exited;
    expect(Date.now() - second).toBeLessThan(5000);
    expect(dev.lines.some((line) => line.msg === 'second signal: exiting now' && line.name === 'job-intake-worker')).toBe(true);
    // Still active: the stall check moves it back to waiting once its lock lapses.
    expect(await jobState('default~long')).toBe('active');
  });
});

describe('npm start on a machine where redis-server cannot be installed', () => {
  it('says in one line what to install or that REDIS_URL can point at a Redis, and exits 1 without a stack trace', async () => {
    const machine = bareMachine(['sh']); // no redis-server, no apt-get, no sudo

    const result = await run(process.execPath, [START], {
      cwd: machine.bin,
      env: { PATH: machine.bin, PORT: String(await freePort()), HOST: '127.0.0.1', METRICS_PORT: String(await freePort()) },
    });

    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter((line) => line !== '')).toEqual([
      '[install-deps] could not install redis-server (no apt-get on this machine): ' +
        'run `sudo apt-get install redis-server` (Debian, Ubuntu) or `brew install redis` (macOS), or set REDIS_URL to an existing Redis',
    ]);
    expect(result.stdout).toBe('');
  });
});
