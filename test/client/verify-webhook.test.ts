import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from '../../src/client/index.js';
import { signWebhook, WebhookSecret } from '../../src/outbound/webhook-signature.js';

// Standard Webhooks interop: our signer against the official `standardwebhooks`
// package's verifier, and the official signer against our verifier.

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ type: 'job.succeeded', timestamp: '2026-01-01T00:00:00.000Z', data: { key: 'order-1', result: { ok: 'ü' } } });

function ourDelivery(secrets: string[], overrides: { id?: string; timestamp?: number } = {}) {
  const headers = signWebhook(
    { id: overrides.id ?? 'evt_job1_succeeded', timestamp: overrides.timestamp ?? nowSeconds(), body },
    secrets.map((text) => WebhookSecret.parse(text)),
  );
  return { headers: { ...headers }, body };
}

function theirDelivery(secret: string, timestamp = new Date()) {
  const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  const signature = new Webhook(secret).sign(id, timestamp, body);
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': signature };
}

describe('interoperability with the official standardwebhooks package', () => {
  it('has our signature accepted by the official verifier', () => {
    const secret = newSecret();
    const { headers } = ourDelivery([secret]);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('has both rotation signatures accepted by the official verifier, with either secret', () => {
    const [next, previous] = [newSecret(), newSecret()];
    const { headers } = ourDelivery([next, previous]);
    expect(new Webhook(next).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('verifies a delivery signed by the official package and answers its JSON body', async () => {
    const secret = newSecret();
    await expect(verifyWebhook(secret, theirDelivery(secret), body)).resolves.toEqual(JSON.parse(body));
  });

  it('refuses a delivery the official package signed with another secret', async () => {
    await expect(verifyWebhook(newSecret(), theirDelivery(newSecret()), body)).rejects.toThrow(WebhookVerificationError);
  });
});

describe('verifyWebhook', () => {
  const secret = newSecret();

  it('accepts a fetch Headers object', async () => {
    const { headers } = ourDelivery([secret]);
    await expect(verifyWebhook(secret, new Headers(headers), body)).resolves.toEqual(JSON.parse(body));
  });

  it('accepts a plain header object with names in any case', async () => {
    const { headers } = ourDelivery([secret]);
    const mixed = { 'Webhook-Id': headers['webhook-id'], 'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'], 'webhook-Signature': [headers['webhook-signature']] };
    await expect(verifyWebhook(secret, mixed, body)).resolves.toEqual(JSON.parse(body));
  });

  it('accepts the raw body as bytes', async () => {
    const { headers } = ourDelivery([secret]);
    await expect(verifyWebhook(secret, headers, new TextEncoder().encode(body))).resolves.toEqual(JSON.parse(body));
    await expect(verifyWebhook(secret, headers, new TextEncoder().encode(body).buffer)).resolves.toEqual(JSON.parse(body));
  });

  it('accepts the secret without its whsec_ prefix, as the official package does', async () => {
    const { headers } = ourDelivery([secret]);
    await expect(verifyWebhook(secret.slice('whsec_'.length), headers, body)).resolves.toEqual(JSON.parse(body));
  });

  it('accepts a header of two signatures when only the second matches (the sender is rotating)', async () => {
    const { headers } = ourDelivery([newSecret(), secret]);
    await expect(verifyWebhook(secret, headers, body)).resolves.toEqual(JSON.parse(body));
  });

  it('skips entries of other schemes and garbage before a matching v1 signature', async () => {
    const { headers } = ourDelivery([secret]);
    headers['webhook-signature'] = `v1a,${randomBytes(64).toString('base64')} v1,%%% v2,abc ${headers['webhook-signature']}`;
    await expect(verifyWebhook(secret, headers, body)).resolves.toEqual(JSON.parse(body));
  });

  it('refuses a tampered body', async () => {
    const { headers } = ourDelivery([secret]);
    await expect(verifyWebhook(secret, headers, body.replace('order-1', 'order-2'))).rejects.toThrow(/no webhook-signature matches/);
  });

  it('refuses a tampered webhook-id', async () => {
    const { headers } = ourDelivery([secret]);
    await expect(verifyWebhook(secret, { ...headers, 'webhook-id': 'evt_other' }, body)).rejects.toThrow(/no webhook-signature matches/);
  });

  it('refuses a tampered webhook-timestamp, even one inside the tolerance', async () => {
    const { headers } = ourDelivery([secret]);
    const moved = String(Number(headers['webhook-timestamp']) - 1);
    await expect(verifyWebhook(secret, { ...headers, 'webhook-timestamp': moved }, body)).rejects.toThrow(/no webhook-signature matches/);
  });

  it('refuses a delivery signed with another secret', async () => {
    const { headers } = ourDelivery([newSecret()]);
    await expect(verifyWebhook(secret, headers, body)).rejects.toThrow(WebhookVerificationError);
  });

  it('refuses a correctly signed delivery whose timestamp is more than 5 minutes old', async () => {
    const { headers } = ourDelivery([secret], { timestamp: nowSeconds() - 301 });
    await expect(verifyWebhook(secret, headers, body)).rejects.toThrow(/more than 300 s away from now/);
  });

  it('refuses a correctly signed delivery whose timestamp is more than 5 minutes ahead', async () => {
    const { headers } = ourDelivery([secret], { timestamp: nowSeconds() + 301 });
    await expect(verifyWebhook(secret, headers, body)).rejects.toThrow(/more than 300 s away from now/);
  });

  it('takes a wider tolerance when told', async () => {
    const { headers } = ourDelivery([secret], { timestamp: nowSeconds() - 600 });
    await expect(verifyWebhook(secret, headers, body, { toleranceSeconds: 3600 })).resolves.toEqual(JSON.parse(body));
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const)('refuses a delivery without %s', async (name) => {
    const { headers } = ourDelivery([secret]);
    const { [name]: _removed, ...rest } = headers;
    await expect(verifyWebhook(secret, rest, body)).rejects.toThrow(/missing webhook-id, webhook-timestamp or webhook-signature/);
  });

  it('refuses a timestamp that is not whole Unix seconds', async () => {
    const { headers } = ourDelivery([secret]);
    await expect(verifyWebhook(secret, { ...headers, 'webhook-timestamp': `${headers['webhook-timestamp']}.5` }, body)).rejects.toThrow(/not Unix seconds/);
  });

  it('refuses two different webhook-id headers', async () => {
    const { headers } = ourDelivery([secret]);
    await expect(verifyWebhook(secret, { ...headers, 'webhook-id': ['evt_a', 'evt_b'] }, body)).rejects.toThrow(/more than one webhook-id/);
  });

  it('refuses a correctly signed body that is not JSON', async () => {
    const headers = signWebhook({ id: 'evt_1', timestamp: nowSeconds(), body: 'not json' }, [WebhookSecret.parse(secret)]);
    await expect(verifyWebhook(secret, headers, 'not json')).rejects.toThrow(/signed body is not JSON/);
  });

  it('throws a TypeError, not a verification error, for a malformed secret', async () => {
    const { headers } = ourDelivery([secret]);
    await expect(verifyWebhook('whsec_***', headers, body)).rejects.toThrow(TypeError);
  });

  it('throws a TypeError for a tolerance that is not a number, rather than accept every timestamp', async () => {
    const { headers } = ourDelivery([secret], { timestamp: 1 });
    await expect(verifyWebhook(secret, headers, body, { toleranceSeconds: Number.NaN })).rejects.toThrow(TypeError);
  });
});
