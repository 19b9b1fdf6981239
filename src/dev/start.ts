/**
 * `npm start`: the API and one worker as two processes (the Procfile's commands),
 * over REDIS_URL when given, otherwise over a private `redis-server` child whose
 * data lives in .data/redis. Ctrl-C stops all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedisServer, type RedisServer } from './redis-server.js';

const dist = fileURLToPath(new URL('..', import.meta.url));
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

function log(message: string) {
  process.stderr.write(`[start] ${message}\n`);
}

let redis: RedisServer | undefined;
let redisUrl = process.env.REDIS_URL;
if (redisUrl === undefined || redisUrl === '') {
  redis = await startRedisServer({ dataDir: `${projectRoot}.data/redis`, appendfsync: 'everysec' });
  redisUrl = redis.url;
  log(`started a private redis-server on ${redisUrl} (data in .data/redis)`);
} else {
  log(`using REDIS_URL=${redisUrl.replace(/\/\/[^@]*@/, '//***@')}`);
}

const env = { ...process.env, REDIS_URL: redisUrl };
const children: ChildProcess[] = ['api/main.js', 'worker/main.js'].map((entry) =>
  spawn(process.execPath, [`${dist}${entry}`], { env, stdio: 'inherit' }),
);

let stopping = false;
async function stopAll(exitCode: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r)) : null)),
  );
  await redis?.stop();
  process.exit(exitCode);
}

for (const child of children) {
  child.once('exit', (code, signal) => {
    if (!stopping) log(`a process exited (${signal ?? code}); stopping the others`);
    void stopAll(code ?? 1);
  });
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
