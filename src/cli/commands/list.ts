import type { ListedJob } from '../../client/index.js';
import type { Command } from '../cli-args.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CommandContext } from './command-context.js';

/**
 * `job-intake list [--status S] [--type T] [--limit N] [--cursor C] [--all]`:
 * one page of the caller's jobs, newest first (GET /v1/jobs), or every page
 * with --all. Without --all, a list that goes on says how to get the next page.
 */
export async function listCommand(command: Extract<Command, { name: 'list' }>, ctx: CommandContext): Promise<ExitCode> {
  const { status, type, limit, cursor } = command;
  const pages = ctx.client.list({ status: status as ListedJob['status'], type, limit, cursor, signal: ctx.signal });
  const items: ListedJob[] = [];
  let nextCursor: string | undefined;
  for await (const page of pages) {
    items.push(...page.items);
    nextCursor = page.nextCursor;
    if (!command.all) break;
  }
  ctx.output.jobs(items, nextCursor);
  if (nextCursor !== undefined) ctx.output.note(`more jobs may follow: job-intake list${flagsOf(command)} --cursor ${nextCursor}`);
  else if (items.length === 0) ctx.output.note('no jobs');
  return EXIT.ok;
}

/** The command's own filters, to repeat them in the next page's command. */
function flagsOf(command: Extract<Command, { name: 'list' }>): string {
  return [
    command.status === undefined ? '' : ` --status ${command.status}`,
    command.type === undefined ? '' : ` --type ${command.type}`,
    command.limit === undefined ? '' : ` --limit ${command.limit}`,
  ].join('');
}
