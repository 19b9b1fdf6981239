import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Throws unless dist/ holds a build of these src/ folders newer than their
 * sources. The CLI and package tests run the built files, as users do; `npm test`
 * builds first, and a bare `vitest run` after an edit must not test stale code.
 */
export function assertBuilt(...folders: string[]): void {
  for (const folder of folders) {
    for (const entry of readdirSync(join(ROOT, 'src', folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const source = join(entry.parentPath, entry.name);
      const built = source.replace(`${ROOT}src`, `${ROOT}dist`).replace(/\.ts$/, '.js');
      const builtAt = statSync(built, { throwIfNoEntry: false })?.mtimeMs;
      if (builtAt === undefined || builtAt < statSync(source).mtimeMs) {
        throw new Error(`${built} is missing or older than ${source}: run \`npm run build\` first (npm test does)`);
      }
    }
  }
}
