import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The bench runs from bench/.build/bench/*.js: three levels below the project root. */
export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const benchDir = `${projectRoot}bench/`;
export const resultsDir = `${benchDir}results/`;
/** Compiled bench scripts (subjects, workers) sit next to this file. */
export const builtBenchDir = fileURLToPath(new URL('./', import.meta.url));

/** As the Procfile runs them: the built CLI's `api` and `worker` commands. */
export const intakeApiEntry = intakeApiEntryIn(projectRoot);
export const intakeWorkerEntry = [`${projectRoot}dist/cli/main.js`, 'worker'] as const;

/** The API entry of a built job-intake checkout at `dir` (bench:ab runs two of them). */
export function intakeApiEntryIn(dir: string): readonly [string, 'api'] {
  return [`${dir.endsWith('/') ? dir : `${dir}/`}dist/cli/main.js`, 'api'];
}

/**
 * Writes one section of bench/results/latest.json, keeping the rest of the
 * file (so a section, such as `npm run bench:scaling`'s, can be rerun alone).
 */
export function writeResultsSection(name: string, section: object): void {
  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}latest.json`;
  const existing = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(file, `${JSON.stringify({ ...existing, [name]: section }, null, 2)}\n`);
}
