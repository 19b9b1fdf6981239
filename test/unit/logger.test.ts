import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/built-dist.js';

const LOGGER = fileURLToPath(new URL('../../dist/shared/logger.js', import.meta.url));

/**
 * Runs the built logger in a process of its own whose stdout accepts writes
 * slowly (each asynchronous write is started 50 ms late), logs `lines` lines
 * and leaves by `exit`, within the 200 ms batching window.
 */
function logThenExit(exit: 'process.exit(0)' | 'throw new Error("boom")', lines = 3) {
  const script = `
    const fs = require('node:fs');
    const write = fs.write;
    fs.write = (...args) => setTimeout(() => write(...args), 50);
    import(${JSON.stringify(LOGGER)}).then(({ createLogger }) => {
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

  it('writes a burst of lines spanning many batches, every line once and in order', async () => {
    const child = runLogger(`for (let i = 1; i <= 2000; i++) logger.info({ i, filler: 'x'.repeat(150) }, 'line');`);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await new Promise((resolve) => child.once('close', resolve));

    // About 500 KB: well over a hundred batches, each joined from its lines and handed on in turn.
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line).i);
    expect(lines).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it('writes a lone line within the 200 ms flush, without waiting for a batch to fill or for exit', async () => {
    // The process lives 5 s after the line; the flush must not wait for that.
    const started = Date.now();
    const child = runLogger(`logger.info('alone'); setTimeout(() => {}, 5000);`);
    const arrived = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    const afterMs = Date.now() - started;
    child.kill();

    expect(JSON.parse(arrived).msg).toBe('alone');
    expect(afterMs).toBeLessThan(3000); // start-up plus the 200 ms flush, with room for a busy machine
  });

  it('writes every line collected so far when the process exits, even while stdout is slow', () => {
    const result = logThenExit('process.exit(0)');

    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n').map((line) => JSON.parse(line).msg)).toEqual(['line 1', 'line 2', 'line 3']);
  });

  it('writes them, in order, when an uncaught exception ends the process', () => {
    const result = logThenExit('throw new Error("boom")', 20);

    expect(result.status).not.toBe(0);
    expect(result.stdout.trim().split('\n').map((line) => JSON.parse(line).i)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
