import type { AddressGuard } from '../outbound/address-guard.js';
import type { WebhookSecrets } from '../outbound/webhook-secrets.js';
import type { Callback } from '../shared/callback.js';
import { ProblemError } from './problems.js';

/**
 * What a submission's callback must pass before anything is created: a secret
 * to sign its webhooks with (an unsigned webhook could not be told from a
 * forged one), and a URL the address guard lets through, its name resolved now
 * (the worker's connect-time check still stands: a name may resolve elsewhere
 * later). A replay is checked too: this comes before the enqueue.
 */
export function createCallbackCheck(deps: { secrets: WebhookSecrets; guard: AddressGuard }) {
  return async function checkCallback(tenant: string, callback: Callback): Promise<void> {
    if (deps.secrets.secretsFor(tenant).length === 0) {
      throw new ProblemError(
        'callbacks-not-configured',
        'This service has no webhook secret for your tenant (WEBHOOK_SECRET or WEBHOOK_SECRETS), so it cannot sign callbacks. Submit without `callback`, or ask its operator to set one.',
      );
    }
    const refusal = await deps.guard.checkUrlAtSubmission(callback.url);
    if (refusal !== undefined) {
      throw new ProblemError('callback-url-not-allowed', `The callback URL may not be contacted: ${refusal}.`, {
        errors: [{ in: 'body', pointer: '/callback/url', detail: refusal }],
      });
    }
  };
}

export type CallbackCheck = ReturnType<typeof createCallbackCheck>;
