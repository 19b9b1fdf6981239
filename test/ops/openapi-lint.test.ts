import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoJobTypes } from '../../src/jobs/demo/index.js';
import { createRegistry } from '../../src/jobs/job-type.js';
import { jobTypesFromJson } from '../../src/jobs/json-job-types.js';
import { startApi, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const redocly = join(root, 'node_modules/@redocly/cli/bin/cli.js');

// The demo types and a type from a JSON file: both kinds of payload schema end up in the document.
const fromJson = jobTypesFromJson(
  JSON.stringify({
    jobTypes: [
      {
        type: 'resize',
        description: 'Resizes an image.',
        payloadSchema: { type: 'object', properties: { w: { type: 'integer', minimum: 1 } }, required: ['w'], additionalProperties: false },
        http: { url: 'https://images.example.com/resize' },
      },
    ],
  }),
  'types.json',
);

const redis = useRedisServer();
let api: TestApi;
let file: string;
beforeAll(async () => {
  const env = { API_KEYS: `acme:${TOKENS.acme}`, ADMIN_TOKEN: 'admin-token-0123456789abcdef', METRICS_TOKEN: 'metrics-token-0123456789abcdef' };
  api = await startApi(testConfig(redis.url, env), { registry: createRegistry([...demoJobTypes, ...fromJson]) });
  file = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, (await api.app.inject({ method: 'GET', url: '/openapi.json' })).body);
});
afterAll(() => api?.close());

describe('the OpenAPI document under Redocly', () => {
  it('passes `redocly lint` with the recommended rules: no error, no warning', async () => {
    // It exits 1 when it finds an error: its report is on stdout either way.
    const run = await promisify(execFile)(process.execPath, [redocly, 'lint', '--config', join(root, 'redocly.yaml'), '--format', 'json', file], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).catch((err: { stdout: string }) => err);
    const report = JSON.parse(run.stdout) as { totals: Record<string, number>; problems: Array<{ ruleId: string; message: string }> };

    expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('names every operation with a stable operationId, and carries the package version and a server', async () => {
    const doc = JSON.parse((await api.app.inject({ method: 'GET', url: '/openapi.json' })).body);
    const operationIds = Object.fromEntries(
      Object.entries(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation.operationId]),
      ),
    );

    expect(operationIds).toEqual({
      'POST /v1/jobs': 'submitJob',
      'GET /v1/jobs': 'listJobs',
      'POST /v1/receipts/{key}/retry': 'retryJob',
      'GET /v1/receipts/{key}': 'getReceipt',
      'DELETE /v1/receipts/{key}': 'cancelJob',
      'GET /healthz': 'checkLiveness',
      'GET /readyz': 'checkReadiness',
      'GET /problems/{slug}': 'getProblemType',
      'GET /metrics': 'getMetrics',
    });
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(version);
    expect(doc.servers).toEqual([{ url: '/', description: 'the API serving this document' }]);
  });
});
