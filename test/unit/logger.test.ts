import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/built-dist.js';

const LOGGER = fileURLToPath(new URL('../../dist/shared/logger.js', import.meta.url));

/**
 * Runs the built logger in a process of its own whose stdout accepts writes
 * slowly (each asynchronous write is started 50 ms late), logs `lines` lines
 * and leaves by `exit`.
 */
function logThenExit(exit: 'exitAfterLogs(logger, 0)' | 'throw new Error("boom")', lines = 3) {
  const script = `
    const fs = require('node:fs');
    const write = fs.write;
    fs.write = (...args) => setTimeout(() => write(...args), 50);
    import(${JSON.stringify(LOGGER)}).then(({ createLogger, exitAfterLogs }) => {
      const logger = createLogger({ level: 'info', name: 'exit-test', pretty: false });
      for (let i = 1; i <= ${lines}; i++) logger.info({ i }, 'line ' + i);
      ${exit};
    });`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
}

/** Runs the built logger in a process of its own with `body` (which has `logger`). */
function runLogger(body: string) {
  const script = `
    import(${JSON.stringify(LOGGER)}).then(({ createLogger }) => {
      const logger = createLogger({ level: 'info', name: 'batch-test', pretty: false });
      ${body}
    });`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the service logger on stdout', () => {
  beforeAll(() => assertBuilt('shared'));

  it('writes a burst of lines, many writes long, every line once and in order', async () => {
    const child = runLogger(`for (let i = 1; i <= 2000; i++) logger.info({ i, filler: 'x'.repeat(150) }, 'line');`);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await new Promise((resolve) => child.once('close', resolve));

    // About 500 KB: lines queue while a write is under way, and go out in the next.
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line).i);
    expect(lines).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it('writes a lone line at once, without waiting for more lines or for exit', async () => {
    // The process lives 5 s after the line; the flush must not wait for that.
    const started = Date.now();
    const child = runLogger(`logger.info('alone'); setTimeout(() => {}, 5000);`);
    const arrived = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    const afterMs = Date.now() - started;
    child.kill();

    expect(JSON.parse(arrived).msg).toBe('alone');
    expect(afterMs).toBeLessThan(3000); // start-up, with room for a busy machine
  });

  it('exitAfterLogs exits once every line is out, the write under way included, even while stdout is slow', () => {
    const result = logThenExit('exitAfterLogs(logger, 0)');

    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n').map((line) => JSON.parse(line).msg)).toEqual(['line 1', 'line 2', 'line 3']);
  });

  it('writes the lines queued behind the write under way, in order, when an uncaught exception ends the process', () => {
    const result = logThenExit('throw new Error("boom")', 20);

    expect(result.status).not.toBe(0);
    // Line 1's write was under way (started late, see above): a crash may lose that one, never a queued one.
    const written = result.stdout.trim().split('\n').map((line) => JSON.parse(line).i);
    expect(written.slice(-19)).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
  });
});
