import type { QueueEvents } from 'bullmq';
import { setLastEventId } from '../bullmq/events-cursor.js';

/**
 * Lets long-polls wait for a job to end, on BullMQ's event streams (one
 * blocking XREAD per queue and shard, each on a connection of its own, shared
 * by every request waiting on a job there), never by polling.
 *
 * A reader starts with the first long-poll on a job of its queue, not with the
 * process: until then an API process that nobody long-polls does not decode
 * every event of every job (about 4% of its CPU under load; docs/performance.md).
 * `listening(reader)` fixes the reader's start at the stream's current end
 * before the long-poll reads the job's state, so an end written after that read
 * is still seen.
 */
export function createJobEndWaiter(
  /** The id of the last entry in a reader's event stream now ('0-0' when empty). */
  streamEnd: (queueEvents: QueueEvents) => Promise<string>,
) {
  const waiters = new Map<string, Set<() => void>>();
  let stopped = false;
  const running = new Set<QueueEvents>();
  const starting = new Map<QueueEvents, Promise<void>>();

  async function startReading(queueEvents: QueueEvents): Promise<void> {
    setLastEventId(queueEvents, await streamEnd(queueEvents));
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
    /** Wakes the waiters of the jobs this reader reports ended (called once per reader, when it is made). */
    watch(queueEvents: QueueEvents): void {
      queueEvents.on('completed', wake);
      queueEvents.on('failed', wake);
    },
    /**
     * Resolves once this reader runs, from a start taken now. Await it after
     * wait() and before reading the job's state; only the first long-poll on a
     * queue (or the first after its reader failed) waits on Redis here.
     */
    listening(queueEvents: QueueEvents): Promise<void> {
      if (running.has(queueEvents)) return Promise.resolve();
      let start = starting.get(queueEvents);
      if (start === undefined) {
        start = startReading(queueEvents).finally(() => starting.delete(queueEvents));
        starting.set(queueEvents, start);
      }
      return start;
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
