import { Gauge, type Registry } from 'prom-client';

/**
 * `job_intake_redis_up`: 1 when Redis answered a PING during this scrape, else 0.
 * The PING runs at scrape time, under its own deadline, so a hung connection
 * reads as down instead of stalling the scrape.
 */
export function registerRedisUpGauge(registry: Registry, ping: () => Promise<unknown>, timeoutMs: number): Gauge {
  return new Gauge({
    name: 'job_intake_redis_up',
    help: 'Whether Redis answered a PING at scrape time (1) or not (0).',
    registers: [registry],
    async collect() {
      this.set((await answersWithin(ping, timeoutMs)) ? 1 : 0);
    },
  });
}

async function answersWithin(ping: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([ping().then(() => true as const), late]);
  } catch {
    return false; // an error is exactly what this gauge reports: Redis is not answering
  } finally {
    clearTimeout(timer);
  }
}
