/**
 * Peer: job-intake's intake features written by hand the usual way, as a
 * competent user would without job-intake. fastify with
 * fastify-type-provider-zod (zod schemas for the body and the Idempotency-Key
 * header), a bearer token checked in an onRequest hook (SHA-256 +
 * timingSafeEqual), a fingerprint of the parsed body (SHA-256 of its JSON),
 * `queue.add` with the job id `<tenant>~<key>`, then `queue.getJob` to tell a
 * new job (ours: our request id is in it) from a replay (same fingerprint:
 * 202, `Idempotent-Replayed: true`) and a conflict (another body: 422
 * problem). A prom-client histogram of request duration by route and status,
 * and one pino line per request at info (fastify's logger, to stdout, which
 * the bench sends to /dev/null). Two round trips to Redis per request.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Histogram, register } from 'prom-client';
import { z } from 'zod';
import { baselineEnv, baselineQueue, serveBaseline } from './baseline-server.js';

const { port, redisUrl, prefix } = baselineEnv();
const { API_TOKEN, TENANT = 'bench' } = process.env;
if (API_TOKEN === undefined) throw new Error('peer needs API_TOKEN');
const { queue, ready, close } = baselineQueue(redisUrl, prefix);

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const tokenDigest = sha256(API_TOKEN);

const requestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

// One line per request (fastify's default is two: "incoming request" and "request completed").
const app = Fastify({ logger: { level: 'info' }, logController: new LogController({ disableRequestLogging: true }) }).withTypeProvider<ZodTypeProvider>();
app.setValidatorCompiler(validatorCompiler);
app.setSerializerCompiler(serializerCompiler);

const problem = (status: number, title: string, detail: string) => ({ type: 'about:blank', status, title, detail });

app.addHook('onRequest', async (request, reply) => {
  if (!request.url.startsWith('/v1/')) return;
  const header = request.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  if (!timingSafeEqual(sha256(token), tokenDigest)) {
    return reply.code(401).type('application/problem+json').send(problem(401, 'Unauthorized', 'a valid bearer token is required'));
  }
});

app.addHook('onResponse', async (request, reply) => {
  const route = request.routeOptions.url ?? 'unmatched';
  requestDuration.observe({ method: request.method, route, status_code: reply.statusCode }, reply.elapsedTime / 1000);
  request.log.info({ method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime }, 'request completed');
});

const JobRequest = z.object({ type: z.string().min(1).max(200), payload: z.record(z.string(), z.unknown()) });
const IdempotencyHeaders = z.looseObject({ 'idempotency-key': z.string().min(1).max(255) });

interface StoredData {
  readonly payload: Record<string, unknown>;
  readonly fingerprint: string;
  readonly requestId: string;
}

app.post('/v1/jobs', { schema: { body: JobRequest, headers: IdempotencyHeaders } }, async (request, reply) => {
  const key = request.headers['idempotency-key'];
  const fingerprint = sha256(JSON.stringify(request.body)).toString('hex');
  const requestId = randomUUID();
  // BullMQ refuses a custom id with ':' in it, hence '~' and the key encoded.
  const jobId = `${TENANT}~${encodeURIComponent(key)}`;
  const data: StoredData = { payload: request.body.payload, fingerprint, requestId };
  await queue.add(request.body.type, data, { jobId });
  // add() answers with our own data even when the id was taken: read what is stored.
  const stored = (await queue.getJob(jobId))?.data as StoredData | undefined;
  if (stored !== undefined && stored.requestId !== requestId) {
    if (stored.fingerprint !== fingerprint) {
      return reply
        .code(422)
        .type('application/problem+json')
        .send(problem(422, 'Idempotency key reused', 'this Idempotency-Key was used with a different request body'));
    }
    return reply.code(202).header('idempotent-replayed', 'true').send({ id: jobId, status: 'queued' });
  }
  return reply.code(202).send({ id: jobId, status: 'queued' });
});

app.get('/metrics', async (_request, reply) => reply.type(register.contentType).send(await register.metrics()));

await serveBaseline(app, port, ready, close);
