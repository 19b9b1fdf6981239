import { spawn } from 'node:child_process';
import { beforeEach, describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/progress-bar.js';
import { startFlakyProxy } from '../helpers/flaky-proxy.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { CLI_PATH } from '../helpers/run-cli.js';

const redis = useRedisServer();
let service: LiveService;

beforeEach(async () => {
  service = await startLiveService(redis.url);
  return () => service.close();
});

const shellQuote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the built CLI on a pseudo-terminal, as a person would see it: util-linux
 * `script` gives it a pty for stdout and stderr and copies what it draws.
 */
function runOnTerminal(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI_PATH, ...args].map(shellQuote).join(' ');
  // Asynchronous: the service under test runs in this very process.
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
    timeout: 25_000,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the progress bar', () => {
  it('is drawn on a terminal while the job runs, then erased before the receipt is printed', async () => {
    const proxy = await startFlakyProxy(service.url, []);
    let run;
    try {
      run = await runOnTerminal(['submit', 'sleep', '--payload', '{"ms":3000}', '--key', 'tty-1', '--wait'], { JOB_INTAKE_URL: proxy.url });
    } finally {
      await proxy.close();
    }

    expect(run.code).toBe(0);
    // On a terminal the submission asks the service to wait only a second (Prefer: wait=1),
    // then the job outlasts it and the receipt is read for the bar.
    expect(proxy.seen[0]).toMatchObject({ method: 'POST', url: '/v1/jobs' });
    expect(proxy.seen[1]!.at - proxy.seen[0]!.at).toBeGreaterThanOrEqual(950);
    expect(proxy.seen.slice(1).every((r) => r.method === 'GET' && r.url.startsWith('/v1/receipts/tty-1'))).toBe(true);
    const bars = [...run.output.matchAll(/\r\x1b\[2K(queued|running) +\[([█░]{10,30})\] +(\d+)% {2}tty-1/g)];
    expect(bars.length).toBeGreaterThanOrEqual(2);
    const percents = bars.map((bar) => Number(bar[3]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.some((percent) => percent > 0 && percent < 100)).toBe(true);
    // The last bar is erased, and the receipt starts on a clean line.
    expect(run.output).toMatch(/\r\x1b\[2Kkey {7}tty-1\r\n/);
    expect(run.output).toContain('status    succeeded\r\n');
  });

  it('draws a line that fits the terminal and shows non-numeric progress as JSON', () => {
    const receipt = { status: 'running' as const, key: 'order-17', progress: 30 };
    expect(progressLine(receipt, 80)).toBe(`running   [${'█'.repeat(9)}${'░'.repeat(21)}]  30%  order-17`);
    expect(progressLine({ ...receipt, progress: 100 }, 50)).toBe(`running   [${'█'.repeat(10)}]  100%  order-17`.replace('  100', ' 100'));
    expect(progressLine({ ...receipt, progress: { step: 'upload' } }, 80)).toBe('running   {"step":"upload"}  order-17');
    expect(progressLine(receipt, 20)).toHaveLength(19);
  });
});
