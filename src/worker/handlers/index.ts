import { checksumJob } from './checksum.js';
import { createRegistry } from './job-type.js';
import { sleepJob } from './sleep.js';

/** The job types this deployment runs; the API accepts exactly these. */
export const defaultJobTypes = createRegistry([sleepJob, checksumJob]);
