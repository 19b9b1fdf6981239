// The public face of `job-intake/server`: re-exports only. What a team needs to
// define its job types, and to run the API or a worker in its own process.
export { demoJobTypes } from '../jobs/demo/index.js';
export {
  createRegistry,
  defineJobType,
  DEFAULT_QUEUE,
  isJobType,
  JobTypeDefinitionError,
  queueOf,
  queuesOf,
  type CodeJobType,
  type HttpEndpoint,
  type HttpJobType,
  type JobBackoff,
  type JobContext,
  type JobType,
  type JobTypeRegistry,
} from '../jobs/job-type.js';
export { loadJobTypes } from '../jobs/load-job-types.js';
export { ConfigError, loadConfig, type Config } from '../config.js';
export { createLogger } from '../shared/logger.js';
export { startApi, type RunningApi } from '../api/start-api.js';
export { startWorker, type RunningWorker } from '../worker/start-worker.js';
export { buildApp, type AppDeps } from '../api/app.js';
export { connectApi, type ApiConnections } from '../api/connect-api.js';
export { createWorker } from '../worker/worker.js';
export type { JobTypeMapOf } from '../client/job-types.js';
