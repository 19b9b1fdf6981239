/**
 * Reservation baseline: the hand-written idempotency layer seen in many
 * codebases. `SET key in-flight NX EX` reserves the key; the winner adds the job
 * and stores its response under the key; a later request replays the stored
 * response, and one that arrives while the first is still in flight gets 409.
 * Three round trips for a new key, two for a replay.
 */
import { baselineApp, baselineEnv, baselineQueue, serveBaseline } from './baseline-server.js';

const IN_FLIGHT = 'in-flight';
const IN_FLIGHT_SECONDS = 60;
const RESPONSE_SECONDS = 86_400;

const { port, redisUrl, prefix } = baselineEnv();
const { connection, queue, ready, close } = baselineQueue(redisUrl, prefix);
const app = baselineApp();

app.post('/v1/jobs', async (request, reply) => {
  const body = request.body as { type: string; payload: unknown };
  const jobId = String(request.headers['idempotency-key']);
  const idemKey = `${prefix}:idem:${jobId}`;
  const reserved = await connection.set(idemKey, IN_FLIGHT, 'EX', IN_FLIGHT_SECONDS, 'NX');
  if (reserved === null) {
    const stored = await connection.get(idemKey);
    if (stored === null || stored === IN_FLIGHT) {
      return reply.code(409).send({ error: 'a request with this key is in flight' });
    }
    return reply.code(202).header('idempotent-replayed', 'true').type('application/json').send(stored);
  }
  const job = await queue.add(body.type, body.payload, { jobId });
  const response = JSON.stringify({ id: job.id, status: 'queued' });
  await connection.set(idemKey, response, 'EX', RESPONSE_SECONDS);
  return reply.code(202).type('application/json').send(response);
});

await serveBaseline(app, port, ready, close);
