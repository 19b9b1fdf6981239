import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';

// Standard Webhooks 1.0.0, "Signature scheme" and "Webhook headers":
// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md

const SECRET_PREFIX = 'whsec_';
// Strict, padded base64 (the spec's serialization): a typo fails here, not as a
// secret that silently decodes to different bytes than the receiver's.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// The spec: "Random. At least 24 bytes (192 bits, 512 maximum)"; 512 bits is 64 bytes.
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/**
 * One symmetric signing key, parsed from `whsec_<base64>`. The key bytes stay in a
 * private field and the object prints as `[webhook secret]`, so a config dump or a
 * log line can never carry it.
 */
export class WebhookSecret {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  /**
   * Parses `whsec_` + padded base64 of 24 to 64 bytes. Throws an Error whose
   * message says what is wrong and never repeats the secret.
   */
  static parse(text: string): WebhookSecret {
    if (!text.startsWith(SECRET_PREFIX)) throw new Error(`a webhook secret must start with "${SECRET_PREFIX}"`);
    const encoded = text.slice(SECRET_PREFIX.length);
    if (encoded === '' || !BASE64.test(encoded)) {
      throw new Error(`a webhook secret must be "${SECRET_PREFIX}" followed by padded base64 (A-Z a-z 0-9 + / =)`);
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
      throw new Error(`a webhook secret must hold ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes; this one holds ${key.length}`);
    }
    return new WebhookSecret(key);
  }

  /** `v1,<base64 HMAC-SHA256>` of the signed content. */
  sign(content: Buffer): string {
    return `v1,${createHmac('sha256', this.#key).update(content).digest('base64')}`;
  }

  toJSON(): string {
    return '[webhook secret]';
  }

  [inspect.custom](): string {
    return '[webhook secret]';
  }
}

/** What is signed: the message id, the attempt's time and the exact body bytes sent. */
export interface SignedMessage {
  /** Unique per event, the same on every retry (the receiver's idempotency key). */
  id: string;
  /** Unix seconds of this attempt; a retry signs anew with a fresh timestamp. */
  timestamp: number;
  /** The body exactly as it goes on the wire: signing re-serialised JSON breaks verification. */
  body: string | Uint8Array;
}

/**
 * The three Standard Webhooks headers, lowercase as the spec names them. A type,
 * not an interface, so it fits where a Record<string, string> of headers is taken.
 */
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

// Visible ASCII without '.': the spec warns that a '.' in the id or timestamp lets
// one signed content be read as another ("{msg_id}.{timestamp}.{payload}").
const MESSAGE_ID = /^[\x21-\x2d\x2f-\x7e]{1,255}$/;

/**
 * Signs a message with every secret given and answers the headers to send. During
 * a rotation pass the new and the old secret: the header then holds both
 * signatures, space-separated, and a receiver holding either one verifies it.
 * Throws on an empty secret list, an id with '.' or a non-integer timestamp.
 */
export function signWebhook(message: SignedMessage, secrets: readonly WebhookSecret[]): WebhookHeaders {
  if (secrets.length === 0) throw new Error('signWebhook: no secret to sign with');
  if (!MESSAGE_ID.test(message.id)) throw new Error('signWebhook: the id must be 1 to 255 visible ASCII characters without "."');
  if (!Number.isSafeInteger(message.timestamp) || message.timestamp < 0) {
    throw new Error('signWebhook: the timestamp must be whole Unix seconds');
  }
  const timestamp = String(message.timestamp);
  const content = Buffer.concat([Buffer.from(`${message.id}.${timestamp}.`), Buffer.from(message.body)]);
  return {
    'webhook-id': message.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': secrets.map((secret) => secret.sign(content)).join(' '),
  };
}
