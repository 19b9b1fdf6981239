import type { QueueEvents } from 'bullmq';

/**
 * Lets long-polls wait for a job to end, on BullMQ's event stream (one blocking
 * XREAD per shard per API process, shared by every waiting request), never by polling.
 */
export function createJobEndWaiter(queueEventsOfEveryShard: readonly QueueEvents[]) {
  const waiters = new Map<string, Set<() => void>>();
  let stopped = false;

  const wake = ({ jobId }: { jobId: string }) => {
    const set = waiters.get(jobId);
    if (set === undefined) return;
    waiters.delete(jobId);
    for (const resolve of set) resolve();
  };
  for (const queueEvents of queueEventsOfEveryShard) {
    queueEvents.on('completed', wake);
    queueEvents.on('failed', wake);
  }

  return {
    /** True after stop(): long-polls answer at once with the current state. */
    get stopped(): boolean {
      return stopped;
    },
    /** On shutdown: wakes every waiting long-poll, so in-flight requests end now, not after their wait. */
    stop(): void {
      stopped = true;
      for (const set of [...waiters.values()]) for (const resolve of [...set]) resolve();
    },
    /**
     * Resolves when an event says the job ended, after `ms`, or when `signal`
     * fires, whichever is first. Register *before* reading the job's state, so an
     * end between the read and the wait is not missed.
     */
    wait(jobId: string, ms: number, signal?: AbortSignal): { ended: Promise<void>; cancel(): void } {
      let cancel = () => {};
      const ended = new Promise<void>((resolve) => {
        const done = () => {
          cancel();
          resolve();
        };
        const set = waiters.get(jobId) ?? new Set();
        set.add(done);
        waiters.set(jobId, set);
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
        cancel = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          set.delete(done);
          if (set.size === 0 && waiters.get(jobId) === set) waiters.delete(jobId);
        };
      });
      return { ended, cancel };
    },
    get waiting(): number {
      let count = 0;
      for (const set of waiters.values()) count += set.size;
      return count;
    },
  };
}

export type JobEndWaiter = ReturnType<typeof createJobEndWaiter>;
