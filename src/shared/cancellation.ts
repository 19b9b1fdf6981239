/** The failedReason of a canceled job: the receipt shows status `canceled` for it. */
export const CANCELED_REASON = 'canceled by request';

/** Pub/sub channel on which the API asks every worker to abort a running job. */
export function cancelChannel(queuePrefix: string): string {
  return `${queuePrefix}:jobs:cancel`;
}
