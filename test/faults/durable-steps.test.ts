import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { startDeployment, type Deployment } from '../helpers/fault-cluster.js';
import { receiptFrom, submitTo } from '../helpers/processes.js';

// Relative to the processes' working directory, the project root.
const JOB_TYPES = { JOB_TYPES_MODULE: 'test/fixtures/job-modules/js/durable-steps.mjs' };

let deployment: Deployment;
let ledger: string;
beforeEach(async () => {
  deployment = await startDeployment({ env: JOB_TYPES });
  const dir = mkdtempSync(join(tmpdir(), 'job-intake-ledger-'));
  ledger = join(dir, 'ledger.txt');
  return async () => {
    await deployment.stop();
    rmSync(dir, { recursive: true, force: true });
  };
});

const ledgerLines = () => (existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n').filter(Boolean) : []);

describe('a worker killed during a durable step', () => {
  it('has the job finished by another worker without running the step that had finished: one charge', async () => {
    const api = await deployment.start('web');
    const first = await deployment.start('worker');
    const submitted = await submitTo(api, 'order-1', { type: 'charge-and-wait', payload: { ledger, waitMs: 2500 } });
    expect(submitted.status).toBe(202);
    await expect.poll(ledgerLines, { timeout: 10_000, interval: 25 }).toEqual(['charge 1', 'wait 1']);

    first.kill('SIGKILL'); // in the middle of step two
    await deployment.start('worker');
    const ended = await receiptFrom(api, 'order-1', 25);

    expect(ended.status).toBe(200);
    expect(JSON.parse(ended.body)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      result: { charge: { chargeId: 'ch-1' } }, // the first run's charge, as stored
      steps: [
        { name: 'charge', finishedAt: expect.any(String) },
        { name: 'wait', finishedAt: expect.any(String) },
      ],
    });
    expect(ledgerLines()).toEqual(['charge 1', 'wait 1', 'wait 2']);
  });
});
