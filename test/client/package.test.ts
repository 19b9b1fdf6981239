import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/built-dist.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
assertBuilt('cli', 'client');

/** Every module the built file reaches through static (and, unless told not to, dynamic) imports: [relative files, bare specifiers]. */
function importGraph(entry: string, options: { dynamic: boolean } = { dynamic: true }): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    // tsc keeps import/export-from statements as written (type-only ones are erased).
    const imports = options.dynamic ? /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g : /(?:\bfrom\s*|\bimport\s+)['"]([^'"]+)['"]/g;
    for (const match of source.matchAll(imports)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else bare.add(specifier);
    }
  };
  visit(join(ROOT, entry));
  return { files, bare };
}

describe('the built package', () => {
  it('gives the client no runtime dependency at all: no bullmq, ioredis, fastify, pino, not even zod', () => {
    const graph = importGraph('dist/client/index.js');

    expect(graph.bare).toEqual(new Set());
    expect([...graph.files].every((file) => file.includes('/dist/client/'))).toBe(true);
    expect(graph.files.size).toBeGreaterThanOrEqual(8);
  });

  it("gives the CLI's client commands only Node built-ins besides the client; the service loads only for api and worker", () => {
    const graph = importGraph('dist/cli/main.js', { dynamic: false });

    expect([...graph.bare].sort()).toEqual(['node:fs/promises', 'node:util']);
    expect([...graph.files].every((file) => /\/dist\/(cli|client)\//.test(file))).toBe(true);
    expect(importGraph('dist/cli/main.js').bare).toContain('bullmq');
  });

  it('starts the bin with a shebang, so npm can link it as a command', () => {
    const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(packageJson.bin).toEqual({ 'job-intake': 'dist/cli/main.js' });
    expect(readFileSync(join(ROOT, packageJson.bin['job-intake']), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });
});

describe('the package installed in another project', () => {
  let consumer: string;

  beforeAll(async () => {
    consumer = mkdtempSync(join(tmpdir(), 'job-intake-consumer-'));
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // A folder install links the package and its bin, as `npm install job-intake` would.
    await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ROOT], { cwd: consumer });
  }, 60_000);
  afterAll(() => rmSync(consumer, { recursive: true, force: true }));

  it('runs `npx job-intake --help`', async () => {
    const { stdout } = await run('npx', ['--no', '--', 'job-intake', '--help'], { cwd: consumer });
    expect(stdout).toContain('Usage: job-intake <command> [options]');
  });

  it("imports JobIntakeClient from 'job-intake/client' and from 'job-intake'", async () => {
    const script = `
      import { JobIntakeClient, ValidationError } from 'job-intake/client';
      import * as root from 'job-intake';
      const client = new JobIntakeClient({ baseUrl: 'http://127.0.0.1:3000' });
      console.log(typeof client.submit, root.JobIntakeClient === JobIntakeClient, new ValidationError({ type: 'x', title: 't', status: 400 }).status);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer });
    expect(stdout.trim()).toBe('function true 400');
  });

  it('type-checks a consumer through the exports map: right payloads compile, wrong ones are errors', async () => {
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `import { JobIntakeClient } from 'job-intake/client';
const client = new JobIntakeClient({ baseUrl: 'http://localhost:3000' });
export async function digest(): Promise<string> {
  const result = await client.run('checksum', { sizeBytes: 1024 });
  return result.digest;
}
// @ts-expect-error: ms must be a number
void client.submit('sleep', { ms: 'soon' });
// @ts-expect-error: no such job type
void client.submit('resize', {});
`,
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    // An unused @ts-expect-error is itself an error: were the types lost (any), tsc would fail here.
    const result = await run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.json')], { cwd: consumer }).catch(
      (err: { stdout: string; code: number }) => err,
    );
    expect(result).toMatchObject({ stdout: '' });
    expect((result as { code?: number }).code).toBeUndefined();
  }, 60_000);
});
