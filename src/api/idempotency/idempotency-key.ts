import { z } from 'zod';

const VISIBLE_ASCII = /^[\x21-\x7e]{1,255}$/;

/**
 * The longest path segment the router takes (fastify's maxParamLength): a key of
 * 255 characters with every one percent-encoded (`%XX`), so every valid key's
 * receipt URL reaches its route.
 */
export const MAX_PATH_PARAM_LENGTH = 3 * 255;

/**
 * Reads an Idempotency-Key header value. The IETF draft defines it as a
 * structured-field string (RFC 8941 §3.3.3: `"abc"`, with `\"` and `\\` escapes);
 * most clients send the bare token. Both forms name the same key.
 */
export function parseIdempotencyKey(raw: string): string | null {
  let key = raw;
  if (raw.startsWith('"')) {
    const sfString = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(raw);
    if (sfString === null) return null;
    key = sfString[1]!.replace(/\\(["\\])/g, '$1');
  }
  return VISIBLE_ASCII.test(key) ? key : null;
}

export const idempotencyKeyHeaderSchema = z
  .string({ error: 'is required' })
  .transform((raw, ctx) => {
    const key = parseIdempotencyKey(raw);
    if (key === null) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be 1 to 255 visible ASCII characters, bare or as a quoted structured-field string',
      });
      return z.NEVER;
    }
    return key;
  })
  .meta({ description: 'Client-chosen key, 1 to 255 visible ASCII characters; `"abc"` means the same as `abc`.' });
