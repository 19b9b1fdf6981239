#!/usr/bin/env node
// `job-intake` on the command line (package.json "bin"). The only file that
// touches process: everything else takes its streams and environment as deps.
import { runCli } from './run-cli.js';

const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort(new Error('interrupted'));
  // A second Ctrl-C means now.
  process.once('SIGINT', () => process.exit(130));
});

process.exitCode = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signal: interrupt.signal,
});
