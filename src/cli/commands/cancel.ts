import { RequestRefusedError } from '../../client/index.js';
import type { Command } from '../cli-args.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CommandContext } from './command-context.js';

/** `job-intake cancel <key>`: DELETE /v1/receipts/{key}. */
export async function cancelCommand(command: Extract<Command, { name: 'cancel' }>, ctx: CommandContext): Promise<ExitCode> {
  try {
    const receipt = await ctx.client.cancel(command.key, ctx.signal === undefined ? {} : { signal: ctx.signal });
    ctx.output.receipt(receipt);
    if (receipt.status !== 'canceled') {
      ctx.output.note(`cancel requested: the job ends canceled once its handler stops; follow it with: job-intake receipt ${command.key} --wait`);
    }
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof RequestRefusedError)) throw error;
    // An older service, without cancellation, answers 405 or 404 "No route for
    // DELETE ...": say so, rather than leave the user to think the key is unknown.
    const noRoute = error.status === 405 || (error.status === 404 && error.problem.detail?.startsWith('No route') === true);
    ctx.output.error(error, noRoute ? ['this service does not support cancellation (DELETE /v1/receipts/{key}) yet'] : []);
    return EXIT.refused;
  }
}
