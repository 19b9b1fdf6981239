/**
 * Maps (tenant, Idempotency-Key) to a BullMQ job id, and back.
 *
 * `<tenant>~<percent-encoded key>`. Tenants match [A-Za-z0-9_.-], so the first `~`
 * always ends the tenant and the mapping is one-to-one: `a~b` + `c` and `a` + `b~c`
 * cannot meet (the second key is encoded as `b~c` after `a~`, the first tenant is
 * refused at config time). encodeURIComponent escapes `:` (BullMQ refuses it in ids),
 * `{`/`}` (Redis Cluster hash tags) and `%` itself; the `~` means an id is never all
 * digits (BullMQ would read it as an auto-generated id).
 */
export function encodeJobId(tenant: string, key: string): string {
  return `${tenant}~${encodeURIComponent(key)}`;
}

export function decodeJobId(jobId: string): { tenant: string; key: string } {
  const separator = jobId.indexOf('~');
  if (separator < 1) throw new Error(`not a job-intake job id: ${jobId}`);
  return { tenant: jobId.slice(0, separator), key: decodeURIComponent(jobId.slice(separator + 1)) };
}
