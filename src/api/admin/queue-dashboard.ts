import cookie from '@fastify/cookie';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '../problems.js';
import type { ShardQueue } from '../job-store.js';
import { sendProblem } from '../problem-handler.js';
import { ADMIN_COOKIE, createAdminSession, SESSION_SECONDS } from './admin-session.js';
import { loginPage } from './login-page.js';
import { dashboardRefusal } from './refused-actions.js';

export const DASHBOARD_PATH = '/admin/queues';

function sendHtml(reply: FastifyReply, status: number, html: string) {
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

const prefersHtml = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html');

/**
 * bull-board at /admin/queues (see, retry, clean jobs), behind ADMIN_TOKEN:
 * `Authorization: Bearer <ADMIN_TOKEN>`, or the signed session cookie POST
 * /admin/login sets (HttpOnly, SameSite=Strict so another site cannot drive the
 * dashboard's retry/clean actions, Secure over HTTPS, Path=/admin, 8 hours; see
 * admin-session.ts). Without either: 401, with the login form for a browser and
 * problem+json for anything else; after too many wrong tokens, 429.
 */
export const queueDashboard: FastifyPluginAsync<{ queues: readonly ShardQueue[]; adminToken: string }> = async (app, options) => {
  const session = createAdminSession(options.adminToken);
  await app.register(cookie); // scoped to the dashboard: no cookie parsing on the API's hot path
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get('/admin/login', { schema: { hide: true } }, (_request, reply) => sendHtml(reply, 200, loginPage({ failed: false })));

  /** 429 while the client's token would not be checked: the form for a browser, problem+json otherwise. */
  function refuseLockedOut(request: FastifyRequest, reply: FastifyReply, seconds: number) {
    request.log.warn({ retryAfterSeconds: seconds }, 'dashboard token refused: too many wrong admin tokens');
    if (!prefersHtml(request)) {
      const detail = `Too many wrong admin tokens; no token is checked for ${seconds} more seconds.`;
      return sendProblem(new ProblemError('too-many-login-attempts', detail, { retryAfterSeconds: seconds }), request, reply);
    }
    reply.header('retry-after', String(seconds));
    return sendHtml(reply, 429, loginPage({ failed: true, lockedMinutes: Math.ceil(seconds / 60) }));
  }
  // Before the dashboard's own hooks: a token from a locked-out address is answered
  // 429 here, so bull-board's scope (its own error handler) never sees the refusal.
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization === undefined) return; // a form's token is checked in POST /admin/login
    const seconds = session.lockedOut(request);
    if (seconds > 0) return refuseLockedOut(request, reply, seconds);
  });

  app.post('/admin/login', { schema: { hide: true } }, (request, reply) => {
    const token = (request.body as Record<string, string> | undefined)?.token;
    const seconds = session.lockedFor(request.ip);
    if (seconds > 0) return refuseLockedOut(request, reply, seconds);
    if (!session.checkToken(request.ip, token)) {
      request.log.warn('dashboard login refused: wrong admin token');
      return sendHtml(reply, 401, loginPage({ failed: true }));
    }
    request.log.info('dashboard login');
    // A new signed value per sign-in; Secure whenever the browser came over HTTPS,
    // also through a TLS-terminating proxy that TRUST_PROXY names (X-Forwarded-Proto).
    reply.setCookie(ADMIN_COOKIE, session.issue(), {
      path: '/admin',
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
      maxAge: SESSION_SECONDS,
    });
    return reply.redirect(DASHBOARD_PATH, 303);
  });

  // Clears the cookie in this browser; a copy taken before stays valid until it expires.
  app.post('/admin/logout', { schema: { hide: true } }, (request, reply) => {
    reply.clearCookie(ADMIN_COOKIE, { path: '/admin', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
    return reply.redirect('/admin/login', 303);
  });

  await app.register(async (board) => {
    // One board entry per queue and shard: each shard has a queue of every name, so
    // with several shards bull-board tells them apart by a display prefix.
    const sharded = new Set(options.queues.map((shardQueue) => shardQueue.shardIndex)).size > 1;
    const adapters = options.queues.map(
      ({ queue, shardIndex }) => new BullMQAdapter(queue, sharded ? { prefix: `shard-${shardIndex}-` } : {}),
    );
    const refusal = dashboardRefusal({
      basePath: DASHBOARD_PATH,
      queues: new Map(adapters.map((adapter, index) => [adapter.getName(), options.queues[index]!.queue])),
    });
    board.addHook('onRequest', async (request, reply) => {
      if (!session.isAdmin(request)) {
        if (prefersHtml(request)) return sendHtml(reply, 401, loginPage({ failed: false }));
        const detail = 'The dashboard needs the admin token (Bearer ADMIN_TOKEN, or sign in at /admin/login).';
        return sendProblem(new ProblemError('unauthorized', detail), request, reply);
      }
      const refused = await refusal(request);
      if (refused !== undefined) {
        request.log.warn({ action: `${request.method} ${request.routeOptions.url}` }, 'dashboard action refused');
        return sendProblem(new ProblemError('forbidden', refused), request, reply);
      }
    });
    const serverAdapter = new FastifyAdapter().setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: adapters,
      serverAdapter,
      options: { uiConfig: { boardTitle: 'job-intake' } },
    });
    await board.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
};
