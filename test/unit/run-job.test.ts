import { UnrecoverableError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CANCELED_REASON } from '../../src/shared/cancellation.js';
import { createLogger } from '../../src/shared/logger.js';
import { createRegistry, defineJobType, type JobType } from '../../src/jobs/job-type.js';
import { createStepStore, type StepStore } from '../../src/bullmq/job-hash.js';
import { createJobRunner } from '../../src/worker/run-job.js';
import { useRedisServer } from '../helpers/redis-server.js';

// The runner needs a step store; these handlers take no steps (test/worker/durable-steps.test.ts does).
const redis = useRedisServer();
let connection: Redis;
let stepStore: StepStore;
beforeAll(() => {
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  stepStore = createStepStore(connection);
});
afterAll(() => connection.disconnect());

/** The parts of a BullMQ Job the runner reads; the worker tests run real ones. */
function jobOf(id: string, attemptsStarted = 1): Job {
  return { id, name: 'counted', data: {}, attemptsStarted, updateProgress: async () => {} } as unknown as Job;
}

type Handler = JobType<z.ZodObject>['run'];

/** A runner with one job type, `counted`, whose handler records each start and waits 50 ms (or `handler`). */
function runnerWith(options: { canceledBeforeStart?: (job: Job) => Promise<boolean>; handler?: Handler }) {
  const started: string[] = [];
  const lines: string[] = [];
  const counted = defineJobType({
    type: 'counted',
    description: '',
    payloadSchema: z.strictObject({}),
    run:
      options.handler ??
      (async (_payload, ctx) => {
        started.push(ctx.jobId);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return 'done';
      }),
  });
  const runner = createJobRunner({
    registry: createRegistry([counted]),
    limits: { timeoutMs: 0, maxResultBytes: 1024, maxStepBytes: 1024 },
    logger: createLogger({ level: 'info', name: 'test' }, { write: (line: string) => void lines.push(line) }),
    stepStore,
    ...(options.canceledBeforeStart ? { canceledBeforeStart: options.canceledBeforeStart } : {}),
  });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const messages = () => records().map((record) => record.msg);
  return { runner, started, records, messages };
}

describe('the job runner', () => {
  it('holds a rerun from the start, so a cancel that arrives while it asks Redis about earlier cancels stops it', async () => {
    let answerEarlyCheck!: (canceled: boolean) => void;
    const { runner, started, messages } = runnerWith({ canceledBeforeStart: () => new Promise((resolve) => (answerEarlyCheck = resolve)) });

    const run = runner.run(jobOf('default~rerun', 2));
    expect(runner.cancel('default~rerun')).toBe(true); // the broadcast lands during the check
    answerEarlyCheck(false); // the job hash had no cancel mark yet when it was read

    await expect(run).rejects.toEqual(new UnrecoverableError(CANCELED_REASON));
    expect(started).toEqual([]);
    expect(messages()).toEqual(['job canceled']);
  });

  it('cancels only the runs it holds, and forgets a run once it ends', async () => {
    const { runner, started, messages } = runnerWith({ canceledBeforeStart: async () => false });
    expect(runner.cancel('default~never-seen')).toBe(false);

    await expect(runner.run(jobOf('default~ran'))).resolves.toBe('done');
    expect(runner.cancel('default~ran')).toBe(false);
    expect(started).toEqual(['default~ran']);
    expect(messages()).toEqual(['job succeeded']);
  });
});

describe('the job runner, given a payload its schema cannot validate', () => {
  it('fails a payload nested too deep for the validator at once, with a message and a log line', async () => {
    const lines: string[] = [];
    const nested = defineJobType({ type: 'nested', description: '', payloadSchema: z.strictObject({ tree: z.json() }), run: async () => 'ran' });
    const runner = createJobRunner({
      registry: createRegistry([nested]),
      limits: { timeoutMs: 0, maxResultBytes: 1024, maxStepBytes: 1024 },
      logger: createLogger({ level: 'info', name: 'test' }, { write: (line: string) => void lines.push(line) }),
      stepStore,
    });
    // Deeper than the API lets in (MAX_JSON_DEPTH), as a job added to the queue some other way could be.
    let tree: unknown = 0;
    for (let level = 0; level < 20_000; level += 1) tree = [tree];
    const job = { id: 'default~deep', name: 'nested', data: { tree }, attemptsStarted: 1, updateProgress: async () => {} } as unknown as Job;

    const failure = await runner.run(job).then(() => null, (err: unknown) => err);

    expect(failure).toBeInstanceOf(UnrecoverableError); // no retry can fix it
    expect((failure as Error).message).toMatch(/^invalid payload: it could not be validated \(Maximum call stack size exceeded\)/);
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['job attempt failed']);
  });
});
