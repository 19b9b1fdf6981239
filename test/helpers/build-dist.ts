import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * vitest globalSetup: builds dist/ once per run, before any test file starts,
 * because the CLI and package tests run the built files as a user would.
 */
export default function buildDist(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
