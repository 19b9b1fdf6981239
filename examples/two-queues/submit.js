// Submits one job of each type and prints their results: node submit.js
import { JobIntakeClient } from 'job-intake/client';

const client = new JobIntakeClient({ baseUrl: process.env.JOB_INTAKE_URL ?? 'http://localhost:3000', token: process.env.JOB_INTAKE_TOKEN });
const [words, primes] = await Promise.all([
  client.run('word-count', { text: 'one job per key, whatever the retries' }),
  client.run('count-primes', { below: 10_000_000 }),
]);
process.stdout.write(`${JSON.stringify({ words, primes })}\n`);
