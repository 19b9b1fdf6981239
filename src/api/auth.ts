import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findTenant, type ApiKeys } from '../shared/api-keys.js';
import { ProblemError } from './problems.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking: from the bearer token, or `default` when auth is off. */
    tenant: string;
  }
}

export const DEFAULT_TENANT = 'default';

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

function tenantOf(request: FastifyRequest, apiKeys: ApiKeys): string {
  const header = request.headers.authorization;
  if (header === undefined) throw new ProblemError('unauthorized', 'The Authorization header is missing.');
  const token = bearerToken(header);
  const tenant = token === undefined ? null : findTenant(apiKeys, token);
  if (tenant === null) throw new ProblemError('unauthorized', 'The bearer token is not valid.');
  return tenant;
}

/**
 * Sets `request.tenant` before the body is read, so an unauthenticated caller
 * costs no body parsing. `apiKeys: null` turns auth off.
 */
export function registerAuth(app: FastifyInstance, apiKeys: ApiKeys | null, isPublic: (route: string | undefined) => boolean) {
  app.decorateRequest('tenant', DEFAULT_TENANT);
  if (apiKeys === null) return;
  app.addHook('onRequest', (request, _reply, done) => {
    if (isPublic(request.routeOptions.url)) return done();
    try {
      request.tenant = tenantOf(request, apiKeys);
    } catch (err) {
      return done(err as Error);
    }
    done();
  });
}
