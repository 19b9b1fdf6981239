import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

export interface BenchProcess {
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a Node script as its own process (the load generator and the bench
 * itself must not share an event loop with the subject). Its stdout goes to
 * /dev/null: a subject logging at info pays for formatting its lines, as in
 * production, but nobody has to read them. Stderr is kept for error messages.
 */
export function startNode(entry: string | readonly string[], env: Record<string, string>, nodeArgs: string[] = []): BenchProcess {
  const [script, ...args] = typeof entry === 'string' ? [entry] : entry;
  const child = spawn(process.execPath, [...nodeArgs, script!, ...args], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  let stopping = false;
  child.once('exit', (code, signal) => {
    // Any exit before stop() is news (a crash, or a signal from outside): say so, with its last words.
    if (!stopping || (code !== 0 && code !== null && signal === null)) {
      process.stderr.write(`[bench] ${String(entry)} exited ${signal ?? code}${stopping ? '' : ' before the bench stopped it'}: ${stderr}\n`);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Polls `url` until it answers 200 (a subject is ready once its Redis is). */
export async function waitForOk(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then((res) => res.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await delay(50);
  }
}
