import { execFileSync, spawn } from 'node:child_process';
import { benchDir } from '../paths.js';

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  /** Answers with a status of 400 or more (wrk counts them as status errors). */
  readonly non2xx: number;
  readonly socketErrors: number;
  readonly timeouts: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly keys: 'unique' | 'duplicate-heavy';
  readonly keyPrefix: string;
  /** The hot keys' prefix, when several wrk processes share one hot set (default keyPrefix). */
  readonly hotKeyPrefix?: string;
  readonly hotKeys: number;
  readonly body: string;
  readonly token: string;
}

function wrkVersion(): string | null {
  try {
    // `wrk -v` prints its version and exits 1.
    return execFileSync('wrk', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    const out = String((err as { stdout?: string }).stdout ?? '');
    return /wrk \S+/.exec(out)?.[0] ?? null;
  }
}

/**
 * wrk (C, one thread) is the load generator: on two cores a JavaScript one
 * would take a core away from the subject. Installs it from Debian when it is
 * missing and we may (root with apt-get), else says how.
 */
export function ensureWrk(): string {
  const found = wrkVersion();
  if (found !== null) return found;
  if (process.getuid?.() === 0) {
    process.stderr.write('[bench] wrk not found: apt-get install -y wrk\n');
    execFileSync('sh', ['-c', 'apt-get install -y wrk || (apt-get update && apt-get install -y wrk)'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const installed = wrkVersion();
    if (installed !== null) return installed;
  }
  throw new Error('the bench needs wrk on the PATH (Debian: apt-get install -y wrk)');
}

/** One wrk run against POST /v1/jobs; resolves with the summary its Lua script prints. */
export function runWrk(options: LoadOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.durationSeconds}s`, '--timeout', '10s'];
  args.push('-s', `${benchDir}load/intake.lua`, options.url);
  const env = {
    ...process.env,
    BENCH_KEYS: options.keys,
    BENCH_KEY_PREFIX: options.keyPrefix,
    BENCH_HOT_PREFIX: options.hotKeyPrefix ?? options.keyPrefix,
    BENCH_HOT_KEYS: String(options.hotKeys),
    BENCH_BODY: options.body,
    BENCH_TOKEN: options.token,
  };
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.split('\n').find((entry) => entry.startsWith('BENCH_JSON '));
      if (code !== 0 || line === undefined) return reject(new Error(`wrk failed (exit ${code}): ${out.slice(-500)}`));
      const raw = JSON.parse(line.slice('BENCH_JSON '.length)) as {
        requests: number; durationUs: number; non2xx: number; socketErrors: number; timeouts: number;
        latencyUs: { p50: number; p90: number; p99: number; max: number };
      };
      const ms = (us: number) => us / 1000;
      resolve({
        requestsPerSecond: raw.requests / (raw.durationUs / 1e6),
        requests: raw.requests,
        non2xx: raw.non2xx,
        socketErrors: raw.socketErrors,
        timeouts: raw.timeouts,
        latencyMs: { p50: ms(raw.latencyUs.p50), p90: ms(raw.latencyUs.p90), p99: ms(raw.latencyUs.p99), max: ms(raw.latencyUs.max) },
      });
    });
  });
}
