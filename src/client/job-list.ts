import type { JobReceipt } from './receipts.js';

/** One job of a list (`GET /v1/jobs`): its receipt, without the result. */
export type ListedJob<Type extends string = string> = Omit<JobReceipt<Type>, 'result'>;

/** One page of a tenant's jobs, newest first; `nextCursor` is there while more may follow. */
export interface JobListPage<Type extends string = string> {
  readonly items: ReadonlyArray<ListedJob<Type>>;
  readonly nextCursor?: string;
}

export interface ListOptions<Type extends string = string> {
  /** Only jobs in this state. */
  readonly status?: JobReceipt['status'];
  /** Only jobs of this type. */
  readonly type?: Type;
  /** Jobs per page, 1 to 200 (the service's default: 50). A page may hold fewer while `nextCursor` is there. */
  readonly limit?: number;
  /** Start after the page that gave this `nextCursor`. */
  readonly cursor?: string;
  readonly signal?: AbortSignal;
}

/** `v1/jobs?status=...&type=...&limit=...&cursor=...`, relative to the base URL; only the options given. */
export function listPath(options: ListOptions, cursor: string | undefined): string {
  const query = new URLSearchParams();
  if (options.status !== undefined) query.set('status', options.status);
  if (options.type !== undefined) query.set('type', options.type);
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (cursor !== undefined) query.set('cursor', cursor);
  const search = query.toString();
  return search === '' ? 'v1/jobs' : `v1/jobs?${search}`;
}
