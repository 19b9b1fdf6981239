import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/built-dist.js';
import { runCli } from '../helpers/run-cli.js';

assertBuilt('cli', 'server', 'api', 'worker', 'jobs');
const modules = fileURLToPath(new URL('../fixtures/job-modules/js/', import.meta.url));
// Nothing here gets as far as Redis: every case stops at start-up.
const env = { REDIS_URL: 'redis://127.0.0.1:1', AUTH: 'off', LOG_LEVEL: 'silent' };

describe('job-intake api and worker refuse to start on a bad command line or module, with exit code 2', () => {
  it('names the queues there are when told to serve one no job type uses', async () => {
    const run = await runCli(['worker', '--jobs', `${modules}two-queues.mjs`, '--queues', 'gpu,tpu'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('job-intake worker: WORKER_QUEUES: no job type uses "tpu"; the job types\' queues are "default", "gpu"\n');
  });

  it('says where it looked for a job types module that is not there', async () => {
    const run = await runCli(['api', '--jobs', './nope.js'], { env, cwd: modules });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`job-intake api: job types module ./nope.js not found (looked at ${modules}nope.js)\n`);
  });

  it('reports a module that throws while it loads, with its error', async () => {
    const run = await runCli(['worker', '--jobs', `${modules}throws-on-import.mjs`], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('could not be loaded: the database URL is not set');
  });

  it('takes JOB_TYPES_MODULE as --jobs, and refuses a flag it does not know', async () => {
    const run = await runCli(['api'], { env: { ...env, JOB_TYPES_MODULE: './nope.js' }, cwd: modules });
    expect(run.stderr).toContain('job types module ./nope.js not found');
    const flag = await runCli(['api', '--queues', 'gpu'], { env });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^job-intake api: Unknown option '--queues'/);
  });

  it('names the variable behind a bad flag value', async () => {
    const run = await runCli(['worker', '--concurrency', 'many'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('WORKER_CONCURRENCY');
  });
});
