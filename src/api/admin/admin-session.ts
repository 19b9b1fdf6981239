import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { digestToken } from '../../shared/api-keys.js';
import { bearerToken } from '../auth.js';
import { createLoginAttempts } from './login-attempts.js';

export const ADMIN_COOKIE = 'job_intake_admin';

/** How long a dashboard sign-in lasts. */
export const SESSION_SECONDS = 8 * 3600;

/** `v1.<issued at>.<expires at>.<random id>.<HMAC-SHA256 of what precedes it>`, times in Unix seconds. */
const SESSION_COOKIE = /^(v1\.(\d{1,12})\.(\d{1,12})\.[A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** A clock skew allowed between API processes issuing and checking a session. */
const SKEW_SECONDS = 60;

/**
 * Who may open the dashboard: a request with `Authorization: Bearer <ADMIN_TOKEN>`
 * (scripts), or with the signed session cookie that POST /admin/login sets (browsers).
 *
 * Token checks, from the sign-in form or a Bearer header, are limited: after too
 * many wrong tokens from one address, or from all together (login-attempts.ts),
 * no token is compared until the window ends (the dashboard answers 429).
 *
 * Each sign-in gets a new cookie: an issue time, an expiry SESSION_SECONDS later
 * and a random id, signed with HMAC-SHA256 under a key derived from ADMIN_TOKEN.
 * Any API process can check it without shared state; rotating ADMIN_TOKEN ends
 * every session. A cookie reveals nothing about the token, and a leaked one
 * lapses at its expiry. Signatures and tokens are compared in constant time.
 * Sign-out clears the cookie in the browser only: a copy taken earlier stays
 * valid until it expires (there is no server-side session list to strike it from).
 */
export function createAdminSession(adminToken: string, options: { now?: () => number } = {}) {
  const now = options.now ?? (() => Date.now());
  const tokenDigest = digestToken(adminToken);
  const key = createHmac('sha256', adminToken).update('job-intake admin session key v1').digest();
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest();
  const attempts = createLoginAttempts({ now });

  /**
   * True when `token` is ADMIN_TOKEN; a wrong one counts against `address`.
   * While `address` is locked out (see lockedOut) it is false without comparing.
   */
  function checkToken(address: string, token: string | undefined): boolean {
    if (attempts.lockedFor(address) > 0) return false;
    if (token !== undefined && timingSafeEqual(digestToken(token), tokenDigest)) {
      attempts.succeeded(address);
      return true;
    }
    attempts.failed(address);
    return false;
  }

  /** A new session cookie value, valid for SESSION_SECONDS from now. */
  function issue(): string {
    const issuedAt = Math.floor(now() / 1000);
    const payload = `v1.${issuedAt}.${issuedAt + SESSION_SECONDS}.${randomBytes(16).toString('base64url')}`;
    return `${payload}.${sign(payload).toString('base64url')}`;
  }

  /** True for a cookie this ADMIN_TOKEN signed that has not expired. */
  function isValidSession(cookie: string | undefined): boolean {
    const match = cookie === undefined ? null : SESSION_COOKIE.exec(cookie);
    if (match === null) return false;
    const presented = Buffer.from(match[4]!, 'base64url');
    const expected = sign(match[1]!);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return false;
    const seconds = now() / 1000;
    return Number(match[2]) <= seconds + SKEW_SECONDS && seconds < Number(match[3]);
  }

  return {
    checkToken,
    issue,
    /** True for a valid session cookie, or a Bearer ADMIN_TOKEN (checked as checkToken does). */
    isAdmin(request: FastifyRequest): boolean {
      if (isValidSession(request.cookies[ADMIN_COOKIE])) return true;
      const bearer = bearerToken(request.headers.authorization);
      return bearer !== undefined && checkToken(request.ip, bearer);
    },
    /**
     * Seconds until this request's token (the form's `token`, or a Bearer header)
     * will be checked again; 0 when it is checked now, or when a valid session
     * cookie makes any token beside the point.
     */
    lockedOut(request: FastifyRequest): number {
      if (isValidSession(request.cookies[ADMIN_COOKIE])) return 0;
      return attempts.lockedFor(request.ip);
    },
    /** Seconds until a token from `address` is checked again (the sign-in form); 0 when now. */
    lockedFor: (address: string) => attempts.lockedFor(address),
  };
}
