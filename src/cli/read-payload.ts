import { readFile } from 'node:fs/promises';
import { UsageError } from './usage-error.js';

/**
 * `--payload` as the user wrote it: inline JSON, `@path/to/file.json`, or `@-`
 * for standard input (curl's convention). Absent means `{}`: the service's
 * schema then says which fields are missing.
 */
export async function readPayload(arg: string | undefined, stdin: NodeJS.ReadableStream): Promise<unknown> {
  if (arg === undefined) return {};
  let text = arg;
  let source = '--payload';
  if (arg.startsWith('@')) {
    const path = arg.slice(1);
    source = path === '-' ? 'standard input' : path;
    try {
      text = path === '-' ? await readAll(stdin) : await readFile(path, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the payload from ${source}: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`the payload in ${source} is not valid JSON: ${(err as Error).message}`);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
