import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry of its own for each app or worker, never prom-client's global one:
 * tests build several side by side, and nothing registers on import.
 *
 * `processMetrics` adds Node's process metrics (CPU, memory, event-loop lag, GC).
 * Only main.ts turns it on: they describe the process, and each call installs
 * observers that live as long as the process does.
 */
export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  return registry;
}
