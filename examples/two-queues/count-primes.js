import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

const SEGMENT = 1 << 20;

/**
 * Counts primes below `below` with a segmented sieve. Yields between segments,
 * so the worker keeps renewing its job lock, reports progress, and stops when
 * the job is canceled or times out (ctx.signal).
 */
export async function countPrimes({ below }, ctx) {
  const limit = Math.floor(Math.sqrt(below)) + 1;
  const small = new Uint8Array(limit + 1).fill(1);
  const basePrimes = [];
  for (let n = 2; n <= limit; n += 1) {
    if (!small[n]) continue;
    basePrimes.push(n);
    for (let m = n * n; m <= limit; m += n) small[m] = 0;
  }
  let count = 0;
  for (let low = 2; low < below; low += SEGMENT) {
    const high = Math.min(low + SEGMENT, below);
    const segment = new Uint8Array(high - low).fill(1);
    for (const p of basePrimes) {
      if (p * p >= high) break;
      for (let m = Math.max(p * p, Math.ceil(low / p) * p); m < high; m += p) segment[m - low] = 0;
    }
    for (const isPrime of segment) count += isPrime;
    await ctx.progress(Math.floor(((high - 2) / (below - 2)) * 100));
    await yieldToEventLoop();
    ctx.signal.throwIfAborted();
  }
  return { below, primes: count };
}
