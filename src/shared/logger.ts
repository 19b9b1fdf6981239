import { writeSync } from 'node:fs';
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
  return pretty ? pino(pinoOptions) : pino(pinoOptions, bufferedStdout());
}

const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_MS = 200;

/**
 * stdout, written in batches of about 4 KB and at least every 200 ms, instead of
 * one write(2) per line: the API writes a line per request and a worker one per
 * job run, and a write each was a measurable share of their CPU (docs/performance.md).
 * What is collected is written at exit, also after an uncaught exception; a
 * SIGKILL or an OOM kill loses the last 200 ms of lines, and a batch whose
 * asynchronous write is still under way at exit (stdout a full pipe) can be
 * lost, as with pino's own asynchronous destination.
 *
 * The lines are collected here and joined once per batch. sonic-boom (pino's
 * writer) then does the writing: partial writes, a full pipe, EPIPE. Left to
 * batch by itself (`minLength`), it appended each line to one growing string
 * and measured it, and V8 copied that whole string for every line.
 */
function bufferedStdout(): DestinationStream {
  // Asynchronous: a full stdout pipe then queues lines in memory instead of
  // stalling the event loop (sonic-boom sleeps on EAGAIN when synchronous).
  const stdout = pino.destination({ dest: 1, sync: false });
  let lines: string[] = [];
  let bytes = 0;
  /** The lines collected so far, as one string, and none left collected. */
  const takeCollected = (): string => {
    const batch = lines.join('');
    lines = [];
    bytes = 0;
    return batch;
  };
  const handOver = () => {
    if (lines.length > 0) stdout.write(takeCollected());
  };
  setInterval(handOver, LOG_FLUSH_MS).unref();
  // At exit nothing asynchronous completes: pino has just flushed sonic-boom
  // synchronously (older lines), and what is still collected here is written
  // after it, synchronously too, not handed to sonic-boom's asynchronous write.
  process.on('exit', () => {
    try {
      stdout.flushSync();
    } catch {
      // stdout is gone, or will not take more
    }
    writeAllSync(1, takeCollected());
  });
  return {
    write(line: string) {
      lines.push(line);
      bytes += line.length;
      if (bytes >= LOG_BATCH_BYTES) handOver();
    },
  };
}

const EXIT_WRITE_PATIENCE_MS = 2000;

/** Writes all of `text` to `fd` before returning, waiting out a full pipe for up to 2 s. */
function writeAllSync(fd: number, text: string): void {
  let rest = Buffer.from(text);
  const giveUpAt = Date.now() + EXIT_WRITE_PATIENCE_MS;
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > giveUpAt) return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // the reader is behind: sleep 10 ms
    }
  }
}
