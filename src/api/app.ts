import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RedisClient } from '../shared/redis.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createMetricsRegistry } from '../shared/metrics/metrics-registry.js';
import { metricsRoute } from '../shared/metrics/metrics-route.js';
import { registerRedisUpGauge } from '../shared/metrics/redis-up-gauge.js';
import type { JobTypeRegistry } from '../jobs/job-type.js';
import { queueDashboard } from './admin/queue-dashboard.js';
import type { Admission } from './admission/admission.js';
import { registerAuth } from './auth.js';
import type { CallbackCheck } from './callback-check.js';
import type { CancelJob } from '../bullmq/cancel-job.js';
import { createConnectionLimits } from './connection-limits.js';
import type { EnqueueOnce } from './idempotency/enqueue-once.js';
import type { JobStore } from './job-store.js';
import type { ListJobs } from './job-list/list-jobs.js';
import type { ReplayCache } from './idempotency/replay-cache.js';
import type { JobEndWaiter } from './job-end-waiter.js';
import type { LongPollSlots } from './long-poll-slots.js';
import { registerLongPollMetrics } from './metrics/long-poll-metrics.js';
import { metricsTokenCheck } from './metrics/metrics-token.js';
import { registerQueueDepthGauge } from './metrics/queue-depth-gauge.js';
import { registerRequestMetrics } from './metrics/request-metrics.js';
import { registerOpenApi } from './openapi.js';
import { MAX_PATH_PARAM_LENGTH } from './idempotency/idempotency-key.js';
import { registerJsonBodyParser } from './json-body/json-body-parser.js';
import { frameworkErrorHandler, notFoundHandler, problemErrorHandler } from './problem-handler.js';
import { isPublicRoute } from './public-routes.js';
import type { ReceiptReader } from './receipt-reader.js';
import type { RedisGuard } from './redis-guard.js';
import type { RetryJob } from '../bullmq/retry-job.js';
import { registerRateLimit } from './rate-limit.js';
import { registerRequestId, requestIdOptions } from './request-id.js';
import { requestLogController } from './request-logging.js';
import { healthRoutes } from './routes/health.js';
import { jobListRoutes } from './routes/job-list.js';
import { jobsRoutes } from './routes/jobs.js';
import { problemsRoutes } from './routes/problems.js';
import { problemResponses } from './routes/problem-responses.js';
import { receiptsRoutes } from './routes/receipts.js';
import { receiptPage } from './ui/receipt-page.js';

export interface AppDeps {
  config: Pick<
    Config,
    | 'API_KEYS'
    | 'MAX_BODY_BYTES'
    | 'RATE_LIMIT_PER_MINUTE'
    | 'QUEUE_PREFIX'
    | 'REDIS_TIMEOUT_MS'
    | 'ADMIN_TOKEN'
    | 'REQUEST_TIMEOUT_MS'
    | 'CONNECTION_TIMEOUT_MS'
    | 'MAX_LONG_POLLS'
    | 'MAX_LONG_POLLS_PER_TENANT'
    | 'METRICS_TOKEN'
    | 'TRUST_PROXY'
  >;
  logger: Logger | FastifyBaseLogger;
  registry: JobTypeRegistry;
  /** Every queue of every shard: metrics and the dashboard show each. */
  store: Pick<JobStore, 'queues'>;
  enqueueOnce: EnqueueOnce;
  receipts: ReceiptReader;
  /** The long-polls this process holds (metrics). */
  longPolls: LongPollSlots;
  /** Answers retries of recently seen keys without Redis; optional. */
  replays?: ReplayCache;
  admission: Admission;
  cancelJob: CancelJob;
  /** Puts a failed job back in line (POST /v1/receipts/{key}/retry). */
  retryJob: RetryJob;
  /** A tenant's jobs, page by page (GET /v1/jobs). */
  listJobs: ListJobs;
  /** Refuses a submission's callback that cannot be signed or reached safely. */
  checkCallback: CallbackCheck;
  redis: RedisGuard;
  /** The fail-fast connection, for the shared rate-limit counters. */
  connection: RedisClient;
  jobEnds: JobEndWaiter;
  /** True once shutdown has begun (readiness turns false). */
  isClosing?: () => boolean;
  /** Adds Node's process metrics to /metrics; main.ts turns it on, tests leave it off. */
  processMetrics?: boolean;
}

/** Builds the HTTP API without listening: main.ts listens, tests use inject(). */
export async function buildApp(deps: AppDeps) {
  const isClosing = deps.isClosing ?? (() => false);
  const connectionLimits = createConnectionLimits(deps.config, isClosing);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.MAX_BODY_BYTES,
    ...requestIdOptions,
    logController: requestLogController(),
    ...connectionLimits.serverOptions,
    // Fits every valid key's receipt path; the router's refusals leave as problem+json.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler,
    // Behind a TLS-terminating proxy: request.protocol (the admin cookie's Secure)
    // and request.ip (the sign-in limit) from X-Forwarded-Proto/-For of these peers only.
    trustProxy: deps.config.TRUST_PROXY,
  }).withTypeProvider<ZodTypeProvider>();

  // JSON only: fastify would also take text/plain, which then fails as a 400.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.decorateRequest('problemSlug', null);
  app.decorateRequest('logFields', null);
  registerRequestId(app);
  connectionLimits.register(app); // before auth: a closing process answers 503, not 401
  registerAuth(app, deps.config.API_KEYS, isPublicRoute);
  if (deps.config.RATE_LIMIT_PER_MINUTE > 0) {
    await registerRateLimit(app, {
      connection: deps.connection,
      perMinute: deps.config.RATE_LIMIT_PER_MINUTE,
      prefix: deps.config.QUEUE_PREFIX,
      isExempt: isPublicRoute,
    });
  }

  // One registry per app, so tests can build several side by side.
  const metrics = createMetricsRegistry({ processMetrics: deps.processMetrics ?? false });
  registerRequestMetrics(app, metrics);
  registerQueueDepthGauge(metrics, { queues: deps.store.queues(), redis: deps.redis });
  registerRedisUpGauge(metrics, () => deps.redis.ping(), deps.config.REDIS_TIMEOUT_MS);

  await registerOpenApi(app); // before the routes: it collects them as they are added
  const { receipts } = deps;
  registerLongPollMetrics(metrics, deps.longPolls);
  await app.register(healthRoutes, { redis: deps.redis, isClosing });
  await app.register(problemsRoutes);
  await app.register(jobsRoutes, {
    registry: deps.registry,
    enqueueOnce: deps.enqueueOnce,
    replays: deps.replays,
    redis: deps.redis,
    admission: deps.admission,
    receipts,
    checkCallback: deps.checkCallback,
  });
  await app.register(jobListRoutes, { registry: deps.registry, listJobs: deps.listJobs, redis: deps.redis });
  await app.register(receiptsRoutes, { receipts, cancelJob: deps.cancelJob, retryJob: deps.retryJob, redis: deps.redis });
  const metricsToken = deps.config.METRICS_TOKEN;
  await app.register(metricsRoute, {
    registry: metrics,
    authorize: metricsToken === undefined ? undefined : metricsTokenCheck(metricsToken),
    errorResponses: problemResponses(400, 401), // 401: only with METRICS_TOKEN set
  });
  await app.register(receiptPage);
  if (deps.config.ADMIN_TOKEN !== undefined) {
    await app.register(queueDashboard, { queues: deps.store.queues(), adminToken: deps.config.ADMIN_TOKEN });
  }
  return app;
}
