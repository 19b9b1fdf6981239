import { builtBenchDir, intakeApiEntry } from '../paths.js';

/** The token job-intake's bench tenant sends; auth is on, as shipped. */
export const BENCH_TOKEN = 'bench-token-0123456789abcdef';

/** job-intake's environment in the bench: its bench tenant's token (auth on), this Redis and prefix. */
export function intakeEnv(redisUrl: string, prefix: string): Record<string, string> {
  return { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, API_KEYS: `bench:${BENCH_TOKEN}` };
}

/** One HTTP server the bench starts as its own process, and how. */
export interface HttpSubject {
  readonly id: 'job-intake' | 'job-intake-warn' | 'plain-bullmq' | 'reservation' | 'ceiling' | 'peer';
  readonly label: string;
  readonly entry: string | readonly string[];
  env(redisUrl: string, prefix: string): Record<string, string>;
}

export const httpSubjects: Readonly<Record<HttpSubject['id'], HttpSubject>> = {
  'job-intake': {
    id: 'job-intake',
    label: 'job-intake (as shipped: auth, validation, fingerprint, admission, logs at info)',
    entry: intakeApiEntry,
    env: intakeEnv,
  },
  'job-intake-warn': {
    id: 'job-intake-warn',
    label: 'job-intake at LOG_LEVEL=warn (as shipped otherwise: no per-request log line)',
    entry: intakeApiEntry,
    env: (redisUrl, prefix) => ({ ...intakeEnv(redisUrl, prefix), LOG_LEVEL: 'warn' }),
  },
  'plain-bullmq': {
    id: 'plain-bullmq',
    label: 'plain BullMQ (queue.add with jobId, 202)',
    entry: `${builtBenchDir}subjects/plain-bullmq.js`,
    env: (redisUrl, prefix) => ({ REDIS_URL: redisUrl, QUEUE_PREFIX: prefix }),
  },
  reservation: {
    id: 'reservation',
    label: 'reservation (SET NX EX, add, store response; 409 while in flight)',
    entry: `${builtBenchDir}subjects/reservation.js`,
    env: (redisUrl, prefix) => ({ REDIS_URL: redisUrl, QUEUE_PREFIX: prefix }),
  },
  peer: {
    id: 'peer',
    label: 'peer (the same features by hand: zod, bearer auth, fingerprint, add + getJob, 422/replay, histogram, logs at info)',
    entry: `${builtBenchDir}subjects/peer.js`,
    env: (redisUrl, prefix) => ({ REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, API_TOKEN: BENCH_TOKEN, TENANT: 'bench' }),
  },
  ceiling: {
    id: 'ceiling',
    label: 'HTTP ceiling (fastify, 202, no Redis)',
    entry: `${builtBenchDir}subjects/ceiling.js`,
    env: (redisUrl, prefix) => ({ REDIS_URL: redisUrl, QUEUE_PREFIX: prefix }),
  },
};
