import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { StepStore } from '../bullmq/job-hash.js';

const MAX_NAME_LENGTH = 200;

/** What one run's steps need from the worker and from the run. */
export interface RunStepsDeps {
  readonly store: StepStore;
  /** MAX_STEP_BYTES: step results one job may store, all its steps together. */
  readonly maxBytes: number;
  readonly job: Job;
  readonly log: () => Logger;
  /** Why the run was stopped (cancel, timeout), if it was. */
  readonly stopped: () => unknown;
}

/** The result as JSON text, or an UnrecoverableError: `fn` has run, and running it again cannot make it storable. */
function resultJson(name: string, result: unknown): string {
  try {
    return JSON.stringify(result ?? null);
  } catch (err) {
    throw new UnrecoverableError(`step "${name}" returned a result that is not JSON: ${(err as Error).message}`);
  }
}

/**
 * `ctx.step(name, fn)` for one run of a job. A step whose result is stored (by
 * any earlier run of the job) returns it without calling `fn`; otherwise `fn`
 * runs and its result is stored in the job's hash before the step returns.
 * Either way the handler gets the result as JSON gives it back, so a first run
 * and a rerun see the same value.
 *
 * A name is taken within a run from the moment its step starts; a step whose
 * `fn` threw stores nothing and frees its name, so the handler (or the next
 * attempt) may run it again.
 */
export function createRunSteps(deps: RunStepsDeps) {
  const taken = new Set<string>();

  async function runStep<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
      throw new TypeError(`a step name must be a string of 1 to ${MAX_NAME_LENGTH} characters; got ${JSON.stringify(name)}`);
    }
    if (typeof fn !== 'function') throw new TypeError(`step "${name}": fn must be a function`);
    if (taken.has(name)) {
      // Two steps under one name would share one stored result: a rerun would hand the first's to the second.
      throw new UnrecoverableError(`step "${name}" is used twice in one run: step names must be unique within a job`);
    }
    const stopped = deps.stopped();
    if (stopped !== undefined) throw new Error(`step "${name}" not started: the run was stopped`, { cause: stopped });
    taken.add(name);
    try {
      const stored = await deps.store.read(deps.job, name);
      if (stored !== null) {
        deps.log().debug({ step: name }, 'step already done: its stored result is used');
        return JSON.parse(stored) as T;
      }
      const started = Date.now();
      const json = resultJson(name, await fn());
      return JSON.parse(await storeResult(name, json, Date.now() - started)) as T;
    } catch (err) {
      taken.delete(name);
      throw err;
    }
  }

  /** Stores a step's result; the JSON the step returns (another run's, should it have stored first). */
  async function storeResult(name: string, json: string, durationMs: number): Promise<string> {
    const outcome = await deps.store.store(deps.job, { name, json, finishedAtMs: Date.now(), maxBytes: deps.maxBytes });
    switch (outcome.kind) {
      case 'stored':
        deps.log().debug({ step: name, durationMs }, 'step done: result stored');
        return json;
      case 'stored-before':
        // Two runs of one job at once: a worker that lost its lock (frozen, cut off) still going.
        deps.log().warn({ step: name }, 'step done, but another run of the job stored it first: its result is used');
        return outcome.json;
      case 'job-gone':
        throw new UnrecoverableError(`step "${name}": the job no longer exists, so its result could not be stored`);
      case 'over-limit':
        throw new UnrecoverableError(
          `step "${name}" returned ${Buffer.byteLength(json)} bytes of result; the job's steps already hold ${outcome.usedBytes} of MAX_STEP_BYTES ${deps.maxBytes}`,
        );
    }
  }

  return runStep;
}
