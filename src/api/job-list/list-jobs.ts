import type { IndexedJob, IndexPosition, TenantIndexes } from '../../bullmq/tenant-index.js';
import { CANCELED_REASON } from '../../shared/cancellation.js';
import { encodeTenant } from '../../shared/job-id.js';
import { toReceipt, type Receipt, type ReceiptStatus } from '../../shared/receipt.js';

/**
 * Index entries one shard looks at for one page, at most: a page whose filters
 * match few of the tenant's jobs ends early (with a cursor) rather than walk the
 * whole index in one request.
 */
const SHARD_BUDGET = 1000;

/** A job of a list: its receipt, without the result. */
export type ListedJob = Omit<Receipt, 'result'>;

export interface ListQuery {
  readonly status?: ReceiptStatus | undefined;
  readonly type?: string | undefined;
  readonly limit: number;
  /** Where the previous page ended (list-cursor.ts); null for the first page. */
  readonly after: IndexPosition | null;
}

export interface JobListPage {
  readonly items: ListedJob[];
  /** Where the next page starts after; null when the list has ended. A page may hold fewer than `limit` jobs (even none) and still have one. */
  readonly next: IndexPosition | null;
}

/**
 * A tenant's jobs, newest first, from its index in each shard (bullmq/tenant-index.ts):
 * a k-way merge by creation time of what each shard reads after the cursor's
 * position. A shard that stops at its budget has looked at everything newer
 * than where it stopped, and not beyond: only jobs newer than the newest such
 * stop (the frontier) are certain to come in order, so the page holds those, and
 * the next page starts after the last job handed out, or at the frontier.
 */
export function createListJobs(deps: { tenantIndexes: () => readonly TenantIndexes[]; budget?: number }) {
  const budget = deps.budget ?? SHARD_BUDGET;
  return async function listJobs(tenant: string, query: ListQuery): Promise<JobListPage> {
    const { after } = query;
    const pages = await Promise.all(
      deps.tenantIndexes().map((indexes) =>
        indexes.page(encodeTenant(tenant), {
          after,
          // One more than a page: a shard that has no more says so (done), so a last full page gets no cursor.
          limit: query.limit + 1,
          budget,
          status: query.status,
          type: query.type,
          canceledReason: CANCELED_REASON,
        }),
      ),
    );
    const stops = pages.filter((page) => !page.done).map((page) => page.reached!);
    const frontier = stops.length === 0 ? null : stops.reduce((a, b) => (isNewer(a, b) ? a : b));
    const inOrder = pages
      .flatMap((page) => page.jobs)
      .filter((entry) => frontier === null || !isNewer(frontier, entry.position))
      .sort((a, b) => (isNewer(a.position, b.position) ? -1 : 1));
    const taken = inOrder.slice(0, query.limit);
    // Cut short by the limit: go on after the last job given. Otherwise every job
    // up to the frontier is in this page: go on from there (or nowhere: all done).
    const next: IndexPosition | null = inOrder.length > query.limit ? taken.at(-1)!.position : frontier;
    return { items: taken.flatMap(listed), next };
  };
}

export type ListJobs = ReturnType<typeof createListJobs>;

/** Newest first: by creation time, then by id, as the index orders its entries. */
function isNewer(a: IndexPosition, b: IndexPosition): boolean {
  const [x, y] = [Number(a.score), Number(b.score)];
  return x !== y ? x > y : a.member > b.member;
}

function listed({ job, state }: IndexedJob): ListedJob[] {
  const receipt = toReceipt(job, state);
  if (receipt === null) return [];
  const { result: _result, ...item } = receipt;
  return [item];
}
