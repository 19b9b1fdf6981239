import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm pack` of this repository, as a user receives the package: prepack builds
 * dist/, and `files` decides what goes in. Returns the tarball's path.
 */
export async function packPackage(): Promise<string> {
  const destination = mkdtempSync(join(tmpdir(), 'job-intake-pack-'));
  await run('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
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
