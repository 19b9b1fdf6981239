import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bareMachine, run, which } from '../helpers/bare-machine.js';

// The README's test command on a machine that lacks what the tests need from
// outside npm: `npm test` installs it first where it can (scripts/install-deps.sh)
// and says, one line per thing, what it could not install.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALLER = join(ROOT, 'scripts/install-deps.sh');

function installDeps(bin: string, env: Record<string, string> = {}) {
  return run('/bin/sh', [INSTALLER, 'test'], { cwd: ROOT, env: { PATH: bin, ...env } });
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('scripts/install-deps.sh, which npm test runs first', () => {
  it('names redis-server, with the commands that install it, and exits 1 when there is no apt-get', async () => {
    const machine = bareMachine(['sh']);

    const result = await installDeps(machine.bin, { CHROMIUM_PATH: which('sh') });

    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      '[install-deps] could not install redis-server (no apt-get on this machine): ' +
        'run `sudo apt-get install redis-server` (Debian, Ubuntu) or `brew install redis` (macOS)',
    ]);
  });

  it.each([
    { ci: undefined, then: 'the browser tests will be skipped' },
    { ci: 'true', then: 'the browser tests will fail (CI is set)' },
  ])('names chromium, and says that $then, when it is missing (CI=$ci)', async ({ ci, then }) => {
    const machine = bareMachine(['sh']);
    machine.script('redis-server', 'exit 0');
    const absent = join(machine.bin, 'chromium');

    const result = await installDeps(machine.bin, { CHROMIUM_PATH: absent, ...(ci === undefined ? {} : { CI: ci }) });

    expect(result.code).toBe(0);
    expect(lines(result.stderr)).toEqual([
      `[install-deps] could not install chromium (CHROMIUM_PATH=${absent} is not an executable): ` +
        `run \`sudo apt-get install chromium\` (Debian) or set CHROMIUM_PATH to a Chromium or Chrome binary; ${then}`,
    ]);
  });

  it('installs nothing and says why when it is not root and sudo asks for a password', async () => {
    const machine = bareMachine(['sh']);
    const calls = join(machine.bin, 'calls');
    machine.script('id', 'echo 1000');
    machine.script('sudo', `echo "sudo $*" >> ${calls}; echo 'sudo: a password is required' >&2; exit 1`);
    machine.script('apt-get', `echo "apt-get $*" >> ${calls}`);

    const result = await installDeps(machine.bin, { CHROMIUM_PATH: which('sh') });

    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      '[install-deps] could not install redis-server (not root, and no passwordless sudo): ' +
        'run `sudo apt-get install redis-server` (Debian, Ubuntu) or `brew install redis` (macOS)',
    ]);
    expect(lines(readFileSync(calls, 'utf8'))).toEqual(['sudo -n true']);
  });

  it('installs what is missing with apt-get, without questions, as root', async () => {
    const machine = bareMachine(['sh', 'env', 'chmod']);
    const calls = join(machine.bin, 'calls');
    machine.script('id', 'echo 0');
    // A stand-in apt-get: records how it was called, and "installs" a redis-server stub.
    machine.script(
      'apt-get',
      `echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND apt-get $*" >> ${calls}\n` +
        `case "$1" in install) printf '#!/bin/sh\\n' > ${machine.bin}/redis-server; chmod +x ${machine.bin}/redis-server;; esac`,
    );

    const result = await installDeps(machine.bin, { CHROMIUM_PATH: which('sh') });

    expect({ code: result.code, stderr: lines(result.stderr) }).toEqual({
      code: 0,
      stderr: ['[install-deps] installing redis-server with apt-get'],
    });
    expect(lines(readFileSync(calls, 'utf8'))).toEqual([
      'DEBIAN_FRONTEND=noninteractive apt-get update -qq',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server',
    ]);
  });
});

describe('npm test on a machine where redis-server cannot be installed', () => {
  it('stops before the suite with the line that says what to install', async () => {
    const machine = bareMachine(['node', 'sh']);

    const result = await run(process.execPath, [which('npm'), 'test'], {
      cwd: ROOT,
      env: { PATH: machine.bin, HOME: process.env.HOME ?? '/tmp', CHROMIUM_PATH: which('sh'), npm_config_update_notifier: 'false' },
    });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      '[install-deps] could not install redis-server (no apt-get on this machine): run `sudo apt-get install redis-server`',
    );
    expect(result.stdout).toContain('> sh scripts/install-deps.sh test');
    expect(result.stdout).not.toContain('> npm run typecheck'); // the test script never started
  });
});

describe('the browser tests on a machine without chromium', () => {
  const browserTests = (env: Record<string, string>) =>
    run(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/ops/receipt-page.browser.test.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', CHROMIUM_PATH: '/nonexistent/chromium', ...env },
    });

  it('are skipped, saying so loudly, on a developer machine', async () => {
    const result = await browserTests({});

    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain(
      'SKIPPED: the browser tests need Chromium and /nonexistent/chromium is not an executable; run `sudo apt-get install chromium`',
    );
    expect(result.stdout).toMatch(/Tests\s+\d+ skipped/);
  });

  it('fail with what to install when CI is set', async () => {
    const result = await browserTests({ CI: 'true' });

    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain(
      'the browser tests need Chromium and /nonexistent/chromium is not an executable: run `sudo apt-get install chromium` (Debian) or set CHROMIUM_PATH',
    );
  });
});

describe('.ci/run', () => {
  it('runs exactly the test command the README gives', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const setUp = readme.slice(readme.indexOf('## Set-up'), readme.indexOf('\n## ', readme.indexOf('## Set-up') + 1));
    const commands = [...setUp.matchAll(/```sh\n([^\n]*)\n```/g)].map((match) => match[1]);
    const ciCommands = lines(readFileSync(join(ROOT, '.ci/run'), 'utf8')).filter(
      (line) => !line.startsWith('#') && !line.startsWith('set ') && !line.startsWith('cd '),
    );

    expect(commands).toHaveLength(2);
    expect(ciCommands).toEqual([commands[1]]);
  });
});
