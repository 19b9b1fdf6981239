import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Where a sampled frame's code lives: an npm package, job-intake itself, Node, or V8. */
function origin(url: string, functionName: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.includes('/dist/')) return 'job-intake';
  if (url.startsWith('node:')) return 'node';
  return functionName.startsWith('(') ? functionName : 'other';
}

/**
 * Self time of a `.cpuprofile` (what `node --cpu-prof` writes), by origin and by
 * function, as percentages of the busy samples (idle excluded).
 */
export function summariseProfile(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[] };
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (hits === 0 || functionName === '(idle)') continue;
    busy += hits;
    const where = origin(url, functionName);
    byOrigin.set(where, (byOrigin.get(where) ?? 0) + hits);
    const name = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  const pct = (hits: number) => `${((hits / busy) * 100).toFixed(1).padStart(5)}%`;
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    'self time by origin:',
    ...sorted(byOrigin).map(([name, hits]) => `  ${pct(hits)}  ${name}`),
    'self time by function:',
    ...sorted(byFunction).map(([name, hits]) => `  ${pct(hits)}  ${name}`),
  ].join('\n');
}
