import { isIP } from 'node:net';
import { z } from 'zod';
import { parseAllowHosts } from './outbound/allow-hosts.js';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './outbound/retry-schedule.js';
import { parseWebhookSecrets, type WebhookSecrets } from './outbound/webhook-secrets.js';
import { parseApiKeys, type ApiKeys } from './shared/api-keys.js';
import type { RedisTarget } from './shared/redis.js';

/** docker-compose passes an unset variable as ''; that means unset. */
const emptyAsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** A secret of 16 to 256 visible ASCII characters; unset (or empty) means the feature is off. */
const optionalSecret = () =>
  z.preprocess(emptyAsUnset, z.string().regex(/^[\x21-\x7e]{16,256}$/, '16 to 256 visible ASCII characters').optional());

/** One proxy in TRUST_PROXY: an IPv4/IPv6 address or CIDR, or one of proxy-addr's names. */
function isProxyEntry(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
}

/**
 * fastify's `trustProxy`: `true` (every peer is a proxy) or the proxies' addresses
 * and CIDRs, or proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`). No hop
 * count: fastify 5.12 then trusts no peer for X-Forwarded-Proto (request.js).
 */
const trustProxySchema = z.preprocess(
  emptyAsUnset,
  z
    .string()
    .transform((value) => value.split(',').map((entry) => entry.trim()))
    .refine(
      (entries) => (entries.length === 1 && ['true', 'false'].includes(entries[0]!)) || entries.every(isProxyEntry),
      "true, false, or the proxies' addresses/CIDRs, e.g. 10.0.0.0/8,127.0.0.1",
    )
    .transform((entries): boolean | string => (entries[0] === 'true' ? true : entries[0] === 'false' ? false : entries.join(',')))
    .default(false),
);

