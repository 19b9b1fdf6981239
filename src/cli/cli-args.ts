import { parseArgs } from 'node:util';
import { isValidIdempotencyKey, type JobOptions } from '../client/index.js';
import { UsageError } from './usage-error.js';

export const DEFAULT_URL = 'http://localhost:3000';

/** How to reach the service and how to print. */
export interface CliSettings {
  readonly url: URL;
  readonly token: string | undefined;
  readonly json: boolean;
}

export type Command =
  | { readonly name: 'help' }
  | {
      readonly name: 'submit';
      readonly type: string;
      readonly payload: string | undefined;
      readonly key: string | undefined;
      readonly options: JobOptions;
      readonly wait: WaitFlag;
    }
  | { readonly name: 'receipt'; readonly key: string; readonly wait: WaitFlag }
  | { readonly name: 'cancel'; readonly key: string }
  | { readonly name: 'retry'; readonly key: string }
  | {
      readonly name: 'list';
      readonly status?: string;
      readonly type?: string;
      readonly limit?: number;
      readonly cursor?: string;
      /** Follow every page, not only the first. */
      readonly all: boolean;
    };

/** --wait and its --timeout: undefined when not waiting; `timeoutMs` undefined means no limit. */
export type WaitFlag = { readonly timeoutMs: number | undefined } | undefined;

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  wait: { type: 'boolean', short: 'w' },
  timeout: { type: 'string' },
  payload: { type: 'string', short: 'p' },
  key: { type: 'string', short: 'k' },
  delay: { type: 'string' },
  priority: { type: 'string' },
  status: { type: 'string' },
  type: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
} as const;

/** Flags each command takes besides --url, --token, --json and --help. */
const COMMAND_FLAGS: Record<string, ReadonlyArray<string>> = {
  submit: ['wait', 'timeout', 'payload', 'key', 'delay', 'priority'],
  receipt: ['wait', 'timeout'],
  cancel: [],
  retry: [],
  list: ['status', 'type', 'limit', 'cursor', 'all'],
};

/** Reads the command line; flags win over JOB_INTAKE_URL and JOB_INTAKE_TOKEN. Throws UsageError. */
export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>>) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const token = values.token ?? (env.JOB_INTAKE_TOKEN === '' ? undefined : env.JOB_INTAKE_TOKEN);
  // Checked here: fetch would refuse such a header, and it would look like a network error.
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) throw new UsageError('the token must be visible ASCII characters');
  const settings: CliSettings = {
    url: parseUrl(values.url ?? env.JOB_INTAKE_URL ?? DEFAULT_URL),
    token,
    json: values.json === true,
  };
  const [name, target, ...extra] = positionals;
  if (values.help === true || name === 'help' || (name === undefined && argv.length === 0)) {
    return { settings, command: { name: 'help' } as const };
  }
  if (name === undefined || !(name in COMMAND_FLAGS)) {
    throw new UsageError(name === undefined ? 'no command given' : `unknown command "${name}"`);
  }
  if (name === 'list') {
    if (target !== undefined) throw new UsageError(`unexpected argument "${target}"`);
  } else {
    if (target === undefined) throw new UsageError(`${name} needs ${name === 'submit' ? 'a job type' : 'a key'}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  }
  const allowed = COMMAND_FLAGS[name]!;
  for (const flag of Object.keys(values)) {
    if (!['url', 'token', 'json', 'help', ...allowed].includes(flag)) throw new UsageError(`${name} does not take --${flag}`);
  }
  return { settings, command: commandFrom(name, target ?? '', values) };
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

function commandFrom(name: string, target: string, values: Values): Command {
  const wait = waitFlag(values.wait === true, values.timeout);
  switch (name) {
    case 'submit':
      return {
        name,
        type: target,
        payload: values.payload,
        key: values.key === undefined ? undefined : checkedKey(values.key),
        options: {
          ...(values.delay === undefined ? {} : { delayMs: wholeNumber('--delay', values.delay) }),
          ...(values.priority === undefined ? {} : { priority: wholeNumber('--priority', values.priority) }),
        },
        wait,
      };
    case 'receipt':
      return { name, key: checkedKey(target), wait };
    case 'list':
      return {
        name,
        ...(values.status === undefined ? {} : { status: values.status }),
        ...(values.type === undefined ? {} : { type: values.type }),
        ...(values.limit === undefined ? {} : { limit: wholeNumber('--limit', values.limit) }),
        ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
        all: values.all === true,
      };
    case 'cancel':
    case 'retry':
      return { name, key: checkedKey(target) };
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the URL must be http or https: "${text}"`);
  return url;
}

function checkedKey(key: string): string {
  if (!isValidIdempotencyKey(key)) throw new UsageError(`invalid key "${key}": use 1 to 255 visible ASCII characters, not starting with '"'`);
  return key;
}

/**
 * Digits only: `--delay 1.5` or `--priority high` is a typo to report here. The
 * ranges (priority from 1, delay up to 30 days) are the service's to check: its
 * 400 names the field, and a newer service may allow more.
 */
function wholeNumber(flag: string, text: string): number {
  if (!/^\d{1,15}$/.test(text.trim())) throw new UsageError(`${flag} takes a whole number, not "${text}"`);
  return Number(text);
}

function waitFlag(wait: boolean, timeout: string | undefined): WaitFlag {
  if (timeout === undefined) return wait ? { timeoutMs: undefined } : undefined;
  if (!wait) throw new UsageError('--timeout only applies with --wait');
  const seconds = Number(timeout);
  if (timeout.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--timeout takes a number of seconds above 0, not "${timeout}"`);
  }
  return { timeoutMs: seconds * 1000 };
}
