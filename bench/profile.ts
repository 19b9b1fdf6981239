/**
 * `npm run bench:profile [unique|duplicate-heavy] [subject]`: job-intake (or
 * another HTTP subject: plain-bullmq, reservation, ceiling) under wrk load with
 * `node --cpu-prof`, then where its CPU time went. The profile is kept in
 * bench/results/ for Chrome DevTools; profiles of two subjects side by side show
 * what one pays for that the other does not.
 */
import { readdirSync, rmSync } from 'node:fs';
import { freePort } from '../src/dev/free-port.js';
import { startRedisServer } from '../src/dev/redis-server.js';
import { ensureWrk, runWrk } from './load/wrk.js';
import { resultsDir } from './paths.js';
import { startNode, waitForOk } from './process.js';
import { summariseProfile } from './profile-summary.js';
import { BENCH_TOKEN, httpSubjects, type HttpSubject } from './subjects/http-subjects.js';

const keys = process.argv[2] === 'duplicate-heavy' ? 'duplicate-heavy' : 'unique';
const subjectId = (process.argv[3] ?? 'job-intake') as HttpSubject['id'];
const subject = httpSubjects[subjectId];
if (subject === undefined) throw new Error(`unknown subject ${subjectId}; one of ${Object.keys(httpSubjects).join(', ')}`);
const name = subjectId === 'job-intake' ? `intake-${keys}.cpuprofile` : `${subjectId}-${keys}.cpuprofile`;
ensureWrk();
rmSync(`${resultsDir}${name}`, { force: true });

const redis = await startRedisServer();
const port = await freePort();
const api = startNode(
  subject.entry,
  { ...subject.env(redis.url, 'bench'), PORT: String(port), HOST: '127.0.0.1' },
  ['--cpu-prof', `--cpu-prof-dir=${resultsDir}`, `--cpu-prof-name=${name}`],
);
try {
  await waitForOk(`http://127.0.0.1:${port}/readyz`);
  const result = await runWrk({
    url: `http://127.0.0.1:${port}/v1/jobs`,
    connections: 64,
    durationSeconds: 8,
    keys,
    keyPrefix: 'profile',
    hotKeys: 300,
    body: JSON.stringify({ type: 'sleep', payload: { ms: 0 } }),
    token: BENCH_TOKEN,
  });
  process.stdout.write(`${subjectId}, ${keys}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.latencyMs.p99} ms, non-2xx ${result.non2xx}\n`);
} finally {
  await api.stop(); // SIGTERM: the API exits cleanly and Node writes the profile
  await redis.stop();
}
if (!readdirSync(resultsDir).includes(name)) throw new Error(`no ${name} was written`);
process.stdout.write(`${summariseProfile(`${resultsDir}${name}`)}\n(profile: bench/results/${name})\n`);
