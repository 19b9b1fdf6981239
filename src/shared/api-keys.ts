import { hash, timingSafeEqual } from 'node:crypto';

/** Tenant names end up inside job ids and logs: keep them short and plain. */
export const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export type ApiKeys = ReadonlyArray<{ readonly tenant: string; readonly tokenDigest: Buffer }>;

/** SHA-256 of a token: fixed length, so comparisons never leak a token's length. */
export function digestToken(token: string): Buffer {
  return hash('sha256', token, 'buffer'); // one-shot: no Hash object per request
}

/**
 * Parses `tenant:token,tenant:token`. A tenant may have several tokens (rotation);
 * one token may not belong to two tenants.
 */
export function parseApiKeys(value: string): ApiKeys {
  const entries = value.split(',').map((pair) => pair.trim()).filter((pair) => pair !== '');
  const seen = new Set<string>();
  return Object.freeze(
    entries.map((pair) => {
      const colon = pair.indexOf(':');
      const tenant = pair.slice(0, colon);
      const token = pair.slice(colon + 1);
      if (colon < 1 || !TENANT_PATTERN.test(tenant)) {
        throw new Error(`expected tenant:token pairs, tenant of [A-Za-z0-9_.-]{1,64}; got "${tenant || pair.slice(0, 20)}..."`);
      }
      if (token.length < 16) throw new Error(`the token of tenant "${tenant}" is shorter than 16 characters`);
      if (seen.has(token)) throw new Error(`a token is listed twice (tenant "${tenant}")`);
      seen.add(token);
      return Object.freeze({ tenant, tokenDigest: digestToken(token) });
    }),
  );
}

/**
 * Finds the tenant of a bearer token. Compares digests in constant time and walks
 * every entry, so the time taken tells nothing about which entry (if any) matched.
 */
export function findTenant(apiKeys: ApiKeys, token: string): string | null {
  const digest = digestToken(token);
  let tenant: string | null = null;
  for (const entry of apiKeys) {
    if (timingSafeEqual(entry.tokenDigest, digest)) tenant = entry.tenant;
  }
  return tenant;
}
