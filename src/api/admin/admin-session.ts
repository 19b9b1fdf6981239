import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { digestToken } from '../../shared/api-keys.js';

export const ADMIN_COOKIE = 'job_intake_admin';

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/**
 * Who may open the dashboard: a request with `Authorization: Bearer <ADMIN_TOKEN>`
 * (scripts), or with the session cookie that POST /admin/login sets (browsers).
 *
 * The cookie holds a digest of the token, not the token: a cookie that leaks
 * (a browser profile, a proxy log) opens the dashboard until ADMIN_TOKEN is
 * rotated, but never reveals the token itself. Comparisons are on fixed-length
 * digests in constant time.
 */
export function createAdminSession(adminToken: string) {
  const tokenDigest = digestToken(adminToken);
  const cookieValue = createHash('sha256').update(`job-intake admin session\n${adminToken}`).digest('base64url');
  const cookieDigest = digestToken(cookieValue);

  const matches = (presented: string | undefined, expected: Buffer) =>
    presented !== undefined && timingSafeEqual(digestToken(presented), expected);

  return {
    cookieValue,
    /** True when the token typed into the login form is ADMIN_TOKEN. */
    isAdminToken: (token: string | undefined) => matches(token, tokenDigest),
    /** True when the request carries the admin token or a valid session cookie. */
    isAdmin(request: FastifyRequest): boolean {
      const header = request.headers.authorization;
      const bearer = header === undefined ? undefined : BEARER.exec(header)?.[1];
      return matches(bearer, tokenDigest) || matches(request.cookies[ADMIN_COOKIE], cookieDigest);
    },
  };
}

export type AdminSession = ReturnType<typeof createAdminSession>;
