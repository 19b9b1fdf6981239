import { Counter, Gauge, type Registry } from 'prom-client';
import type { LongPollRefusal, LongPollSlots } from '../long-poll-slots.js';

/**
 * `job_intake_long_polls` (held now) and `job_intake_long_polls_skipped_total{reason}`
 * (answered at once, over MAX_LONG_POLLS_PER_TENANT or MAX_LONG_POLLS): what an
 * operator needs to tell whether the caps fit the load. Read from the slots at
 * scrape time, so a long-poll costs no metric update.
 */
export function registerLongPollMetrics(registry: Registry, slots: LongPollSlots): void {
  new Gauge({
    name: 'job_intake_long_polls',
    help: 'Long-polls (?wait, Prefer: wait) this API process holds now.',
    registers: [registry],
    collect() {
      this.set(slots.held);
    },
  });
  new Counter({
    name: 'job_intake_long_polls_skipped_total',
    help: 'Long-polls answered at once, without waiting, because a cap was reached.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of Object.keys(slots.refused) as LongPollRefusal[]) this.inc({ reason }, slots.refused[reason]);
    },
  });
}
