/** Why a long-poll was answered at once: the caller's tenant, or the whole process, holds all it may. */
export type LongPollRefusal = 'tenant-limit' | 'process-limit';

/**
 * The header on an answer whose wait was not applied (over a cap), valued with
 * the LongPollRefusal. The answer is what a plain poll gets (202 + Retry-After
 * while the job runs), so a client that ignores it still does the right thing.
 */
export const LONG_POLL_SKIPPED = 'long-poll-skipped';

export interface LongPollSlot {
  /** Gives the slot back; only the first call counts. */
  release(): void;
}

/**
 * Caps the long-polls (`?wait=N`, `Prefer: wait=N`) one API process holds at
 * once: `perProcess` in all, `perTenant` for any one tenant, so a tenant that
 * opens thousands of them takes its own share and leaves the rest to others.
 * Each held long-poll is a socket, a timer and a waiter; without a cap a tenant
 * (or an attacker with one token) could hold them until the process runs out of
 * file descriptors or memory. In memory: each API process counts its own.
 */
export function createLongPollSlots(limits: { perProcess: number; perTenant: number }) {
  const heldByTenant = new Map<string, number>();
  let held = 0;
  const refused: Record<LongPollRefusal, number> = { 'tenant-limit': 0, 'process-limit': 0 };

  function refuse(reason: LongPollRefusal): LongPollRefusal {
    refused[reason] += 1;
    return reason;
  }

  return {
    /** A slot for one long-poll of `tenant`, or why there is none. */
    take(tenant: string): LongPollSlot | LongPollRefusal {
      const tenantHeld = heldByTenant.get(tenant) ?? 0;
      // The tenant's own cap first: a tenant at it is told so even when the process is full too.
      if (tenantHeld >= limits.perTenant) return refuse('tenant-limit');
      if (held >= limits.perProcess) return refuse('process-limit');
      held += 1;
      heldByTenant.set(tenant, tenantHeld + 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          held -= 1;
          const left = heldByTenant.get(tenant)! - 1;
          if (left === 0) heldByTenant.delete(tenant);
          else heldByTenant.set(tenant, left);
        },
      };
    },
    /** Long-polls held now. */
    get held(): number {
      return held;
    },
    /** Long-polls answered at once since the start, by reason (for metrics). */
    refused: refused as Readonly<Record<LongPollRefusal, number>>,
  };
}

export type LongPollSlots = ReturnType<typeof createLongPollSlots>;
