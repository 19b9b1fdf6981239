import { ReplyError, type Cluster, type Redis } from 'ioredis';
import { redisUnavailable } from './problems.js';

/** Server replies that mean "Redis cannot serve now", not "the command is wrong". */
const OUTAGE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|OOM|NOREPLICAS|MISCONF)\b/;

/** True when an error means Redis is unreachable or cannot serve right now. */
export function isRedisOutage(err: unknown): boolean {
  if (err instanceof ReplyError) return OUTAGE_REPLIES.test((err as Error).message);
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    err.name === 'RedisDeadlineError' ||
    err.name === 'RedisNotReadyError' ||
    /Connection is closed|enableOfflineQueue|Command timed out|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Stream isn't writeable/.test(err.message)
  );
}

class RedisDeadlineError extends Error {
  override name = 'RedisDeadlineError';
}

/** A command refused before it was sent: the connection is not ready. */
export class RedisNotReadyError extends Error {
  override name = 'RedisNotReadyError';
}

/** What an operation learns of its deadline (a plain object: one per Redis step of every request). */
export interface Deadline {
  /** Set when the deadline has passed: the 503's cause. */
  readonly passedWith?: Error;
}

export interface RedisGuard {
  /**
   * Runs a Redis operation, failing fast with a 503 ProblemError when Redis is out.
   * Once `deadline.passedWith` is set, the caller has been answered, so the operation must
   * not start anything new (a write nobody will report).
   */
  run<T>(operation: (deadline: Deadline) => Promise<T>): Promise<T>;
  isReady(): boolean;
  /** PING within the deadline; throws the 503 ProblemError when Redis is out. */
  ping(): Promise<void>;
}

/**
 * ioredis with `enableOfflineQueue: false` fails commands at once while disconnected,
 * but BullMQ and in-flight commands can still wait on a half-open socket: a deadline
 * of our own bounds every request (BULLMQ-NOTES: "connection hangs").
 */
export function createRedisGuard(deps: {
  client: Redis | Cluster;
  timeoutMs: number;
  /**
   * Resolves once what requests need besides the connection has started (the
   * queues). A request that finds the connection ready before that waits for it
   * within its deadline, instead of being refused at once during start-up.
   */
  starting?: Promise<unknown>;
}): RedisGuard {
  let started = deps.starting === undefined;
  deps.starting?.then(
    () => {
      started = true;
    },
    () => {}, // connect-api.ts logs it; requests then get a 503 from run()
  );
  const isReady = () => deps.client.status === 'ready' && started;
  const guard: RedisGuard = {
    isReady,
    async ping() {
      await guard.run(() => deps.client.ping());
    },
    async run(operation) {
      // Not connected (Redis down, or not up yet at start): a 503 at once, not after the deadline.
      if (deps.client.status !== 'ready') throw redisUnavailable(new RedisNotReadyError(`redis connection is ${deps.client.status}`));
      const state: { passedWith?: Error } = {};
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          state.passedWith = new RedisDeadlineError(`no answer from Redis within ${deps.timeoutMs} ms`);
          reject(state.passedWith);
        }, deps.timeoutMs);
      });
      try {
        if (!started) await Promise.race([deps.starting, deadline]);
        return await Promise.race([operation(state), deadline]);
      } catch (err) {
        throw isRedisOutage(err) || !started ? redisUnavailable(err) : err;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return guard;
}
