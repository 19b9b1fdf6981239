/**
 * `npm run bench:ab -- <dirA> <dirB> [--rounds N] [--seconds S] [--keys unique|duplicate-heavy|both]
 *   [--label name] [--log-level L] [--env K=V] [--env-a K=V] [--env-b K=V]`
 *
 * An interleaved A/B of two built job-intake checkouts (each with `dist/`):
 * each round runs A and B, alternating which goes first, each on a fresh
 * private redis-server under the same wrk load as `npm run bench` (auth on,
 * logs at info unless told). Per round: req/s, API and Redis CPU µs per
 * request, non-2xx, and the B/A ratios; then the medians. The same dir twice
 * with different `--env-a`/`--env-b` is an A/A check or an env comparison
 * (say `--env-b LOG_LEVEL=warn`). JSON to bench/results/ab/<label>-<keys>.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureHttp, type CellRun, type IntakeCell } from './http-intake.js';
import { ensureWrk } from './load/wrk.js';
import { intakeApiEntryIn, projectRoot, resultsDir } from './paths.js';
import { benchSettings } from './settings.js';
import { ratio, spread } from './stats.js';
import { intakeEnv } from './subjects/http-subjects.js';

const usage = 'usage: npm run bench:ab -- <dirA> <dirB> [--rounds N] [--seconds S] [--warmup S] [--keys unique|duplicate-heavy|both] [--label name] [--log-level L] [--env K=V] [--env-a K=V] [--env-b K=V]';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    keys: { type: 'string', default: 'unique' },
    label: { type: 'string' },
    'log-level': { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
    'env-a': { type: 'string', multiple: true, default: [] },
    'env-b': { type: 'string', multiple: true, default: [] },
  },
});
const log = (line: string) => process.stderr.write(`[bench:ab] ${line}\n`);
const fail = (message: string): never => {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
};

if (positionals.length !== 2) fail('two checkout directories, A and B');
const dirs = positionals.map((dir) => resolve(dir)) as [string, string];
for (const dir of dirs) if (!existsSync(intakeApiEntryIn(dir)[0])) fail(`${dir}: no ${intakeApiEntryIn(dir)[0]} (run npm run build there)`);
const keyModes: Array<IntakeCell['keys']> =
  values.keys === 'both' ? ['unique', 'duplicate-heavy'] : values.keys === 'unique' || values.keys === 'duplicate-heavy' ? [values.keys] : fail(`--keys ${values.keys}?`);
const positive = (name: string, value: string) => (Number(value) > 0 ? Number(value) : fail(`--${name} must be a positive number`));
const rounds = positive('rounds', values.rounds);
const settings = { ...benchSettings({}), durationSeconds: positive('seconds', values.seconds), warmupSeconds: positive('warmup', values.warmup) };

const parseEnv = (pairs: string[]): Record<string, string> =>
  Object.fromEntries(pairs.map((pair) => (pair.includes('=') ? [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] : fail(`--env ${pair}: K=V`))));
const common = { ...(values['log-level'] === undefined ? {} : { LOG_LEVEL: values['log-level'] }), ...parseEnv(values.env) };

interface AbSide {
  readonly name: 'A' | 'B';
  readonly dir: string;
  readonly commit: string;
  /** What this side's API gets on top of the bench's job-intake environment. */
  readonly env: Record<string, string>;
}

function makeSide(name: AbSide['name'], dir: string, extra: string[]): AbSide {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout: the dir is the record
  }
  return { name, dir, commit, env: { ...common, ...parseEnv(extra) } };
}
const sides = [makeSide('A', dirs[0], values['env-a']), makeSide('B', dirs[1], values['env-b'])] as const;
const serverOf = (s: AbSide) => ({ entry: intakeApiEntryIn(s.dir), env: (url: string, prefix: string) => ({ ...intakeEnv(url, prefix), ...s.env }) });
const label = values.label ?? `${basename(dirs[0])}-vs-${basename(dirs[1])}`.replace(/[^\w.-]+/g, '_');

interface Round {
  readonly round: number;
  readonly first: 'A' | 'B';
  readonly a: CellRun;
  readonly b: CellRun;
  readonly ratios: { rps: number; apiCpu: number; redisCpu: number };
}

const brief = (r: CellRun) =>
  `${Math.round(r.requestsPerSecond)} req/s, API ${Math.round(r.subjectCpuUsPerRequest)} µs/req, Redis ${Math.round(r.redisCpuUsPerRequest)} µs/req, non-2xx ${r.non2xx}`;
const f2 = (n: number) => n.toFixed(3);

