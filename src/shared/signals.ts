import type { Logger } from 'pino';
import { exitAfterLogs } from './logger.js';

/** Past the grace period, what closing connections may take before the process gives up. */
const CLOSE_MARGIN_MS = 5000;

/**
 * On SIGTERM or SIGINT, runs `shutdown` once and exits: 0 when it finished,
 * 1 when it failed or outlived `deadlineMs` (by default `graceMs` plus a little
 * for closing connections; a shutdown made of close steps passes the sum of
 * their timeouts, so this deadline never cuts a step short of its own).
 * A second signal while shutting down exits at once.
 */
export function exitOnSignals(options: { logger: Logger; graceMs: number; deadlineMs?: number; shutdown: () => Promise<void> }) {
  const deadlineMs = options.deadlineMs ?? options.graceMs + CLOSE_MARGIN_MS;
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      options.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    options.logger.info({ signal, graceMs: options.graceMs, deadlineMs }, 'shutting down');
    const deadline = setTimeout(() => {
      options.logger.error({ deadlineMs }, 'shutdown outlived its deadline: exiting');
      exitAfterLogs(options.logger, 1);
    }, deadlineMs);
    deadline.unref();
    options.shutdown().then(
      () => {
        options.logger.info('shut down cleanly');
        exitAfterLogs(options.logger, 0);
      },
      (err: unknown) => {
        options.logger.error({ err }, 'shutdown failed');
        exitAfterLogs(options.logger, 1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
