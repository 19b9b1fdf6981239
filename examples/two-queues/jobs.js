// The job types of this project: job-intake's API validates submissions with
// these schemas, and its workers run them. Default-export the list.
import { defineJobType } from 'job-intake/server';
import { z } from 'zod';

/** Quick: waits in the "default" queue, served by any worker that serves it. */
export const wordCount = defineJobType({
  type: 'word-count',
  description: 'Counts the words of a text.',
  payloadSchema: z.strictObject({ text: z.string().max(100_000) }),
  async run({ text }) {
    return { words: text.split(/\s+/).filter(Boolean).length };
  },
});

/** CPU-heavy: waits in its own "cpu" queue, so a burst of it never delays word counts. */
export const countPrimes = defineJobType({
  type: 'count-primes',
  description: 'Counts the prime numbers below a limit.',
  queue: 'cpu',
  timeoutMs: 120_000,
  attempts: 2,
  payloadSchema: z.strictObject({ below: z.number().int().min(2).max(200_000_000) }),
  // The API imports this file too (for the schemas), but never runs a job: the
  // handler's code, and whatever it imports, loads only in a worker.
  run: async (payload, ctx) => (await import('./count-primes.js')).countPrimes(payload, ctx),
});

export default [wordCount, countPrimes];
