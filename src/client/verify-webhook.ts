import { JobIntakeError } from './errors.js';

// Standard Webhooks 1.0.0, "Verifying signatures":
// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
// Web Crypto only (no node:crypto), so this runs in Node 20, browsers and edge runtimes,
// and the client keeps no runtime dependency.

/** The request was not signed by a holder of the secret, or its timestamp is out of tolerance. */
export class WebhookVerificationError extends JobIntakeError {
  override name = 'WebhookVerificationError';
}

/** A fetch `Headers`, or a plain object such as Node's `req.headers` (names in any case). */
export type WebhookRequestHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyWebhookOptions {
  /**
   * How far `webhook-timestamp` may be from now, either way, in seconds; 300 (5
   * minutes, as the spec's reference libraries). Refusing old timestamps is what
   * stops a captured request from being replayed later.
   */
  toleranceSeconds?: number;
}

const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = 'whsec_';

function header(headers: WebhookRequestHeaders, name: string): string | undefined {
  // Duck-typed, not instanceof: frameworks hand over Headers from their own copy of
  // undici or from another realm, and a plain object never has a get() function.
  if (typeof headers.get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    // A repeated header reaches some servers as an array: signatures may be
    // joined (the header is a list), but two ids or timestamps are ambiguous.
    if (typeof value === 'string') return value;
    if (value === undefined || value.length === 0) return undefined;
    if (value.length === 1 || name === 'webhook-signature') return value.join(' ');
    throw new WebhookVerificationError(`more than one ${name} header`);
  }
  return undefined;
}

function base64Bytes(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return undefined; // not base64: this entry cannot match
  }
}

async function importKey(secret: string) {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = encoded === '' ? undefined : base64Bytes(encoded);
  // A bad secret is the receiver's configuration error, not a forged request:
  // a TypeError, so it is not answered as a 401 to every sender.
  if (key === undefined) throw new TypeError('verifyWebhook: the secret must be whsec_ followed by base64');
  return crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
}

function toBytes(body: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  return body instanceof Uint8Array ? body : new Uint8Array(body);
}

/**
 * Checks a Standard Webhooks request from job-intake and answers its parsed JSON
 * body. `rawBody` must be the bytes as received: a body parsed and serialised
 * again rarely has the same bytes, and then no signature matches.
 *
 * Every `v1,` entry of `webhook-signature` is tried (two while the sender rotates
 * its secret); `crypto.subtle.verify` compares in constant time. Throws a
 * `WebhookVerificationError` when a header is missing, the timestamp is more than
 * `toleranceSeconds` away from now, no signature matches, or the body is not JSON;
 * a `TypeError` when the secret itself is malformed.
 *
 * After it succeeds, use `webhook-id` as an idempotency key: a delivery may come twice.
 */
export async function verifyWebhook(
  secret: string,
  headers: WebhookRequestHeaders,
  rawBody: string | Uint8Array | ArrayBuffer,
  options: VerifyWebhookOptions = {},
): Promise<unknown> {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  // NaN would compare false below and let every timestamp through.
  if (Number.isNaN(tolerance) || tolerance < 0) throw new TypeError('verifyWebhook: toleranceSeconds must be a number >= 0');
  const key = await importKey(secret);
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature header');
  }
  // The spec: "integer unix timestamp (seconds since epoch)".
  if (!/^\d{1,15}$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not Unix seconds');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError(`webhook-timestamp is more than ${tolerance} s away from now`);
  }

  const body = toBytes(rawBody);
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);

  let matched = false;
  for (const entry of signatures.split(' ')) {
    const [version, encoded] = entry.split(',', 2);
    if (version !== 'v1' || encoded === undefined) continue; // other schemes (v1a) are not ours
    const signature = base64Bytes(encoded);
    if (signature !== undefined && (await crypto.subtle.verify('HMAC', key, signature, signed))) matched = true;
  }
  if (!matched) throw new WebhookVerificationError('no webhook-signature matches the secret');

  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch (err) {
    throw new WebhookVerificationError('the signed body is not JSON', { cause: err });
  }
}
