import { z } from 'zod';
import { jsonValueSchema } from '../../shared/json-value.js';
import { abortableDelay } from './abortable-delay.js';
import { defineJobType } from '../job-type.js';

const PROGRESS_STEPS = 20;
const MIN_PROGRESS_INTERVAL_MS = 100;

export const sleepPayloadSchema = z.strictObject({
  ms: z.number().int().min(0).max(600_000).meta({ description: 'How long to wait.' }),
  result: jsonValueSchema.optional().meta({ description: 'Returned as the job result.' }),
  failAttempts: z
    .number().int().min(0).max(10).default(0)
    .meta({ description: 'Fail this many attempts first (to try retries).' }),
});

/** Waits, reports progress, optionally fails a few attempts first: for tests and demos. */
export const sleepJob = defineJobType({
  type: 'sleep',
  description: 'Waits `ms` milliseconds while reporting progress, then returns `result`.',
  payloadSchema: sleepPayloadSchema,
  async run(payload, ctx) {
    const steps = payload.ms === 0 ? 0 : Math.min(PROGRESS_STEPS, Math.ceil(payload.ms / MIN_PROGRESS_INTERVAL_MS));
    for (let step = 1; step <= steps; step += 1) {
      await abortableDelay(payload.ms / steps, ctx.signal);
      await ctx.progress(Math.round((step / steps) * 100));
    }
    if (ctx.attempt <= payload.failAttempts) {
      throw new Error(`sleep: failing attempt ${ctx.attempt} of the first ${payload.failAttempts}, as asked`);
    }
    return payload.result ?? null;
  },
});
