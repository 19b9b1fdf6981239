/** What a close step gets unless it says otherwise: closing during a Redis outage must not hang. */
export const DEFAULT_STEP_TIMEOUT_MS = 5000;

/**
 * One close step: a name for the report, the close itself, and how long it may
 * take. A step that waits on purpose (a worker letting its jobs finish for
 * SHUTDOWN_GRACE_MS) sets its own timeout; others get DEFAULT_STEP_TIMEOUT_MS.
 */
export type CloseStep = readonly [name: string, close: () => Promise<unknown>, options?: { readonly timeoutMs: number }];

const timeoutOf = (step: CloseStep) => step[2]?.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;

/** The longest closeAll(steps) can take: every step timing out, one after another. */
export function closeAllDeadlineMs(steps: readonly CloseStep[]): number {
  return steps.reduce((total, step) => total + timeoutOf(step), 0);
}

/**
 * Runs close steps in order (a worker before the connection it uses), every step
 * even when an earlier one fails or hangs (each within its own timeout), and
 * reports all failures at the end.
 */
export async function closeAll(steps: readonly CloseStep[]): Promise<void> {
  const failures: Error[] = [];
  for (const step of steps) {
    const [name, close] = step;
    const timeoutMs = timeoutOf(step);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([close(), timeout]);
    } catch (err) {
      failures.push(new Error(`closing ${name} failed`, { cause: err }));
    } finally {
      clearTimeout(timer);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} close step(s) failed`);
}
