import type { QueueEvents, QueueEventsOptions } from 'bullmq';

/**
 * Lets long-polls wait for a job to end, on BullMQ's event stream (one blocking
 * XREAD per shard per API process, shared by every waiting request), never by polling.
 *
 * The readers start with the first long-poll, not with the process: until then
 * an API process that nobody long-polls does not decode every event of every
 * job (about 4% of its CPU under load; docs/performance.md). `listening()`
 * fixes each reader's start at the stream's current end before the long-poll
 * reads the job's state, so an end written after that read is still seen.
 */
export function createJobEndWaiter(
  queueEventsOfEveryShard: readonly QueueEvents[],
  /** The id of the last entry in a reader's event stream now ('0-0' when empty). */
  streamEnd: (queueEvents: QueueEvents) => Promise<string>,
) {
  const waiters = new Map<string, Set<() => void>>();
  let stopped = false;
  const running = new Set<QueueEvents>();
  let starting: Promise<void> | null = null;

  async function startReading(queueEvents: QueueEvents): Promise<void> {
    if (running.has(queueEvents)) return;
    (queueEvents.opts as QueueEventsOptions).lastEventId = await streamEnd(queueEvents);
    running.add(queueEvents);
    queueEvents.run().catch((err: unknown) => {
      running.delete(queueEvents); // the next long-poll starts it again
      queueEvents.emit('error', err as Error);
    });
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
     * Resolves once every shard's reader runs, from a start taken now. Await it
     * after wait() and before reading the job's state; only a process's first
     * long-poll (or the first after a reader failed) waits on Redis here.
     */
    listening(): Promise<void> {
      if (running.size === queueEventsOfEveryShard.length) return Promise.resolve();
      starting ??= Promise.all(queueEventsOfEveryShard.map(startReading)).then(
        () => {
          starting = null;
        },
        (err: unknown) => {
          starting = null;
          throw err;
        },
      );
      return starting;
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
