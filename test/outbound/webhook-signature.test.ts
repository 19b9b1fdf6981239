import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseWebhookSecrets } from '../../src/outbound/webhook-secrets.js';
import { signWebhook, WebhookSecret } from '../../src/outbound/webhook-signature.js';

const newSecret = (bytes = 32) => `whsec_${randomBytes(bytes).toString('base64')}`;

describe('WebhookSecret.parse', () => {
  it('accepts whsec_ followed by padded base64 of 24 to 64 bytes', () => {
    for (const bytes of [24, 32, 64]) expect(WebhookSecret.parse(newSecret(bytes))).toBeInstanceOf(WebhookSecret);
  });

  it.each([
    ['no whsec_ prefix', randomBytes(32).toString('base64'), /must start with "whsec_"/],
    ['nothing after the prefix', 'whsec_', /padded base64/],
    ['characters outside base64', `whsec_${randomBytes(30).toString('base64url').replace(/[A-Za-z0-9]/, '-')}`, /padded base64/],
    ['base64 without its padding', newSecret(32).replace(/=+$/, ''), /padded base64/],
    ['a key shorter than 24 bytes', newSecret(16), /24 to 64 bytes; this one holds 16/],
    ['a key longer than 64 bytes', newSecret(96), /24 to 64 bytes; this one holds 96/],
  ])('refuses %s with a message that says what is wrong', (_case, text, message) => {
    expect(() => WebhookSecret.parse(text)).toThrow(message);
  });

  it('never repeats the secret in its error message', () => {
    const text = newSecret(16);
    expect(() => WebhookSecret.parse(text)).toThrow(expect.objectContaining({ message: expect.not.stringContaining(text.slice(6)) }));
  });

  it('prints as [webhook secret] in JSON and in util.inspect, never the key', () => {
    const text = newSecret();
    const secret = WebhookSecret.parse(text);
    expect(JSON.stringify({ secret })).toBe('{"secret":"[webhook secret]"}');
    expect(inspect({ secret })).not.toContain(text.slice(6, 20));
  });
});

describe('signWebhook', () => {
  it('answers the three headers with v1,<base64 HMAC-SHA256 of "id.timestamp.body">', () => {
    const text = newSecret();
    const body = '{"type":"job.succeeded","data":{"émoji":"✓"}}';
    const headers = signWebhook({ id: 'evt_1', timestamp: 1_700_000_000, body }, [WebhookSecret.parse(text)]);

    const expected = createHmac('sha256', Buffer.from(text.slice(6), 'base64')).update(`evt_1.1700000000.${body}`).digest('base64');
    expect(headers).toEqual({ 'webhook-id': 'evt_1', 'webhook-timestamp': '1700000000', 'webhook-signature': `v1,${expected}` });
  });

  it('signs byte bodies exactly as the same text', () => {
    const secret = WebhookSecret.parse(newSecret());
    const body = '{"a":"ü"}';
    const asText = signWebhook({ id: 'evt_1', timestamp: 1, body }, [secret]);
    const asBytes = signWebhook({ id: 'evt_1', timestamp: 1, body: new TextEncoder().encode(body) }, [secret]);
    expect(asBytes).toEqual(asText);
  });

  it('sends one signature per secret, space-separated, during a rotation', () => {
    const [next, previous] = [WebhookSecret.parse(newSecret()), WebhookSecret.parse(newSecret())];
    const message = { id: 'evt_1', timestamp: 1_700_000_000, body: '{}' };
    const both = signWebhook(message, [next, previous])['webhook-signature'];
    expect(both).toBe(`${signWebhook(message, [next])['webhook-signature']} ${signWebhook(message, [previous])['webhook-signature']}`);
  });

  it.each([
    ['no secret', { id: 'evt_1', timestamp: 1, body: '{}' }, 0, /no secret/],
    ['an id with a "."', { id: 'evt.1', timestamp: 1, body: '{}' }, 1, /without "\."/],
    ['an empty id', { id: '', timestamp: 1, body: '{}' }, 1, /id must be/],
    ['a timestamp in milliseconds with a fraction', { id: 'evt_1', timestamp: 1.5, body: '{}' }, 1, /whole Unix seconds/],
  ])('refuses %s', (_case, message, secretCount, error) => {
    const secrets = Array.from({ length: secretCount }, () => WebhookSecret.parse(newSecret()));
    expect(() => signWebhook(message, secrets)).toThrow(error);
  });
});

