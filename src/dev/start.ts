/**
 * `npm start`: the API and one worker as two processes (the Procfile's commands),
 * over REDIS_URL when given, otherwise over a private `redis-server` child whose
 * data lives in .data/redis (scripts/install-deps.sh installs it first when it
 * is missing and the machine allows it). Ctrl-C stops all of them, gracefully:
 * the API and the worker first (active jobs finish), Redis last. A second
 * Ctrl-C stops them at once.
 *
 * Each child runs in its own process group. A terminal's Ctrl-C signals its whole
 * foreground group: the children would hear it besides this process's SIGTERM,
 * and take that second signal as "exit now" (shared/signals.ts), with jobs
 * unfinished and Redis stopping under them. If this process is SIGKILLed, its
 * children keep running; any other end of it stops them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedisServer, type RedisServer } from './redis-server.js';

const dist = fileURLToPath(new URL('..', import.meta.url));
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

function log(message: string) {
  process.stderr.write(`[start] ${message}\n`);
}

/**
 * The private redis-server, installed first as `npm test` does where the machine
 * allows it. Without one, exits 1 with one line saying what to do (the
 * installer's line when it ran), never a stack trace.
 */
async function startPrivateRedis(): Promise<RedisServer> {
  const installer = spawnSync('sh', [`${projectRoot}scripts/install-deps.sh`, 'start'], { stdio: 'inherit' });
  if (installer.error !== undefined) {
    log(`could not run scripts/install-deps.sh (${installer.error.message}): install redis-server, or set REDIS_URL to an existing Redis`);
    process.exit(1);
  }
  if (installer.status !== 0) process.exit(1);
  try {
    return await startRedisServer({ dataDir: `${projectRoot}.data/redis`, appendfsync: 'everysec', ownProcessGroup: true });
  } catch (err) {
    log(`could not start a private redis-server (${(err as Error).message}): set REDIS_URL to use an existing Redis`);
    process.exit(1);
  }
}

let redis: RedisServer | undefined;
let redisUrl = process.env.REDIS_URL;
if (redisUrl === undefined || redisUrl === '') {
  redis = await startPrivateRedis();
  redisUrl = redis.url;
  log(`started a private redis-server on ${redisUrl} (data in .data/redis)`);
} else {
  log(`using REDIS_URL=${redisUrl.replace(/\/\/[^@]*@/, '//***@')}`);
}

// A developer's machine: the API listens on localhost only unless HOST says
// otherwise, and runs without auth unless API_KEYS is given. AUTH=off is said
// here explicitly, because the API refuses to start when neither is set.
const given = (name: string) => (process.env[name] ?? '').trim() !== '';
const env = {
  ...process.env,
  REDIS_URL: redisUrl,
  HOST: given('HOST') ? process.env.HOST : '127.0.0.1',
  ...(given('API_KEYS') || given('AUTH') ? {} : { AUTH: 'off' }),
};
if (env.AUTH === 'off') log('auth is off (AUTH=off): set API_KEYS=tenant:token,... to require tokens');
// The Procfile's commands: the CLI's api and worker.
const children: ChildProcess[] = ['api', 'worker'].map((command) =>
  spawn(process.execPath, [`${dist}cli/main.js`, command], { env, stdio: 'inherit', detached: true }),
);
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

let stopping = false;
function terminateChildren() {
  for (const child of children) if (running(child)) child.kill('SIGTERM');
}
async function stopAll(exitCode: number) {
  if (stopping) return;
  stopping = true;
  terminateChildren();
  await Promise.all(children.filter(running).map((child) => new Promise((r) => child.once('exit', r))));
  await redis?.stop();
  process.exit(exitCode);
}

for (const child of children) {
  child.once('exit', (code, signal) => {
    if (!stopping) log(`a process exited (${signal ?? code}); stopping the others`);
    void stopAll(code ?? 1);
  });
}
// A second signal is passed on: the children take it as "exit now".
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => (stopping ? terminateChildren() : void stopAll(0)));
// An end of this process that skipped stopAll (a crash) must not leave the children behind.
process.on('exit', () => {
  terminateChildren();
  if (redis !== undefined && running(redis.process)) redis.process.kill('SIGTERM');
});
