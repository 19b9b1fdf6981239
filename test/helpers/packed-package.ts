import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assertBuilt } from './built-dist.js';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm pack` of this repository, as a user receives the package: `files`
 * decides what goes in. Its prepack script is the build, which `npm test` has
 * just run (assertBuilt checks it): running it again here would rewrite dist/
 * under the other test files that run it at the same time.
 */
export async function packPackage(): Promise<string> {
  assertBuilt('api', 'cli', 'client', 'jobs', 'server', 'shared', 'worker');
  const destination = mkdtempSync(join(tmpdir(), 'job-intake-pack-'));
  await run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', destination], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const tarball = readdirSync(destination).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball to ${destination}`);
  return join(destination, tarball);
}

/** A copy of one of examples/, in a temp folder, with the tarball and zod installed as its README says. */
export async function installExample(example: string, tarball: string): Promise<string> {
  const project = join(mkdtempSync(join(tmpdir(), `job-intake-${example}-`)), example);
  cpSync(join(ROOT, 'examples', example), project, { recursive: true, filter: (source) => !source.includes('node_modules') });
  await run('npm', ['install', '--no-audit', '--no-fund', tarball, 'zod'], { cwd: project, maxBuffer: 16 * 1024 * 1024 });
  return project;
}
