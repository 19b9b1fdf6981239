import { JobTimeoutError } from '../../client/index.js';
import { EXIT, exitCodeForReceipt, type ExitCode } from '../exit-codes.js';
import { createProgressBar } from '../progress-bar.js';
import type { CommandContext } from './command-context.js';

/**
 * Waits for a job to end, drawing a progress bar on a terminal, and prints its
 * final receipt. Stopping to wait (a timeout, Ctrl-C) leaves the job running,
 * and says how to pick it up again.
 */
export async function followJob(
  key: string,
  /** --timeout, counted from `startedAt` (default now): for submit, from when the job was sent. */
  limit: { readonly timeoutMs: number | undefined; readonly startedAt?: number },
  ctx: CommandContext,
): Promise<ExitCode> {
  const bar = createProgressBar(ctx.stderr);
  const again = `the job goes on; follow it with: job-intake receipt ${key} --wait`;
  try {
    const receipt = await ctx.client.wait(key, {
      ...(limit.timeoutMs === undefined ? {} : { timeoutMs: limit.timeoutMs }),
      ...(limit.startedAt === undefined ? {} : { startedAt: limit.startedAt }),
      // Without a bar to feed, one long-poll per 30 s is all it takes.
      ...(bar.enabled ? { onProgress: (_progress, latest) => bar.update(latest) } : {}),
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    });
    bar.clear();
    ctx.output.receipt(receipt);
    return exitCodeForReceipt(receipt);
  } catch (error) {
    bar.clear();
    if (error instanceof JobTimeoutError) {
      ctx.output.error(error, [again]);
      return EXIT.timeout;
    }
    if (ctx.signal?.aborted === true) {
      ctx.output.note(`interrupted: ${again}`);
      return EXIT.interrupted;
    }
    throw error;
  }
}
