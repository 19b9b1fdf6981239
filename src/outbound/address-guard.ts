import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isAllowedAddress, normalizeHost, parseAddress, parseAllowHosts, type AllowHosts } from './allow-hosts.js';

// Server-side request forgery: a callback or endpoint URL chosen by a tenant must not
// reach the service's own network (Standard Webhooks, "Server side request forgery").
// Only addresses ipaddr.js calls 'unicast' (globally routable) pass; every special
// range it knows is refused: loopback, private, link-local (169.254.169.254, the cloud
// metadata endpoint, included), unique-local, CGNAT, multicast, unspecified,
// broadcast, reserved, documentation, benchmarking, and IPv6 forms that embed an IPv4
// address (6to4, NAT64, Teredo); IPv4-mapped IPv6 is judged as the IPv4 it maps.

/**
 * Why an outbound request was refused before any connection. `reason` is safe to
 * show the tenant (it names no resolved address: they need not learn what the
 * service's internal DNS holds); `address`, for logs, is the one refused.
 */
export class OutboundRefusedError extends Error {
  override name = 'OutboundRefusedError';
  /** An errno-style code, so node:net passes it on from a lookup as it is. */
  readonly code = 'EOUTBOUNDREFUSED';

  constructor(
    readonly reason: string,
    readonly address: string,
  ) {
    super(`outbound request refused: ${reason} (${address})`);
  }
}

const RANGE_WORDS: Readonly<Record<string, string>> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address',
};

export interface AddressGuardOptions {
  /** OUTBOUND_ALLOW_HOSTS: names, addresses or CIDR ranges let through anyway. */
  allowHosts?: string | readonly string[];
  /** How names are resolved; dns.lookup (the system resolver, as connections use). Tests pass their own. */
  resolve?: LookupFunction;
  /** A submission-time resolution slower than this refuses the URL; 2000. */
  resolveTimeoutMs?: number;
}

export interface AddressGuard {
  /**
   * The checks that need no DNS: a URL that does not parse, a scheme other than
   * http(s), credentials in the URL, or a literal IP address that is refused.
   * Undefined when nothing is wrong so far. Call it before connecting: node:net
   * connects to a literal address without calling any lookup.
   */
  refusalForUrl(url: string | URL): string | undefined;
  /**
   * refusalForUrl plus resolving the name: refused when any of its addresses is,
   * or when it does not resolve. For the API, at submission. Never connects.
   */
  checkUrlAtSubmission(url: string | URL): Promise<string | undefined>;
  /**
   * A drop-in `lookup` for node:http / node:net / tls (`{ lookup }`) and undici
   * (`new Agent({ connect: { lookup } })`): resolves, then fails with an
   * OutboundRefusedError before the socket connects when an address is refused.
   * This is what stops DNS rebinding (a name that resolved elsewhere at submission).
   */
  lookup: LookupFunction;
}

export function createAddressGuard(options: AddressGuardOptions = {}): AddressGuard {
  const allow = parseAllowHosts(options.allowHosts ?? []);
  const resolve = options.resolve ?? (dnsLookup as LookupFunction);
  const resolveTimeoutMs = options.resolveTimeoutMs ?? 2000;

  const refusalForUrl = (input: string | URL): string | undefined => {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      return 'the URL does not parse';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the scheme ${url.protocol} is not http: or https:`;
    // They would go nowhere (no Authorization is built from them) yet sit in job data and logs.
    if (url.username !== '' || url.password !== '') return 'the URL holds credentials';
    const host = normalizeHost(url.hostname);
    const refused = isIP(host) === 0 ? undefined : addressRefusal(host, allow);
    return refused === undefined ? undefined : `${host} is ${refused}`;
  };

  const checkUrlAtSubmission = async (input: string | URL): Promise<string | undefined> => {
    const refusal = refusalForUrl(input);
    if (refusal !== undefined) return refusal;
    const host = normalizeHost(new URL(input).hostname);
    if (isIP(host) !== 0 || allow.names.has(host)) return undefined;
    let addresses: LookupAddress[];
    try {
      addresses = await resolveAll(resolve, host, resolveTimeoutMs);
    } catch (err) {
      return `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
    for (const { address } of addresses) {
      const addressRefused = addressRefusal(address, allow);
      // No address in the answer: see OutboundRefusedError.
      if (addressRefused !== undefined) return `${host} resolves to ${addressRefused}`;
    }
    return addresses.length === 0 ? `${host} does not resolve` : undefined;
  };

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    if (allow.names.has(normalizeHost(hostname))) return resolve(hostname, lookupOptions, callback);
    resolve(hostname, lookupOptions, (err, address, family) => {
      if (err) return callback(err, address, family);
      // With autoSelectFamily (Node 20's default) net asks for all addresses and
      // may try each in turn: every one must pass.
      const addresses = typeof address === 'string' ? [address] : address.map((entry) => entry.address);
      for (const each of addresses) {
        const refusal = addressRefusal(each, allow);
        if (refusal !== undefined) return callback(new OutboundRefusedError(`${hostname} resolves to ${refusal}`, each), address, family);
      }
      callback(null, address, family);
    });
  };

  return Object.freeze({ refusalForUrl, checkUrlAtSubmission, lookup });
}

/** What kind of address this is when it may not be contacted ("a loopback address"), else undefined. */
function addressRefusal(text: string, allow: AllowHosts): string | undefined {
  const address = parseAddress(text);
  if (address === undefined) return 'not an IP address';
  if (isAllowedAddress(allow, address)) return undefined;
  const range = address.range();
  if (range === 'unicast') return undefined;
  const words = RANGE_WORDS[range] ?? `a special-purpose address (${range})`;
  return address.toString() === '169.254.169.254' ? `${words} (cloud metadata)` : words;
}

function resolveAll(resolve: LookupFunction, host: string, timeoutMs: number): Promise<LookupAddress[]> {
  return new Promise((fulfil, reject) => {
    // dns.lookup cannot be cancelled; the timer only stops the caller waiting on it.
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    resolve(host, { all: true }, (err, addresses) => {
      clearTimeout(timer);
      if (err) reject(err);
      else fulfil(typeof addresses === 'string' ? [{ address: addresses, family: isIP(addresses) }] : addresses);
    });
  });
}
