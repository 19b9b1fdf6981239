import { Redis } from 'ioredis';
import { drain, NOOP, withFreshRedis, type Flavour } from './end-to-end.js';
import type { BenchSettings } from './settings.js';

export interface MemoryResult {
  readonly flavour: Flavour;
  readonly jobs: number;
  readonly usedMemoryBefore: number;
  readonly usedMemoryAfter: number;
  readonly bytesPerJob: number;
}

async function usedMemory(redisUrl: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    const info = await redis.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1]);
  } finally {
    await redis.quit();
  }
}

/**
 * Redis `used_memory` per finished, retained job: a fresh redis-server, N no-op
 * jobs in and run to completion, every process stopped, then the growth / N.
 * Memory is deterministic enough that one run per flavour suffices.
 */
export async function benchMemory(settings: BenchSettings, log: (line: string) => void): Promise<MemoryResult[]> {
  const results: MemoryResult[] = [];
  for (const flavour of ['job-intake', 'bare-bullmq'] as const) {
    const result = await withFreshRedis(async (redis) => {
      const before = await usedMemory(redis.url);
      await drain(flavour, redis, settings.memoryJobs, 1, settings.noopConcurrency, () => NOOP);
      const after = await usedMemory(redis.url);
      return { flavour, jobs: settings.memoryJobs, usedMemoryBefore: before, usedMemoryAfter: after, bytesPerJob: (after - before) / settings.memoryJobs };
    });
    results.push(result);
    log(`memory ${flavour}: ${Math.round(result.bytesPerJob)} bytes per retained job`);
  }
  return results;
}
