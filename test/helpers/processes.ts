import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/dev/free-port.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The Procfile's commands, so fault tests start processes exactly as production does. */
export function procfileCommand(kind: 'web' | 'worker'): string[] {
  const line = readFileSync(`${projectRoot}Procfile`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${kind}:`));
  if (line === undefined) throw new Error(`no ${kind}: line in Procfile`);
  return line.slice(kind.length + 1).trim().split(/\s+/);
}

export type LogEntry = Record<string, unknown> & { msg?: string };

export interface ServiceProcess {
  readonly kind: 'web' | 'worker';
  readonly child: ChildProcess;
  /** For web processes: http://127.0.0.1:<port>. */
  readonly url: string;
  readonly logs: LogEntry[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(match: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  kill(signal: NodeJS.Signals): void;
  /** Resident memory in kB, from /proc. */
  rssKb(): number;
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts `web` or `worker` from the Procfile with the given env; resolves once it serves. */
export function startService(kind: 'web' | 'worker', env: Record<string, string>, options: { waitReady?: boolean } = {}): Promise<ServiceProcess> {
  return startCommand(kind, procfileCommand(kind), { env, waitReady: options.waitReady });
}

/**
 * Starts a `web` or `worker` process with any command line (a Procfile's, in
 * any folder), on a free port for web; resolves once it serves.
 */
export async function startCommand(
  kind: 'web' | 'worker',
  commandLine: readonly string[],
  options: { env: Record<string, string>; cwd?: string; waitReady?: boolean },
): Promise<ServiceProcess> {
  const { env } = options;
  const port = kind === 'web' ? String(await freePort()) : '0';
  const [command, ...args] = commandLine;
  const child = spawn(command!, args, {
    cwd: options.cwd ?? projectRoot,
    // No METRICS_PORT unless a test sets one: workers start as a process manager starts them.
    // AUTH=off unless the test turns auth on: the API refuses to start with neither.
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: port,
      ...(env.API_KEYS === undefined ? { AUTH: 'off' } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogEntry[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogEntry);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const service: ServiceProcess = {
    kind,
    child,
    url: `http://127.0.0.1:${port}`,
    logs,
    exited,
    waitForLog: (match, timeoutMs = 10_000) =>
      until(() => logs.find(match), timeoutMs, `a ${kind} log line (stderr: ${stderr.slice(-300)})`),
    kill: (signal) => {
      child.kill(signal);
    },
    rssKb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN),
  };
  if (options.waitReady !== false) {
    if (kind === 'web') {
      await until(
        async () => (await fetch(`${service.url}/healthz`).then((r) => r.ok || undefined, () => undefined)),
        15_000,
        `${kind} /healthz (stderr: ${stderr.slice(-300)})`,
      );
    } else {
      await service.waitForLog((entry) => entry.msg === 'worker ready', 15_000);
    }
  }
  return service;
}

/** Kills whatever is still running; for afterAll/afterEach. */
export async function stopAll(services: ServiceProcess[]): Promise<void> {
  await Promise.all(
    services.map(async (service) => {
      if (service.child.exitCode === null && service.child.signalCode === null) service.kill('SIGKILL');
      await service.exited;
    }),
  );
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** One HTTP call; network failures come back as `status: 0` so storms can count them. */
export async function call(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<HttpAnswer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 30_000) });
    return { status: res.status, headers: res.headers, body: await res.text() };
  } catch (err) {
    return { status: 0, headers: new Headers(), body: String(err) };
  }
}

export function submitTo(service: ServiceProcess, key: string, body: unknown, timeoutMs?: number): Promise<HttpAnswer> {
  return call(`${service.url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
    timeoutMs,
  });
}

export function receiptFrom(service: ServiceProcess, key: string, wait = 0): Promise<HttpAnswer> {
  return call(`${service.url}/v1/receipts/${encodeURIComponent(key)}?wait=${wait}`, { timeoutMs: (wait + 10) * 1000 });
}
