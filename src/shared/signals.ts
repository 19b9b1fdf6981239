import type { Logger } from 'pino';

/**
 * On SIGTERM or SIGINT, runs `shutdown` once and exits: 0 when it finished,
 * 1 when it failed or outlived `graceMs` (plus a little for closing connections).
 * A second signal while shutting down exits at once.
 */
export function exitOnSignals(options: { logger: Logger; graceMs: number; shutdown: () => Promise<void> }) {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      options.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    options.logger.info({ signal, graceMs: options.graceMs }, 'shutting down');
    const deadline = setTimeout(() => {
      options.logger.error('shutdown outlived its grace period: exiting');
      process.exit(1);
    }, options.graceMs + 5000);
    deadline.unref();
    options.shutdown().then(
      () => {
        options.logger.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        options.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
