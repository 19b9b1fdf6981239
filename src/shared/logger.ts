import { pino, type DestinationStream, type Logger } from 'pino';
import { redactSecrets, secretFieldSerializers } from './log-redaction.js';

/**
 * JSON to stdout; pretty only when a person watches a terminal in development.
 * `destination` lets a test read the lines the service writes.
 */
export function createLogger(
  options: { level: string; name: string; pretty?: boolean },
  destination?: DestinationStream,
): Logger {
  const pretty = destination === undefined && (options.pretty ?? process.stdout.isTTY === true);
  const pinoOptions = {
    name: options.name,
    level: options.level,
    // Never let credentials reach a log line (log-redaction.ts).
    formatters: { log: redactSecrets },
    serializers: secretFieldSerializers, // and a child logger's bindings
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
  if (destination !== undefined) return pino(pinoOptions, destination);
  // pino's asynchronous destination: a line costs no write(2) of its own (lines
  // queue while a write is under way) and a full stdout pipe does not stall the
  // event loop. pino writes what is queued synchronously at exit; exitAfterLogs
  // (signals.ts) waits for the write under way too. A crash can lose that one.
  return pretty ? pino(pinoOptions) : pino(pinoOptions, pino.destination({ dest: 1, sync: false }));
}

const LOG_WRITE_PATIENCE_MS = 2000;

/**
 * Exits once every line logged so far is on stdout (for up to 2 s): the last
 * lines of a deliberate exit ("shut down cleanly") must not be lost to the
 * write still under way, which pino's own flush at exit does not wait for.
 */
export function exitAfterLogs(logger: Logger, code: number): void {
  // pino's destination is a sonic-boom stream: end() writes what is queued, then 'close'.
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { end?: () => void; once?: (event: 'close', listener: () => void) => void; destroyed?: boolean };
  const exit = () => process.exit(code);
  if (typeof stream.end !== 'function' || stream.destroyed === true) return exit();
  setTimeout(exit, LOG_WRITE_PATIENCE_MS).unref();
  stream.once?.('close', exit);
  stream.end();
}
