import { createCipheriv, createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import { defineJobType } from '../job-type.js';

// 64 KiB pieces: glibc serves them from its heap; 1 MiB ones were each a fresh
// mmap, page-faulted in and unmapped again, which kept two worker processes
// from scaling to two cores (1.35x instead of 1.9x, docs/performance.md).
const CHUNK_BYTES = 64 * 1024;
const YIELD_EVERY_BYTES = 1024 * 1024;

export const checksumPayloadSchema = z.strictObject({
  sizeBytes: z
    .number().int().min(1).max(1024 * 1024 * 1024)
    .meta({ description: 'How many bytes of data to generate and hash.' }),
  seed: z.string().max(256).default('').meta({ description: 'Same seed, same data, same digest.' }),
  algorithm: z.enum(['sha256', 'sha512', 'sha1', 'md5']).default('sha256'),
});

/**
 * CPU-bound work: generates `sizeBytes` of deterministic pseudo-random data (an
 * AES-CTR keystream keyed by the seed) and hashes it. Yields to the event loop
 * after every MiB, so the worker keeps renewing its job locks and hears aborts.
 */
export const checksumJob = defineJobType({
  type: 'checksum',
  description: 'Generates `sizeBytes` of seeded pseudo-random data and returns its digest.',
  payloadSchema: checksumPayloadSchema,
  async run(payload, ctx) {
    const key = createHash('sha256').update(payload.seed).digest();
    const keystream = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    const hash = createHash(payload.algorithm);
    const zeros = Buffer.alloc(CHUNK_BYTES);
    let lastPercent = 0;
    for (let done = 0; done < payload.sizeBytes; ) {
      const length = Math.min(CHUNK_BYTES, payload.sizeBytes - done);
      hash.update(keystream.update(length === CHUNK_BYTES ? zeros : zeros.subarray(0, length)));
      done += length;
      const percent = Math.floor((done / payload.sizeBytes) * 100);
      if (percent >= lastPercent + 10 || done === payload.sizeBytes) {
        lastPercent = percent;
        await ctx.progress(percent);
      }
      if (done < payload.sizeBytes && done % YIELD_EVERY_BYTES === 0) {
        await yieldToEventLoop();
        ctx.signal.throwIfAborted();
      }
    }
    return { algorithm: payload.algorithm, sizeBytes: payload.sizeBytes, digest: hash.digest('hex') };
  },
});
