/**
 * Maps (tenant, Idempotency-Key) to a BullMQ job id, and back.
 *
 * `<tenant>~<key>`, each part percent-encoded with `~` encoded too, so the one
 * bare `~` always separates them and the mapping is one-to-one for any strings:
 * naive joins (`a_b`+`c` vs `a`+`b_c`) cannot meet. Encoding removes `:` (BullMQ
 * refuses it in ids) and `{`/`}` (Redis Cluster hash tags); the `~` means an id is
 * never all digits (BullMQ would read it as one of its own counter ids).
 */
function escapePart(part: string): string {
  return encodeURIComponent(part).replace(/~/g, '%7E');
}

export function encodeJobId(tenant: string, key: string): string {
  return `${encodeTenant(tenant)}~${escapePart(key)}`;
}

/** The tenant's part of its job ids (everything before the bare `~`): it names the tenant's index of jobs too. */
export function encodeTenant(tenant: string): string {
  return escapePart(tenant);
}

export function decodeJobId(jobId: string): { tenant: string; key: string } {
  const separator = jobId.indexOf('~');
  if (separator < 1) throw new Error(`not a job-intake job id: ${jobId}`);
  return { tenant: decodeURIComponent(jobId.slice(0, separator)), key: decodeURIComponent(jobId.slice(separator + 1)) };
}

/** The tenant a job belongs to, for log lines; undefined for an id job-intake did not make. */
export function tenantOfJobId(jobId: string | undefined): string | undefined {
  const separator = jobId?.indexOf('~') ?? -1;
  if (separator < 1) return undefined; // e.g. a job added by hand on the dashboard: log it without a tenant
  const tenant = jobId!.slice(0, separator);
  if (!tenant.includes('%')) return tenant; // once per job run: skip decoding what has nothing to decode
  try {
    return decodeURIComponent(tenant);
  } catch {
    return undefined;
  }
}
