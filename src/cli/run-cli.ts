import { JobIntakeClient, type JobTypeMap } from '../client/index.js';
import { parseCommandLine } from './cli-args.js';
import { cancelCommand } from './commands/cancel.js';
import { listCommand } from './commands/list.js';
import type { CommandContext } from './commands/command-context.js';
import { receiptCommand } from './commands/receipt.js';
import { retryCommand } from './commands/retry.js';
import { submitCommand } from './commands/submit.js';
import { EXIT, exitCodeFor, type ExitCode } from './exit-codes.js';
import { createOutput } from './output.js';
import type { BarStream } from './progress-bar.js';
import { USAGE } from './usage.js';

export interface CliDeps {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: BarStream;
  readonly stdin: NodeJS.ReadableStream;
  /** Fired on Ctrl-C: waiting stops, the job goes on. */
  readonly signal?: AbortSignal;
  readonly fetch?: typeof globalThis.fetch;
}

/** Runs one command line and returns the exit code (see exit-codes.ts); prints, never exits. */
export async function runCli(deps: CliDeps): Promise<ExitCode> {
  // Known before parsing, so that even a usage error comes out as JSON when asked.
  const output = createOutput(deps.argv.includes('--json'), deps);
  try {
    const { settings, command } = parseCommandLine(deps.argv, deps.env);
    if (command.name === 'help') {
      deps.stdout.write(USAGE);
      return EXIT.ok;
    }
    const ctx: CommandContext = {
      client: new JobIntakeClient<JobTypeMap>({
        baseUrl: settings.url,
        token: settings.token,
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
        onRetry: (notice) =>
          output.note(`try ${notice.attempt} failed (${notice.reason}); retrying in ${(notice.delayMs / 1000).toFixed(1)} s`),
      }),
      output,
      stderr: deps.stderr,
      stdin: deps.stdin,
      signal: deps.signal,
    };
    switch (command.name) {
      case 'submit':
        return await submitCommand(command, ctx);
      case 'receipt':
        return await receiptCommand(command, ctx);
      case 'cancel':
        return await cancelCommand(command, ctx);
      case 'retry':
        return await retryCommand(command, ctx);
      case 'list':
        return await listCommand(command, ctx);
    }
  } catch (error) {
    if (deps.signal?.aborted === true) {
      output.note('interrupted');
      return EXIT.interrupted;
    }
    const code = exitCodeFor(error);
    if (code === undefined) {
      deps.stderr.write(`job-intake: unexpected error (a bug; please report it):\n${(error as Error).stack ?? String(error)}\n`);
      return EXIT.internal;
    }
    output.error(error as Error, code === EXIT.usage ? ['run job-intake --help for usage'] : []);
    return code;
  }
}
