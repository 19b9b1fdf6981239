import { z } from 'zod';

/**
 * The events a submission's callback can ask for, in the one order the service
 * keeps them (fingerprint, receipt). `started` comes once, when the job first
 * runs; the other three are the ways a job ends.
 */
export const WEBHOOK_EVENTS = ['started', 'succeeded', 'failed', 'canceled'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What a callback subscribes to when it names no events. */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEvent[] = ['succeeded', 'failed', 'canceled'];

/** Long enough for any sane URL, short enough that a callback stays a small part of the job hash. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/**
 * `{ url, events? }` as a submission carries it, read into its canonical form:
 * the default events filled in, duplicates dropped, in WEBHOOK_EVENTS order, so
 * that `["failed","succeeded"]` and `["succeeded","failed","failed"]` are one
 * request (the callback is part of the fingerprint). Whether the URL may be
 * contacted is the address guard's question, asked after this.
 */
export const callbackSchema = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .max(MAX_CALLBACK_URL_LENGTH)
      .meta({ description: 'Where the service POSTs each event, signed per Standard Webhooks: http(s), a public address (or one in OUTBOUND_ALLOW_HOSTS).' }),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .max(WEBHOOK_EVENTS.length * 2)
      .optional()
      .meta({ description: 'Default `["succeeded","failed","canceled"]`; `started` is sent once, when the job first runs.' }),
  })
  .transform(({ url, events }) => ({
    url,
    events: WEBHOOK_EVENTS.filter((event) => (events ?? DEFAULT_WEBHOOK_EVENTS).includes(event)),
  }))
  .meta({ description: 'Signed webhooks for the job\'s events; part of the request fingerprint.' });

export type Callback = z.output<typeof callbackSchema>;

/** One delivery of one event, as the receipt shows it. */
export const deliverySchema = z.object({
  event: z.enum(WEBHOOK_EVENTS),
  status: z.enum(['pending', 'delivered', 'failed']).meta({ description: '`pending` until the receiver answered 2xx (`delivered`) or the delivery gave up (`failed`).' }),
  attempts: z.number().int().meta({ description: 'POSTs tried so far.' }),
  lastStatus: z.number().int().optional().meta({ description: "The last answer's HTTP status; absent when none came (timeout, network error)." }),
  lastError: z.string().optional().meta({ description: 'Why the last try did not deliver.' }),
});
export type Delivery = z.infer<typeof deliverySchema>;

/** A delivery's state as the worker records it on the job (Delivery without its event). */
export type DeliveryRecord = Omit<Delivery, 'event'>;
