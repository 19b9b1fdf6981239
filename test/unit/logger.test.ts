import { spawnSync } from 'node:child_process';
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

describe('the service logger on stdout', () => {
  beforeAll(() => assertBuilt('shared'));

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
