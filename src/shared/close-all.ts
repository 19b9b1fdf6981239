const STEP_TIMEOUT_MS = 5000;

/**
 * Runs close steps in order (a worker before the connection it uses), every step
 * even when an earlier one fails or hangs (each gets STEP_TIMEOUT_MS: closing
 * during a Redis outage must not hang), and reports all failures at the end.
 */
export async function closeAll(steps: ReadonlyArray<readonly [name: string, close: () => Promise<unknown>]>): Promise<void> {
  const failures: Error[] = [];
  for (const [name, close] of steps) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
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
