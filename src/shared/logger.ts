import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Never let credentials reach a log line: API tokens travel in `authorization`,
 * the dashboard's session in `cookie` / `set-cookie`.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-admin-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'cookie',
  'token',
  '*.token',
];

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
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
  if (destination !== undefined) return pino(pinoOptions, destination);
  return pretty ? pino(pinoOptions) : pino(pinoOptions, bufferedStdout());
}

const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_MS = 200;

/**
 * stdout, written in batches of up to 4 KB and at least every 200 ms, instead of
 * one write(2) per line: the API writes a line per request and a worker one per
 * job run, and a write each was a measurable share of their CPU (docs/performance.md).
 * pino flushes what is buffered when the process exits, also after an uncaught
 * exception; only a SIGKILL or an OOM kill can lose the last 200 ms of lines.
 */
function bufferedStdout() {
  // Asynchronous: pino flushes such a stream at exit (it does not for a
  // synchronous one with minLength), and a full stdout pipe then queues lines
  // in memory instead of stalling the event loop (sonic-boom sleeps on EAGAIN).
  const stream = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  setInterval(() => stream.flush(), LOG_FLUSH_MS).unref();
  return stream;
}
