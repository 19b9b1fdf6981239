import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { AddressGuard } from '../outbound/address-guard.js';
import type { RetrySchedule } from '../outbound/retry-schedule.js';
import { closeAll } from '../shared/close-all.js';
import type { RedisClient } from '../shared/redis.js';
import { shardPrefix } from '../shared/shards.js';
import { startCallbackSweep } from '../webhooks/callback-sweep.js';
import { createWebhookDelivery, deliveryBackoff, DELIVERY_CONCURRENCY } from '../webhooks/deliver-webhook.js';
import { createDeliveryCalls, WEBHOOK_QUEUE } from '../webhooks/delivery-jobs.js';
import { createWebhookEmitter } from '../webhooks/webhook-emitter.js';
import { consumeShardQueue, type ConsumerConfig } from './shard-queue-consumer.js';

/**
 * A worker's webhook duties in one shard it serves, whatever queues it serves
 * (`--queues` does not turn them off): it emits the events of the jobs it runs,
 * sweeps the shard's watch set for ended jobs whose worker died before emitting,
 * and delivers from the shard's delivery queue (`_webhooks`).
 */
export function serveShardWebhooks(deps: {
  config: ConsumerConfig & Pick<Config, 'webhookSecrets'>;
  connection: RedisClient;
  logger: Logger;
  index: number;
  schedule: RetrySchedule;
  guard: AddressGuard;
}) {
  const { config, connection, schedule } = deps;
  const prefix = shardPrefix(config.QUEUE_PREFIX, deps.index);
  const logger = deps.logger.child({ shard: deps.index });
  const deliveries = createDeliveryCalls({ connection, prefix, attempts: schedule.attempts, logger });
  const emitter = createWebhookEmitter({ connection, prefix, deliveries, logger });
  const delivery = createWebhookDelivery({ connection, prefix, secrets: config.webhookSecrets, guard: deps.guard, logger });
  const consumer = consumeShardQueue({
    config,
    connection,
    logger: deps.logger,
    index: deps.index,
    queueName: WEBHOOK_QUEUE,
    processor: delivery.deliver,
    concurrency: DELIVERY_CONCURRENCY,
    settings: { backoffStrategy: deliveryBackoff(schedule) },
  });
  // At the pace of BullMQ's stall check: both make up for a worker that died.
  const sweep = startCallbackSweep({ connection, prefix, emitter, intervalMs: config.STALLED_INTERVAL_MS, logger });

  return {
    emitter,
    /** The delivery queue's consumer: closed with the job queues', within the same grace. */
    consumer,
    /** After the consumers: the emits in flight, the sweep, the queues opened for reading. */
    close: () =>
      closeAll([
        ['webhook emits in flight', () => emitter.close()],
        ['webhook sweep', () => sweep.stop()],
        ['webhook delivery', () => delivery.close()],
        ['webhook queue', () => deliveries.close()],
      ]),
  };
}
