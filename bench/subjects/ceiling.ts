/**
 * HTTP ceiling: fastify parsing the same JSON body and answering 202 without
 * Redis. Nothing that talks to Redis can beat it on this machine.
 */
import { baselineApp, baselineEnv, serveBaseline } from './baseline-server.js';

const { port } = baselineEnv();
const app = baselineApp();
const accepted = JSON.stringify({ status: 'queued' });

app.post('/v1/jobs', async (_request, reply) => reply.code(202).type('application/json').send(accepted));

await serveBaseline(app, port, async () => {}, async () => {});