/** Environment variables read by both processes; every one has an explicit default. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  // No default: a process must be told which Redis holds its jobs (a guessed
  // local default could write into somebody else's Redis). npm start sets it.
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*[^\s:,]+:\d{1,5}\s*(,\s*[^\s:,]+:\d{1,5}\s*)*$/, 'expected host:port,host:port,...')
    .optional(),
  QUEUE_SHARDS: z.coerce.number().int().min(1).max(1024).default(1),
  QUEUE_SHARDS_PREVIOUS: z.coerce.number().int().min(0).max(1024).default(0),
  WORKER_SHARDS: z
    .string()
    .regex(/^\s*\d{1,4}\s*(,\s*\d{1,4}\s*)*$/, 'expected shard indexes, e.g. 0,2,5')
    .optional(),
  API_KEYS: z.string().optional(),
  /** The team's job types (a module path, relative to the working directory); unset: the demo types. `--jobs` sets it. */
  JOB_TYPES_MODULE: z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), z.string().optional()),
  /** The queues a worker serves (`--queues`); unset: every queue of its job types. */
  WORKER_QUEUES: z
    .string()
    .regex(/^\s*[a-z0-9][a-z0-9_-]{0,63}\s*(,\s*[a-z0-9][a-z0-9_-]{0,63}\s*)*$/, 'expected queue names, e.g. default,gpu')
    .optional(),
  /**
   * `off` runs the API without API_KEYS: every request is tenant `default`. It
   * must be said, never implied by a missing API_KEYS (loadConfig's auth rule).
   */
  AUTH: z.preprocess(emptyAsUnset, z.enum(['on', 'off']).optional()),
  /** Behind a TLS-terminating proxy: which peers' X-Forwarded-* headers to believe. */
  TRUST_PROXY: trustProxySchema,
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}-]{1,64}$/, 'letters, digits, _ - { } only')
    .default('ji'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
  JOB_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  JOB_BACKOFF_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  JOB_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(0),
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(1).max(30 * 86400).default(86400),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  MAX_RESULT_BYTES: z.coerce.number().int().min(64).max(64 * 1024 * 1024).default(1024 * 1024),
  // All the durable step results (ctx.step) of one job together: with MAX_RESULT_BYTES, what a job's results may hold in Redis.
  MAX_STEP_BYTES: z.coerce.number().int().min(64).max(64 * 1024 * 1024).default(1024 * 1024),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  LOCK_DURATION_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  STALLED_INTERVAL_MS: z.coerce.number().int().min(1000).max(600_000).default(5_000),
  MAX_STALLED_COUNT: z.coerce.number().int().min(1).max(100).default(3),
  REDIS_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(800),
  /** How long the API waits at start for Redis and its queues before it listens anyway (answering 503 until they are up). */
  STARTUP_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  /** A request (headers and body) must arrive whole within this, or it is cut off with 408. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  // Idle sockets are closed after this; a long-poll is silent for up to 30 s, so it must wait longer.
  CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(35_000, 'at least 35000: a long-poll is silent for up to 30 s').max(3_600_000).default(60_000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(0),
  MAX_QUEUE_DEPTH: z.coerce.number().int().min(0).max(1_000_000_000).default(1_000_000),
  TENANT_JOBS_PER_HOUR: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  /** Long-polls (?wait, Prefer: wait) one API process holds at once; beyond, they are answered at once. */
  MAX_LONG_POLLS: z.coerce.number().int().min(0).max(1_000_000).default(1000),
  /** The same, for one tenant (with API_KEYS): no tenant can take every slot of a process. */
  MAX_LONG_POLLS_PER_TENANT: z.coerce.number().int().min(0).max(1_000_000).default(100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** When set, the API's /metrics answers only Authorization: Bearer <METRICS_TOKEN>. */
  METRICS_TOKEN: optionalSecret(),
  /**
   * Where a worker serves /metrics and /healthz (the API serves them on PORT).
   * Unset (or empty) by default: no metrics server, so any number of workers
   * start on one host; 0 takes a free port (logged).
   */
  METRICS_PORT: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce.number().int().min(0).max(65535).optional(),
  ),
  /** Opens the queue dashboard at /admin/queues; unset (or empty) keeps it off. */
  ADMIN_TOKEN: optionalSecret(),
  /**
   * Hosts, addresses and CIDR ranges outbound requests (HTTP job types, webhooks)
   * may reach although the address guard refuses them: an internal endpoint must be listed.
   */
  OUTBOUND_ALLOW_HOSTS: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .superRefine((value, ctx) => {
        try {
          parseAllowHosts(value);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .default(''),
  ),
  // Parsed by loadConfig into `webhookSecrets` (never kept as text in the Config).
  WEBHOOK_SECRET: z.preprocess(emptyAsUnset, z.string().optional()),
  WEBHOOK_SECRETS: z.preprocess(emptyAsUnset, z.string().optional()),
  /** Delays between the tries of a webhook delivery, e.g. `2s,10s,1m`: one more try than delays. */
  WEBHOOK_RETRY_SCHEDULE: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .default(DEFAULT_RETRY_SCHEDULE)
      .transform((text, ctx) => {
        try {
          return parseRetrySchedule(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
  ),
});

export type Config = Readonly<
  Omit<z.infer<typeof envSchema>, 'API_KEYS' | 'WORKER_SHARDS' | 'WORKER_QUEUES' | 'WEBHOOK_SECRET' | 'WEBHOOK_SECRETS'> & {
    /** Token → tenant; null when auth is off (every request is tenant `default`). */
    API_KEYS: ApiKeys | null;
    /** Where Redis is: REDIS_CLUSTER_NODES when set, else REDIS_URL. */
    redisTarget: RedisTarget;
    /** The shards a worker consumes; null means all of them. */
    WORKER_SHARDS: readonly number[] | null;
    /** The queues a worker serves; null means every queue of its job types. */
    WORKER_QUEUES: readonly string[] | null;
    /** WEBHOOK_SECRET and WEBHOOK_SECRETS: the keys that sign outbound requests and webhooks, by tenant (they print as `[webhook secret]`; none: callbacks are refused). */
    webhookSecrets: WebhookSecrets;
  }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Which process loads the config. The API refuses to start without API_KEYS
 * unless AUTH=off says so: a published port with auth silently off is the
 * mistake to prevent. The worker serves no tenant requests and has no such rule.
 */
export type ProcessRole = 'api' | 'worker';

function authProblems(env: NodeJS.ProcessEnv): string[] {
  const keysSet = env.API_KEYS !== undefined && env.API_KEYS.trim() !== '';
  const authOff = env.AUTH?.trim() === 'off';
  if (!keysSet && !authOff) {
    return ['API_KEYS: required unless AUTH=off (set API_KEYS=tenant:token,... to require tokens, or AUTH=off to run without auth)'];
  }
  if (keysSet && authOff) return ['AUTH: off contradicts API_KEYS, which turns auth on; unset one of them'];
  return [];
}

/** Parses the environment once; throws a ConfigError that names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv, options: { role?: ProcessRole } = {}): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

  let apiKeys: ApiKeys | null = null;
  if (env.API_KEYS !== undefined && env.API_KEYS.trim() !== '') {
    try {
      apiKeys = parseApiKeys(env.API_KEYS);
    } catch (err) {
      problems.push(`API_KEYS: ${(err as Error).message}`);
    }
  }
  let webhookSecrets: WebhookSecrets | undefined;
  try {
    webhookSecrets = parseWebhookSecrets({ WEBHOOK_SECRET: env.WEBHOOK_SECRET, WEBHOOK_SECRETS: env.WEBHOOK_SECRETS });
  } catch (err) {
    problems.push((err as Error).message); // starts with the variable's name, never repeats a secret
  }
  if ((options.role ?? 'api') === 'api') problems.push(...authProblems(env));
  if (!env.REDIS_URL && !env.REDIS_CLUSTER_NODES) {
    problems.push('REDIS_URL: required (redis://host:port), unless REDIS_CLUSTER_NODES is set');
  }
  if (!parsed.success || problems.length > 0 || webhookSecrets === undefined) throw new ConfigError(problems);

  const { WEBHOOK_SECRET: _secret, WEBHOOK_SECRETS: _secrets, ...data } = parsed.data;
  const workerShards = data.WORKER_SHARDS === undefined ? null : data.WORKER_SHARDS.split(',').map((index) => Number(index.trim()));
  const shardSlots = Math.max(data.QUEUE_SHARDS, data.QUEUE_SHARDS_PREVIOUS);
  const outOfRange = workerShards?.filter((index) => index >= shardSlots) ?? [];
  if (outOfRange.length > 0) {
    throw new ConfigError([`WORKER_SHARDS: ${outOfRange.join(', ')} not below QUEUE_SHARDS (${shardSlots})`]);
  }
  const redisTarget: RedisTarget =
    data.REDIS_CLUSTER_NODES === undefined
      ? { url: data.REDIS_URL! }
      : {
          clusterNodes: data.REDIS_CLUSTER_NODES.split(',').map((node) => {
            const [host, port] = node.trim().split(':');
            return { host: host!, port: Number(port) };
          }),
        };
  const workerQueues = data.WORKER_QUEUES === undefined ? null : data.WORKER_QUEUES.split(',').map((queue) => queue.trim());
  return Object.freeze({ ...data, API_KEYS: apiKeys, WORKER_SHARDS: workerShards, WORKER_QUEUES: workerQueues, redisTarget, webhookSecrets });
}

/** For main.ts: prints every bad variable and exits 2 before anything starts. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv, processName: string, role: ProcessRole): Config {
  try {
    return loadConfig(env, { role });
  } catch (err) {
    process.stderr.write(`${processName}: ${(err as Error).message}\n`);
    process.exit(2);
  }
}
