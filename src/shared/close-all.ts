/**
 * Runs every close step, even when one fails, and reports all failures at the
 * end: a stuck step must not leave the others' connections open.
 */
export async function closeAll(steps: ReadonlyArray<readonly [name: string, close: () => Promise<unknown>]>): Promise<void> {
  const results = await Promise.allSettled(steps.map(([, close]) => close()));
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [new Error(`closing ${steps[index]![0]} failed`, { cause: result.reason })] : [],
  );
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} close step(s) failed`);
}

/** Memoises a close function, so a second call (two signals, say) waits for the first. */
export function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}
