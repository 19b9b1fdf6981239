/**
 * Plain BullMQ baseline: `queue.add(name, body, { jobId: header })`, then 202.
 * What most people write first: a repeated key adds nothing (BullMQ keeps the
 * existing job), but a different body under the same key is silently aliased.
 */
import { baselineApp, baselineEnv, baselineQueue, serveBaseline } from './baseline-server.js';

const { port, redisUrl, prefix } = baselineEnv();
const { queue, ready, close } = baselineQueue(redisUrl, prefix);
const app = baselineApp();

app.post('/v1/jobs', async (request, reply) => {
  const body = request.body as { type: string; payload: unknown };
  const jobId = String(request.headers['idempotency-key']);
  const job = await queue.add(body.type, body.payload, { jobId });
  return reply.code(202).send({ id: job.id, status: 'queued' });
});

await serveBaseline(app, port, ready, close);