ensureWrk();
for (const side of sides) log(`${side.name}: ${side.dir} (${side.commit}) env ${JSON.stringify(side.env)}`);
const byKeys = new Map<IntakeCell['keys'], Round[]>(keyModes.map((keys) => [keys, []]));
for (let round = 1; round <= rounds; round += 1) {
  for (const keys of keyModes) {
    // Alternate the order: a machine warming up or a neighbour's burst then favours neither side.
    const order = round % 2 === 1 ? [0, 1] : [1, 0];
    const runs: CellRun[] = [];
    for (const i of order) runs[i] = await measureHttp(serverOf(sides[i]!), keys, settings, round);
    const [a, b] = runs as [CellRun, CellRun];
    const ratios = { rps: ratio(b.requestsPerSecond, a.requestsPerSecond), apiCpu: ratio(b.subjectCpuUsPerRequest, a.subjectCpuUsPerRequest), redisCpu: ratio(b.redisCpuUsPerRequest, a.redisCpuUsPerRequest) };
    byKeys.get(keys)!.push({ round, first: order[0] === 0 ? 'A' : 'B', a, b, ratios });
    log(`${keys} round ${round}: A ${brief(a)} | B ${brief(b)} | B/A rps ${f2(ratios.rps)}, API CPU ${f2(ratios.apiCpu)}, Redis CPU ${f2(ratios.redisCpu)}`);
  }
}

const outDir = `${resultsDir}ab/`;
mkdirSync(outDir, { recursive: true });
for (const [keys, results] of byKeys) {
  const side = (pick: (r: Round) => CellRun) => ({
    requestsPerSecond: spread(results.map((r) => pick(r).requestsPerSecond)),
    apiCpuUsPerRequest: spread(results.map((r) => pick(r).subjectCpuUsPerRequest)),
    redisCpuUsPerRequest: spread(results.map((r) => pick(r).redisCpuUsPerRequest)),
    non2xx: results.reduce((sum, r) => sum + pick(r).non2xx, 0),
  });
  const medians = {
    a: side((r) => r.a),
    b: side((r) => r.b),
    ratiosBOverA: {
      rps: spread(results.map((r) => r.ratios.rps)),
      apiCpu: spread(results.map((r) => r.ratios.apiCpu)),
      redisCpu: spread(results.map((r) => r.ratios.redisCpu)),
    },
  };
  const file = `${outDir}${label}-${keys}.json`;
  const record = { date: new Date().toISOString(), label, keys, settings: { rounds, ...settings }, a: sides[0], b: sides[1], rounds: results, medians };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  const m = medians;
  process.stdout.write(
    [
      `## ${label}, ${keys} keys: ${rounds} rounds of ${settings.durationSeconds} s`,
      `A = ${sides[0].dir} (${sides[0].commit}) ${JSON.stringify(sides[0].env)}`,
      `B = ${sides[1].dir} (${sides[1].commit}) ${JSON.stringify(sides[1].env)}`,
      '',
      '| round | first | A req/s | B req/s | B/A req/s | A API µs/req | B API µs/req | B/A API CPU | A Redis µs/req | B Redis µs/req | B/A Redis CPU | non-2xx A/B |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...results.map(
        (r) =>
          `| ${r.round} | ${r.first} | ${Math.round(r.a.requestsPerSecond)} | ${Math.round(r.b.requestsPerSecond)} | ${f2(r.ratios.rps)} | ${r.a.subjectCpuUsPerRequest.toFixed(1)} | ${r.b.subjectCpuUsPerRequest.toFixed(1)} | ${f2(r.ratios.apiCpu)} | ${r.a.redisCpuUsPerRequest.toFixed(1)} | ${r.b.redisCpuUsPerRequest.toFixed(1)} | ${f2(r.ratios.redisCpu)} | ${r.a.non2xx}/${r.b.non2xx} |`,
      ),
      `| median | | ${Math.round(m.a.requestsPerSecond.median)} | ${Math.round(m.b.requestsPerSecond.median)} | ${f2(m.ratiosBOverA.rps.median)} | ${m.a.apiCpuUsPerRequest.median.toFixed(1)} | ${m.b.apiCpuUsPerRequest.median.toFixed(1)} | ${f2(m.ratiosBOverA.apiCpu.median)} | ${m.a.redisCpuUsPerRequest.median.toFixed(1)} | ${m.b.redisCpuUsPerRequest.median.toFixed(1)} | ${f2(m.ratiosBOverA.redisCpu.median)} | ${m.a.non2xx}/${m.b.non2xx} |`,
      '',
      `(B/A medians are medians of the per-round ratios; ${relative(projectRoot, file)})`,
      '',
    ].join('\n'),
  );
}
