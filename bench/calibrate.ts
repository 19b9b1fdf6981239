import { pino } from 'pino';
import { checksumJob } from '../src/worker/handlers/checksum.js';
import { spread } from './stats.js';

const PROBE_BYTES = 8 * 1024 * 1024;
const PROBES = 5;

async function timeChecksum(sizeBytes: number): Promise<number> {
  const started = performance.now();
  await checksumJob.run(
    { sizeBytes, seed: 'calibrate', algorithm: 'sha256' },
    { jobId: 'calibrate', attempt: 1, log: pino({ level: 'silent' }), signal: new AbortController().signal, progress: async () => {} },
  );
  return performance.now() - started;
}

/**
 * The checksum job's `sizeBytes` that takes about `targetMs` on one core of this
 * machine, measured with the handler the worker runs (median of a few probes).
 */
export async function checksumBytesFor(targetMs: number): Promise<{ sizeBytes: number; msPerJob: number }> {
  await timeChecksum(PROBE_BYTES); // warm up the JIT and OpenSSL
  const times: number[] = [];
  for (let i = 0; i < PROBES; i += 1) times.push(await timeChecksum(PROBE_BYTES));
  const msPerByte = spread(times).median / PROBE_BYTES;
  const sizeBytes = Math.round(targetMs / msPerByte);
  return { sizeBytes, msPerJob: sizeBytes * msPerByte };
}
