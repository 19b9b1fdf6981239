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
  return destination === undefined ? pino(pinoOptions) : pino(pinoOptions, destination);
}
