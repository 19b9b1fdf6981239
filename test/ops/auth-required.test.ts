import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { assertBuilt } from '../helpers/built-dist.js';
import { procfileCommand } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redis-server.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const redis = useRedisServer();
beforeAll(() => assertBuilt('api', 'shared'));

/** The Procfile's web process with exactly `env`; resolves with its exit code and stderr, or 'still running' after 10 s. */
async function runWeb(env: Record<string, string>) {
  const [command, ...args] = procfileCommand('web');
  const child = spawn(command!, args, {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', REDIS_URL: redis.url, HOST: '127.0.0.1', PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stderr };
}

describe('the API process without an auth decision', () => {
  it('refuses to start with neither API_KEYS nor AUTH=off, naming both, with exit code 2', async () => {
    const { code, stderr } = await runWeb({});

    expect(code).toBe(2);
    expect(stderr).toContain('API_KEYS: required unless AUTH=off');
  });

  it('refuses to start when docker-compose passes both as empty strings', async () => {
    const { code, stderr } = await runWeb({ API_KEYS: '', AUTH: '' });

    expect(code).toBe(2);
    expect(stderr).toContain('API_KEYS: required unless AUTH=off');
  });
});
