import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { demoJobTypes } from './demo/index.js';
import { createRegistry, isJobType, JobTypeDefinitionError, type JobType, type JobTypeRegistry } from './job-type.js';
import { jobTypesFromJson } from './json-job-types.js';

/**
 * The job types a process runs: those of the team's module (`--jobs`,
 * JOB_TYPES_MODULE), or the shipped demo types when none is given.
 *
 * The module default-exports a list of job types (or one), and may export job
 * types by name too; other exports are ignored. It is imported by the API as
 * well as by workers, so heavy handler code belongs behind a dynamic import in
 * `run` (docs: "Run your own jobs"). A `.json` file holds HTTP job types with
 * JSON Schema payloads instead (json-job-types.ts).
 */
export async function loadJobTypes(modulePath: string | undefined, cwd: string = process.cwd()): Promise<JobTypeRegistry> {
  if (modulePath === undefined || modulePath.trim() === '') return createRegistry(demoJobTypes);
  const file = isAbsolute(modulePath) ? modulePath : resolve(cwd, modulePath);
  if (!existsSync(file)) throw new JobTypeDefinitionError(`job types module ${modulePath} not found (looked at ${file})`);
  if (extname(file).toLowerCase() === '.json') return createRegistry(jobTypesFromJson(await readFile(file, 'utf8'), modulePath));
  let exported: Record<string, unknown>;
  try {
    exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new JobTypeDefinitionError(`job types module ${modulePath} could not be loaded: ${(err as Error).message}`, { cause: err });
  }
  return createRegistry(jobTypesIn(exported, modulePath));
}

/** The job types among a module's exports: the default export's first, each once. */
export function jobTypesIn(exported: Record<string, unknown>, moduleName: string): JobType[] {
  const found = new Set<JobType>();
  const fromDefault = exported.default;
  if (fromDefault !== undefined) {
    const list = Array.isArray(fromDefault) ? fromDefault : [fromDefault];
    list.forEach((entry, index) => {
      if (!isJobType(entry)) {
        const where = Array.isArray(fromDefault) ? `default export [${index}]` : 'default export';
        throw new JobTypeDefinitionError(`${moduleName}: ${where} is not a job type; make it with defineJobType() from 'job-intake/server'`);
      }
      found.add(entry);
    });
  }
  for (const [name, value] of Object.entries(exported)) {
    if (name === 'default') continue;
    if (isJobType(value)) found.add(value);
    else if (Array.isArray(value) && value.length > 0 && value.every(isJobType)) value.forEach((each) => found.add(each));
  }
  if (found.size === 0) {
    throw new JobTypeDefinitionError(
      `${moduleName} exports no job types: default-export a list of defineJobType() results from 'job-intake/server'`,
    );
  }
  return [...found];
}