describe('parseWebhookSecrets', () => {
  const [a, b, c] = [newSecret(), newSecret(), newSecret()];
  const signatureOf = (secrets: readonly WebhookSecret[]) => signWebhook({ id: 'evt_1', timestamp: 1, body: '{}' }, secrets)['webhook-signature'];
  const expectedOf = (...texts: string[]) => signatureOf(texts.map((text) => WebhookSecret.parse(text)));

  it("gives a tenant listed in WEBHOOK_SECRETS its own secrets, in the order listed", () => {
    const secrets = parseWebhookSecrets({ WEBHOOK_SECRET: a, WEBHOOK_SECRETS: `acme:${b}, acme:${c}` });
    expect(signatureOf(secrets.secretsFor('acme'))).toBe(expectedOf(b, c));
  });

  it('falls back to WEBHOOK_SECRET for a tenant not listed', () => {
    const secrets = parseWebhookSecrets({ WEBHOOK_SECRET: a, WEBHOOK_SECRETS: `acme:${b}` });
    expect(signatureOf(secrets.secretsFor('globex'))).toBe(expectedOf(a));
  });

  it('takes two comma-separated secrets in WEBHOOK_SECRET while it rotates', () => {
    const secrets = parseWebhookSecrets({ WEBHOOK_SECRET: `${a},${b}` });
    expect(signatureOf(secrets.secretsFor('default'))).toBe(expectedOf(a, b));
  });

  it('answers no secret at all when neither variable is set (or both are empty)', () => {
    expect(parseWebhookSecrets({}).secretsFor('acme')).toEqual([]);
    expect(parseWebhookSecrets({ WEBHOOK_SECRET: '', WEBHOOK_SECRETS: ' ' }).secretsFor('acme')).toEqual([]);
  });

  it.each([
    ['a bad WEBHOOK_SECRET', { WEBHOOK_SECRET: `${newSecret()},whsec_short` }, /^WEBHOOK_SECRET: entry 2: a webhook secret must be/],
    ['an entry without a tenant', { WEBHOOK_SECRETS: newSecret() }, /^WEBHOOK_SECRETS: entry 1 must be tenant:whsec_/],
    ['a tenant name with a space', { WEBHOOK_SECRETS: `ac me:${newSecret()}` }, /^WEBHOOK_SECRETS: entry 1 must be tenant:whsec_/],
    ['a tenant with a bad secret', { WEBHOOK_SECRETS: `acme:${newSecret()},globex:secret` }, /^WEBHOOK_SECRETS: entry 2 \(tenant "globex"\): a webhook secret must start/],
  ])('refuses %s naming the variable and the entry', (_case, env, message) => {
    expect(() => parseWebhookSecrets(env)).toThrow(message);
  });

  it('works inside a zod transform, turning a bad value into an issue on that variable', () => {
    const schema = z
      .object({ WEBHOOK_SECRET: z.string().optional(), WEBHOOK_SECRETS: z.string().optional() })
      .transform((env, ctx) => {
        try {
          return parseWebhookSecrets(env);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      });

    expect(schema.parse({ WEBHOOK_SECRET: a }).secretsFor('x')).toHaveLength(1);
    const result = schema.safeParse({ WEBHOOK_SECRETS: 'acme:nope' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/^WEBHOOK_SECRETS: entry 1 \(tenant "acme"\)/);
  });
});
