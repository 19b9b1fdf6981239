import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, requestFingerprint } from '../../src/api/idempotency/fingerprint.js';
import { parseIdempotencyKey } from '../../src/api/idempotency/idempotency-key.js';
import { findTenant, parseApiKeys } from '../../src/shared/api-keys.js';
import { decodeJobId, encodeJobId, tenantOfJobId } from '../../src/shared/job-id.js';

describe('canonicalJson and requestFingerprint', () => {
  it('ignores object key order at every depth, but not array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(requestFingerprint('t', { a: 1, b: 2 })).toBe(requestFingerprint('t', { b: 2, a: 1 }));
    expect(requestFingerprint('t', [1, 2])).not.toBe(requestFingerprint('t', [2, 1]));
  });

  it('tells types apart even when the payload is the same', () => {
    expect(requestFingerprint('sleep', {})).not.toBe(requestFingerprint('checksum', {}));
  });

  it('stays the digest earlier versions stored, so their keys still replay', () => {
    const stored = (...parts: string[]) => parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest('base64url');
    expect(requestFingerprint('sleep', { ms: 5 })).toBe(stored('sleep', '\n', '{"ms":5}'));
    expect(requestFingerprint('sleep', { ms: 5 }, {})).toBe(stored('sleep', '\n', '{"ms":5}'));
    expect(requestFingerprint('sleep', { ms: 5 }, { priority: 2 })).toBe(stored('sleep', '\n', '{"ms":5}', '\n', '{"priority":2}'));
  });

  it('counts the callback, beside the options, and nothing else changes without one', () => {
    const callback = { url: 'https://example.com/hooks', events: ['succeeded'] };
    const plain = requestFingerprint('sleep', { ms: 5 }, { priority: 2 });
    expect(requestFingerprint('sleep', { ms: 5 }, { priority: 2 }, undefined)).toBe(plain);
    expect(requestFingerprint('sleep', { ms: 5 }, { priority: 2 }, callback)).not.toBe(plain);
    expect(requestFingerprint('sleep', { ms: 5 }, undefined, callback)).not.toBe(requestFingerprint('sleep', { ms: 5 }));
    expect(requestFingerprint('sleep', { ms: 5 }, undefined, callback)).not.toBe(
      requestFingerprint('sleep', { ms: 5 }, undefined, { ...callback, url: 'https://example.com/other' }),
    );
  });
});

describe('parseIdempotencyKey', () => {
  it.each([
    ['abc', 'abc'],
    ['"abc"', 'abc'],
    ['"a\\"b\\\\c"', 'a"b\\c'],
    ['ab"c', 'ab"c'],
    ['k'.repeat(255), 'k'.repeat(255)],
  ])('reads %s as %s', (raw, key) => {
    expect(parseIdempotencyKey(raw)).toBe(key);
  });

  it.each(['', '""', 'a b', '"a b"', 'k'.repeat(256), '"abc', 'é', 'tab\there', '"a\\x"'])('refuses %j', (raw) => {
    expect(parseIdempotencyKey(raw)).toBeNull();
  });
});

describe('encodeJobId', () => {
  it('never yields a colon or an all-digit id, and round-trips', () => {
    for (const [tenant, key] of [['default', '12345'], ['acme', 'a:b'], ['acme', '{tag}%~']] as const) {
      const id = encodeJobId(tenant, key);
      expect(id).not.toMatch(/:/);
      expect(id).not.toMatch(/^\d+$/);
      expect(decodeJobId(id)).toEqual({ tenant, key });
    }
  });

  it('keeps (tenant, key) pairs apart that plain concatenation would merge', () => {
    expect(encodeJobId('a', 'b~c')).not.toBe(encodeJobId('a~b', 'c'));
    expect(encodeJobId('a_b', 'c')).not.toBe(encodeJobId('a', 'b_c'));
    expect(encodeJobId('ab', 'c')).not.toBe(encodeJobId('a', 'bc'));
  });
});

describe('tenantOfJobId', () => {
  it('gives the tenant of an id job-intake made, decoded, and nothing for any other id', () => {
    expect(tenantOfJobId(encodeJobId('acme', 'k~1'))).toBe('acme');
    expect(tenantOfJobId(encodeJobId('team a/b~c', 'k'))).toBe('team a/b~c');
    for (const foreign of [undefined, '42', '~key', 'no-separator', '%E0%A4%A~key']) expect(tenantOfJobId(foreign)).toBeUndefined();
  });
});

describe('findTenant', () => {
  const keys = parseApiKeys('acme:acme-token-000000000,globex:globex-token-00000000');
  it('finds the tenant of a token and nothing for a near miss', () => {
    expect(findTenant(keys, 'acme-token-000000000')).toBe('acme');
    expect(findTenant(keys, 'acme-token-000000001')).toBeNull();
    expect(findTenant(keys, '')).toBeNull();
  });
});
