import { checksumJob } from './checksum.js';
import { sleepJob } from './sleep.js';

/**
 * The demo job types shipped with the package, run when no JOB_TYPES_MODULE
 * (`--jobs`) is given: a module of a team's own exports a list like this one.
 * A tuple, so the typed client reads names, payloads and results from it.
 */
export const demoJobTypes = [sleepJob, checksumJob] as const;

export type DemoJobType = (typeof demoJobTypes)[number];
