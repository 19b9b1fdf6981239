import type { Command } from '../cli-args.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CommandContext } from './command-context.js';

/** `job-intake retry <key>`: POST /v1/receipts/{key}/retry. A 409 (succeeded or canceled) or 404 is a refusal: exit 4. */
export async function retryCommand(command: Extract<Command, { name: 'retry' }>, ctx: CommandContext): Promise<ExitCode> {
  const receipt = await ctx.client.retry(command.key, ctx.signal === undefined ? {} : { signal: ctx.signal });
  ctx.output.receipt(receipt);
  ctx.output.note(`back in line: follow it with: job-intake receipt ${command.key} --wait`);
  return EXIT.ok;
}
