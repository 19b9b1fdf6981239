import { fileURLToPath } from 'node:url';

/** The bench runs from bench/.build/bench/*.js: three levels below the project root. */
export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const benchDir = `${projectRoot}bench/`;
export const resultsDir = `${benchDir}results/`;
/** Compiled bench scripts (subjects, workers) sit next to this file. */
export const builtBenchDir = fileURLToPath(new URL('./', import.meta.url));

/** job-intake exactly as the Procfile runs it. */
/** As the Procfile runs them: the built CLI's `api` and `worker` commands. */
export const intakeApiEntry = [`${projectRoot}dist/cli/main.js`, 'api'] as const;
export const intakeWorkerEntry = [`${projectRoot}dist/cli/main.js`, 'worker'] as const;
