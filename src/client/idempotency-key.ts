import { uuidV7 } from './uuid-v7.js';

const VISIBLE_ASCII = /^[\x21-\x7e]{1,255}$/;

/**
 * What the service accepts as a bare Idempotency-Key: 1 to 255 visible ASCII
 * characters. A leading `"` is refused too: the service would read the key as a
 * structured-field string and name a different key than the caller meant.
 * Checked before sending because fetch itself throws on non-ASCII header
 * values, which would look like a network error and be retried in vain.
 */
export function isValidIdempotencyKey(key: string): boolean {
  return VISIBLE_ASCII.test(key) && !key.startsWith('"');
}

/** The caller's key, checked, or a fresh UUIDv7 that every retry of this submission reuses. */
export function idempotencyKeyFor(given: string | undefined): string {
  if (given === undefined) return uuidV7();
  if (!isValidIdempotencyKey(given)) {
    throw new RangeError(`idempotencyKey must be 1 to 255 visible ASCII characters, not starting with '"': ${JSON.stringify(given)}`);
  }
  return given;
}
