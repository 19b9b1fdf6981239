/** `job-intake --help`. The exit codes match EXIT in exit-codes.ts and the README. */
export const USAGE = `Usage: job-intake <command> [options]

Commands:
  api [--jobs FILE]     run the HTTP API (env JOB_TYPES_MODULE; without it the
                        demo job types sleep and checksum)
  worker [--jobs FILE] [--queues A,B] [--concurrency N]
                        run a worker: every queue of the job types, or those
                        named (env WORKER_QUEUES), N jobs at a time per queue
                        (env WORKER_CONCURRENCY); the rest of the configuration
                        is read from the environment (README: Configuration)
  submit <type> [--payload JSON|@file.json|@-] [--key K] [--delay MS]
         [--priority N] [--wait [--timeout S]]
                        submit a job once; without --key a UUIDv7 key is made,
                        printed, and reused by every retry
  receipt <key> [--wait [--timeout S]]
                        show a job's receipt; --wait follows it until it ends
  cancel <key>          cancel a job: a queued one at once, a running one through
                        its abort signal
  retry <key>           put a failed job back in line, with a fresh set of
                        attempts (a succeeded or canceled job is refused)
  list [--status S] [--type T] [--limit N] [--cursor C] [--all]
                        your jobs, newest first, one page (or --all pages);
                        S is queued, running, retrying, succeeded, failed or canceled

Options:
  --url URL             the service (env JOB_INTAKE_URL; default http://localhost:3000)
  --token TOKEN         bearer token (env JOB_INTAKE_TOKEN)
  --json                print JSON on stdout instead of text
  --delay MS            submit: run the job no earlier than MS milliseconds from now
  --priority N          submit: 1 is the highest; jobs without one go first
                        (--delay and --priority are part of the request: the
                        same --key with other values is refused)
  -w, --wait            wait for the job to end, with a progress bar on a terminal;
                        submit asks the service to answer when the job ends
                        (Prefer: wait), so a quick job takes one request
  --timeout SECONDS     with --wait: give up waiting after this long (the job goes on)
  -p, --payload         the job's payload: inline JSON, @file.json, or @- for stdin
  -k, --key KEY         the Idempotency-Key (1 to 255 visible ASCII characters)
  --limit N             list: jobs per page (1 to 200; the service's default 50)
  --cursor C            list: start after the page that printed this cursor
  --all                 list: every page, not only the first
  -h, --help            show this help

Exit codes:
  0  done (the job succeeded, or was accepted / shown without --wait)
  1  the job failed or was canceled
  2  usage error (bad flag, bad JSON, unreadable file, invalid key or URL)
  3  network or server error (the service unreachable, or 429/5xx after retries)
  4  refused by the service (4xx: invalid payload, bad token, unknown key, key reused)
  5  --timeout passed before the job ended
  130  interrupted (Ctrl-C) while waiting; the job goes on
`;
