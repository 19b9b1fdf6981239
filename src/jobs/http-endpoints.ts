import { createAddressGuard } from '../outbound/address-guard.js';
import { JobTypeDefinitionError, type HttpJobType, type JobTypeRegistry } from './job-type.js';

/** The registry's HTTP job types (`http`, no `run`). */
export function httpJobTypes(registry: JobTypeRegistry): HttpJobType[] {
  return [...registry.values()].filter((jobType): jobType is HttpJobType => jobType.http !== undefined);
}

/**
 * Refuses, naming the type, an HTTP job type whose URL no request could go to:
 * credentials in it, or a literal address the outbound guard refuses (loopback,
 * private, link-local, ...) that OUTBOUND_ALLOW_HOSTS does not list. Checked
 * when a process loads its job types, without resolving names: a name is
 * checked when a worker connects (a name that resolves to a private address
 * fails those jobs then, unless OUTBOUND_ALLOW_HOSTS lists it).
 */
export function assertHttpEndpointsAllowed(registry: JobTypeRegistry, allowHosts: string): void {
  const guard = createAddressGuard({ allowHosts });
  for (const jobType of httpJobTypes(registry)) {
    const refusal = guard.refusalForUrl(jobType.http.url);
    if (refusal !== undefined) {
      throw new JobTypeDefinitionError(`job type "${jobType.type}": http.url is refused: ${refusal} (OUTBOUND_ALLOW_HOSTS lets a host through)`);
    }
  }
}
