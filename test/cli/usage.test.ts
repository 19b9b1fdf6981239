import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

// None of these reach a service: the URL points nowhere, and must never be tried.
const NOWHERE = { JOB_INTAKE_URL: 'http://127.0.0.1:9' };

describe('job-intake usage', () => {
  it('prints the help, with the commands and every exit code, and exits 0', async () => {
    const run = await runCli(['--help']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: job-intake <command> [options]');
    expect(run.stdout).toMatch(/--delay MS +submit: run the job no earlier than MS milliseconds from now/);
    expect(run.stdout).toMatch(/--priority N +submit: 1 is the highest/);
    for (const code of ['0  done', '1  the job failed', '2  usage error', '3  network or server error', '4  refused', '5  --timeout']) {
      expect(run.stdout).toContain(code);
    }
    expect(run.stderr).toBe('');
  });

  it.each([
    [['frobnicate', 'x'], 'unknown command "frobnicate"'],
    [['submit'], 'submit needs a job type'],
    [['receipt'], 'receipt needs a key'],
    [['submit', 'sleep', '--colour'], "Unknown option '--colour'"],
    [['receipt', 'k', '--payload', '{}'], 'receipt does not take --payload'],
    [['cancel', 'k', '--wait'], 'cancel does not take --wait'],
    [['submit', 'sleep', '--timeout', '5'], '--timeout only applies with --wait'],
    [['receipt', 'k', '--wait', '--timeout', 'soon'], '--timeout takes a number of seconds above 0, not "soon"'],
    [['receipt', 'clé'], 'invalid key "clé"'],
    [['submit', 'sleep', '--key', ''], 'invalid key ""'],
    [['receipt', 'k', '--url', '//no-scheme'], 'not a URL: "//no-scheme"'],
    [['receipt', 'k', '--url', 'localhost:3000'], 'the URL must be http or https: "localhost:3000"'],
    [['receipt', 'k', '--url', 'ftp://example.test'], 'the URL must be http or https'],
    [['submit', 'sleep', '--payload', '{"ms":'], 'the payload in --payload is not valid JSON'],
    [['submit', 'sleep', '--payload', '@/nonexistent/payload.json'], 'cannot read the payload from /nonexistent/payload.json'],
    [['receipt', 'k', 'extra'], 'unexpected argument "extra"'],
    [['retry'], 'retry needs a key'],
    [['retry', 'k', '--wait'], 'retry does not take --wait'],
    [['list', 'failed'], 'unexpected argument "failed"'],
    [['list', '--limit', 'all'], '--limit takes a whole number, not "all"'],
    [['list', '--key', 'k'], 'list does not take --key'],
    [['submit', 'sleep', '--delay', 'soon'], '--delay takes a whole number, not "soon"'],
    [['submit', 'sleep', '--priority', '1.5'], '--priority takes a whole number, not "1.5"'],
    [['receipt', 'k', '--delay', '5'], 'receipt does not take --delay'],
    [['cancel', 'k', '--priority', '1'], 'cancel does not take --priority'],
  ])('exits 2 and explains %j', async (args, message) => {
    const run = await runCli(args, { env: NOWHERE });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`job-intake: ${message}`);
    expect(run.stderr).toContain('run job-intake --help for usage');
    expect(run.stdout).toBe('');
  });

  it('reports a usage error as JSON on stdout with --json', async () => {
    const run = await runCli(['submit', 'sleep', '--json', '--payload', 'nope'], { env: NOWHERE });

    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      error: { name: 'UsageError', message: expect.stringContaining('the payload in --payload is not valid JSON') },
    });
  });

  it('refuses a token fetch could not send, as a usage error', async () => {
    const run = await runCli(['receipt', 'k'], { env: { ...NOWHERE, JOB_INTAKE_TOKEN: 'tök en' } });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the token must be visible ASCII characters');
  });
});
