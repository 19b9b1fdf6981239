import { TENANT_PATTERN } from '../shared/api-keys.js';
import { WebhookSecret } from './webhook-signature.js';

/** Which secrets sign a tenant's webhooks. */
export interface WebhookSecrets {
  /**
   * The tenant's own secrets when WEBHOOK_SECRETS lists it, else WEBHOOK_SECRET's;
   * empty when neither is set (the caller must not send an unsigned webhook).
   * Several secrets mean a rotation: each delivery carries one signature per secret.
   */
  secretsFor(tenant: string): readonly WebhookSecret[];
  /** True when WEBHOOK_SECRET or WEBHOOK_SECRETS holds at least one secret. */
  readonly configured: boolean;
}

/** The two variables as read from the environment; empty strings count as unset. */
export interface WebhookSecretsEnv {
  /** `whsec_...`, or `whsec_new,whsec_old` while rotating: every tenant's secret. */
  WEBHOOK_SECRET?: string | undefined;
  /** `tenant:whsec_...,tenant2:whsec_...`; list a tenant twice to rotate its secret. */
  WEBHOOK_SECRETS?: string | undefined;
}

function entries(text: string | undefined): string[] {
  return (text ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}

function parseOne(text: string, where: string): WebhookSecret {
  try {
    return WebhookSecret.parse(text);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Parses WEBHOOK_SECRET and WEBHOOK_SECRETS into a lookup. Pure (no env access, no
 * I/O), so a zod transform or loadConfig can call it. Throws an Error whose message
 * starts with the variable's name and says which entry is wrong, never the secret.
 */
export function parseWebhookSecrets(env: WebhookSecretsEnv): WebhookSecrets {
  const fallback = entries(env.WEBHOOK_SECRET).map((text, index) => parseOne(text, `WEBHOOK_SECRET: entry ${index + 1}`));
  const byTenant = new Map<string, WebhookSecret[]>();
  entries(env.WEBHOOK_SECRETS).forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const tenant = entry.slice(0, colon);
    if (colon < 1 || !TENANT_PATTERN.test(tenant)) {
      throw new Error(`WEBHOOK_SECRETS: entry ${index + 1} must be tenant:whsec_..., the tenant of [A-Za-z0-9_.-]{1,64}`);
    }
    const secret = parseOne(entry.slice(colon + 1), `WEBHOOK_SECRETS: entry ${index + 1} (tenant "${tenant}")`);
    byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), secret]);
  });
  Object.freeze(fallback);
  for (const list of byTenant.values()) Object.freeze(list);
  return Object.freeze({ secretsFor: (tenant: string) => byTenant.get(tenant) ?? fallback, configured: fallback.length > 0 || byTenant.size > 0 });
}
