import { checksumJob } from './checksum.js';
import { createRegistry } from './job-type.js';
import { sleepJob } from './sleep.js';

/** The shipped job types, as a tuple: the typed client reads names, payloads and results from it. */
export const defaultJobTypeList = [sleepJob, checksumJob] as const;

/** The job types this deployment runs; the API accepts exactly these. */
export const defaultJobTypes = createRegistry(defaultJobTypeList);

export type DefaultJobType = (typeof defaultJobTypeList)[number];
