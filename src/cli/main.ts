#!/usr/bin/env node
// `job-intake` on the command line (package.json "bin"). `api` and `worker`
// run the service (their code is loaded only for them); every other command is
// the client's, and only this file touches process for those: everything else
// takes its streams and environment as deps.
import { runCli } from './run-cli.js';

const [command, ...rest] = process.argv.slice(2);
if (command === 'api' || command === 'worker') {
  const { runServerCommand } = await import('./server-command.js');
  await runServerCommand(command, rest, process.env);
} else {
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
}
