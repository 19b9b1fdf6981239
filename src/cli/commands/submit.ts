import { ServiceUnavailableError, uuidV7 } from '../../client/index.js';
import type { Command } from '../cli-args.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { readPayload } from '../read-payload.js';
import type { CommandContext } from './command-context.js';
import { followJob } from './follow-job.js';

/** `job-intake submit <type> [--payload ...] [--key K] [--wait]` */
export async function submitCommand(command: Extract<Command, { name: 'submit' }>, ctx: CommandContext): Promise<ExitCode> {
  const payload = await readPayload(command.payload, ctx.stdin);
  // Made here rather than by the client, so that a failure can name it.
  const key = command.key ?? uuidV7();
  let submission;
  try {
    submission = await ctx.client.submit(command.type, payload, { idempotencyKey: key, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } catch (error) {
    if (!(error instanceof ServiceUnavailableError)) throw error;
    ctx.output.error(error, [`the job may or may not have been accepted; the same command with --key ${key} retries safely (never a second job)`]);
    return EXIT.unavailable;
  }
  if (command.wait === undefined) {
    ctx.output.submission(submission, true);
    return EXIT.ok;
  }
  ctx.output.note(`${submission.replayed ? 'already accepted (a replay: no new job)' : 'accepted'}: ${submission.type} job with key ${key}`);
  return followJob(key, command.wait.timeoutMs, ctx);
}
