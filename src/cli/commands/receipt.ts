import type { Command } from '../cli-args.js';
import { exitCodeForReceipt, type ExitCode } from '../exit-codes.js';
import type { CommandContext } from './command-context.js';
import { followJob } from './follow-job.js';

/** `job-intake receipt <key> [--wait]` */
export async function receiptCommand(command: Extract<Command, { name: 'receipt' }>, ctx: CommandContext): Promise<ExitCode> {
  if (command.wait !== undefined) return followJob(command.key, { timeoutMs: command.wait.timeoutMs }, ctx);
  const receipt = await ctx.client.receipt(command.key, ctx.signal === undefined ? {} : { signal: ctx.signal });
  ctx.output.receipt(receipt);
  return exitCodeForReceipt(receipt);
}
