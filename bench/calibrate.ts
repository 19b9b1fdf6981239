import { pino } from 'pino';
import { checksumJob } from '../src/jobs/demo/checksum.js';

const PROBE_BYTES = 8 * 1024 * 1024;
const WARM_UP_MS = 1000;
const PROBE_MS = 3000;

async function timeChecksum(sizeBytes: number): Promise<number> {
  const started = performance.now();
  await checksumJob.run(
    { sizeBytes, seed: 'calibrate', algorithm: 'sha256' },
    { jobId: 'calibrate', attempt: 1, log: pino({ level: 'silent' }), signal: new AbortController().signal, progress: async () => {}, step: async (_name, fn) => fn() },
  );
  return performance.now() - started;
}

/**
 * The checksum job's `sizeBytes` that takes about `targetMs` on one core of this
 * machine, measured with the handler the worker runs: the mean over PROBE_MS of
 * probes after WARM_UP_MS of warm-up. The mean, because single probes of the
 * same size take 8 or 40 ms here (bimodal), and throughput pays the mean.
 */
export async function checksumBytesFor(targetMs: number): Promise<{ sizeBytes: number; msPerJob: number }> {
  const warmUntil = performance.now() + WARM_UP_MS;
  while (performance.now() < warmUntil) await timeChecksum(PROBE_BYTES);
  let spentMs = 0;
  let bytes = 0;
  while (spentMs < PROBE_MS) {
    spentMs += await timeChecksum(PROBE_BYTES);
    bytes += PROBE_BYTES;
  }
  const msPerByte = spentMs / bytes;
  const sizeBytes = Math.round(targetMs / msPerByte);
  return { sizeBytes, msPerJob: sizeBytes * msPerByte };
}
