import { ServiceUnavailableError, uuidV7 } from '../../client/index.js';
import { firstWaitSeconds } from '../../client/submission-request.js';
import type { Command } from '../cli-args.js';
import { EXIT, exitCodeForReceipt, type ExitCode } from '../exit-codes.js';
import { readPayload } from '../read-payload.js';
import type { CommandContext } from './command-context.js';
import { followJob } from './follow-job.js';

/** `job-intake submit <type> [--payload ...] [--key K] [--delay MS] [--priority N] [--wait]` */
export async function submitCommand(command: Extract<Command, { name: 'submit' }>, ctx: CommandContext): Promise<ExitCode> {
  const payload = await readPayload(command.payload, ctx.stdin);
  // Made here rather than by the client, so that a failure can name it.
  const key = command.key ?? uuidV7();
  const startedAt = Date.now();
  let submitted;
  try {
    submitted = await ctx.client.submit(command.type, payload, {
      idempotencyKey: key,
      ...command.options,
      // --wait asks the service to hold its answer (Prefer: wait), by the client's
      // rule for run(): one second when a progress bar (on a terminal) will show a
      // longer job from then on, else as long as the service allows; never past --timeout.
      waitSeconds:
        command.wait === undefined
          ? 0
          : firstWaitSeconds({ timeoutMs: command.wait.timeoutMs, onProgress: ctx.stderr.isTTY === true ? 'progress bar' : undefined }),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (error) {
    if (ctx.signal?.aborted === true) {
      // Likely during the service's wait, after it accepted the job: say which key to follow.
      ctx.output.note(`interrupted: if the job was accepted it goes on; follow it with: job-intake receipt ${key} --wait`);
      return EXIT.interrupted;
    }
    if (!(error instanceof ServiceUnavailableError)) throw error;
    ctx.output.error(error, [`the job may or may not have been accepted; the same command with --key ${key} retries safely (never a second job)`]);
    return EXIT.unavailable;
  }
  if (command.wait === undefined && submitted.outcome === 'accepted') {
    ctx.output.submission(submitted, true);
    return EXIT.ok;
  }
  ctx.output.note(`${submitted.replayed ? 'already accepted (a replay: no new job)' : 'accepted'}: ${submitted.type} job with key ${key}`);
  if (submitted.outcome === 'finished') {
    ctx.output.receipt(submitted.receipt);
    return exitCodeForReceipt(submitted.receipt);
  }
  return followJob(key, { timeoutMs: command.wait?.timeoutMs, startedAt }, ctx);
}
