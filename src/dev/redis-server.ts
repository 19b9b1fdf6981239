import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './free-port.js';

export interface RedisServerOptions {
  /** Where the append-only file and dumps go; omit for no persistence. */
  dataDir?: string;
  /** `always` survives a crash with every acknowledged write; `everysec` may lose ~1 s. */
  appendfsync?: 'always' | 'everysec' | 'no';
  port?: number;
  /** Extra `--name value` arguments. */
  args?: string[];
  /** Its own process group, so a Ctrl-C meant for the parent does not reach it (dev/start.ts). */
  ownProcessGroup?: boolean;
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** Stops it (SIGTERM, then SIGKILL); safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, for fault tests. */
  kill(): Promise<void>;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a private `redis-server` (from PATH) on a free port, configured as
 * BullMQ needs it (`maxmemory-policy noeviction`). Used by `npm start` when no
 * REDIS_URL is given, and by every test: never the shared Redis on 6379.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--maxmemory-policy', 'noeviction'];
  if (options.dataDir !== undefined) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('--dir', options.dataDir, '--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'everysec');
  } else {
    args.push('--appendonly', 'no');
  }
  args.push(...(options.args ?? []));

  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: options.ownProcessGroup ?? false });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let spawnError: NodeJS.ErrnoException | undefined;
  const spawnFailed = new Promise<void>((resolve) =>
    child.once('error', (err) => {
      spawnError = err;
      resolve();
    }),
  );

  for (let tries = 0; !(await portAnswers(port)); tries += 1) {
    if (spawnError !== undefined || child.exitCode !== null || tries > 200) {
      child.kill('SIGKILL');
      // A failed spawn also sets exitCode (to -errno): name the cause, not "exit -2".
      if (spawnError?.code === 'ENOENT') throw new Error('redis-server is not on the PATH', { cause: spawnError });
      const why = spawnError?.message ?? (stderr.trim() || `exit ${child.exitCode}`);
      throw new Error(`redis-server on port ${port} did not start: ${why}`, { cause: spawnError });
    }
    await Promise.race([delay(25), spawnFailed]);
  }

  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited(child);
    clearTimeout(killer);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: child,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
  };
}
