import {
  RequestRefusedError,
  ServiceUnavailableError,
  type JobOptions,
  type JobReceipt,
  type ListedJob,
  type Submission,
} from '../client/index.js';

export interface OutputStreams {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { readonly isTTY?: boolean; write(text: string): unknown };
}

const RECEIPT_FIELDS: ReadonlyArray<[label: string, read: (r: JobReceipt) => unknown]> = [
  ['key', (r) => r.key],
  ['type', (r) => r.type],
  ['status', (r) => r.status],
  ['attempts', (r) => r.attempts],
  ['progress', (r) => r.progress],
  ['created', (r) => r.createdAt],
  ['options', (r) => scheduling(r.options)],
  ['started', (r) => r.startedAt],
  ['finished', (r) => r.finishedAt],
  ['result', (r) => (r.result === undefined ? undefined : JSON.stringify(r.result))],
  ['error', (r) => r.error?.message],
];

/** `delay 1500 ms, priority 3`; undefined (no line) for a job submitted without options. */
function scheduling(options: JobOptions | undefined): string | undefined {
  const parts = [
    options?.delayMs === undefined ? undefined : `delay ${options.delayMs} ms`,
    options?.priority === undefined ? undefined : `priority ${options.priority}`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? undefined : parts.join(', ');
}

/**
 * Everything the CLI prints. Results go to stdout: text for people, or one JSON
 * document with --json for scripts. Errors and notes go to stderr as text
 * always; with --json, errors also go to stdout as `{ "error": ... }`.
 */
export function createOutput(json: boolean, streams: OutputStreams) {
  const out = (text: string) => streams.stdout.write(`${text}\n`);
  // On a terminal, erase a progress bar that may be on the line first.
  const lineStart = streams.stderr.isTTY === true ? '\r\x1b[2K' : '';
  const err = (text: string) => streams.stderr.write(`${lineStart}${text}\n`);
  return {
    submission(submission: Submission, follow: boolean): void {
      if (json) return void out(JSON.stringify(submission));
      const what = submission.replayed ? 'already accepted (a replay: no new job)' : 'accepted';
      out(`${what}: ${submission.type} job with key ${submission.key}, ${submission.status}`);
      if (follow) out(`follow it with: job-intake receipt ${submission.key} --wait`);
    },

    receipt(receipt: JobReceipt): void {
      if (json) return void out(JSON.stringify(receipt));
      for (const [label, read] of RECEIPT_FIELDS) {
        const value = read(receipt);
        if (value !== undefined) out(`${label.padEnd(9)} ${String(value)}`);
      }
    },

    /** Jobs of a list: a table, or `{ items, nextCursor? }` with --json. */
    jobs(items: readonly ListedJob[], nextCursor: string | undefined): void {
      if (json) return void out(JSON.stringify({ items, ...(nextCursor === undefined ? {} : { nextCursor }) }));
      if (items.length === 0) return;
      const rows = [['KEY', 'TYPE', 'STATUS', 'ATTEMPTS', 'CREATED'], ...items.map((r) => [r.key, r.type, r.status, String(r.attempts), r.createdAt])];
      const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
      for (const row of rows) out(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
    },

    /** Side information for people (stderr, never in the way of stdout). */
    note(text: string): void {
      if (!json) err(text);
    },

    error(error: Error, hints: readonly string[] = []): void {
      err(`job-intake: ${describe(error)}`);
      if (error instanceof RequestRefusedError) {
        for (const field of error.problem.errors ?? []) err(`  ${field.in} ${field.pointer || '(whole)'}: ${field.detail}`);
      }
      for (const hint of hints) err(hint);
      if (json) out(JSON.stringify({ error: errorJson(error) }));
    },
  };
}

export type Output = ReturnType<typeof createOutput>;

function describe(error: Error): string {
  if (error instanceof RequestRefusedError) {
    const { problem } = error;
    return `refused by the service (${problem.status} ${problem.title})${problem.detail === undefined ? '' : `: ${problem.detail}`}`;
  }
  if (error instanceof ServiceUnavailableError) return `service unavailable: ${error.message}`;
  return error.message;
}

function errorJson(error: Error): Record<string, unknown> {
  return {
    name: error.name,
    message: error.message,
    ...(error instanceof RequestRefusedError ? { status: error.status, problem: error.problem } : {}),
    ...(error instanceof ServiceUnavailableError
      ? { attempts: error.details.attempts, key: error.details.key, problem: error.details.problem }
      : {}),
  };
}
