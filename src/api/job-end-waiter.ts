import type { QueueEvents, QueueEventsOptions } from 'bullmq';

/**
 * Lets long-polls wait for a job to end, on BullMQ's event stream (one blocking
 * XREAD per shard per API process, shared by every waiting request), never by polling.
 *
 * The readers start with the first long-poll, not with the process: until then
 * an API process that nobody long-polls does not decode every event of every
 * job (about 4% of its CPU under load; docs/performance.md). A reader starts
 * from the beginning of the stream (BullMQ caps it, 10,000 events by default),
 * so an end written between the first waiter's registration and the reader's
 * first read is still read: waking a waiter for an older end only makes it read
 * the job's state again.
 */
export function createJobEndWaiter(queueEventsOfEveryShard: readonly QueueEvents[]) {
  const waiters = new Map<string, Set<() => void>>();
  let stopped = false;
  const reading = new Set<QueueEvents>();

  function startReading(): void {
    for (const queueEvents of queueEventsOfEveryShard) {
      if (reading.has(queueEvents)) continue;
      reading.add(queueEvents);
      (queueEvents.opts as QueueEventsOptions).lastEventId = '0';
      queueEvents.run().catch((err: unknown) => {
        reading.delete(queueEvents); // the next long-poll tries again (Redis was out, say)
        queueEvents.emit('error', err as Error);
      });
    }
  }

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
      startReading();
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
