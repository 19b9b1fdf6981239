import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * OUTBOUND_ALLOW_HOSTS, parsed: host names that may be contacted whatever they
 * resolve to, and addresses or CIDR ranges that may be contacted although the
 * address guard would refuse them (a receiver on the same private network).
 */
export interface AllowHosts {
  /** Lowercase, without a trailing dot. */
  readonly names: ReadonlySet<string>;
  readonly ranges: ReadonlyArray<readonly [Address, number]>;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const CIDR = /^(.+)\/(\d{1,3})$/;

/** `LOCALHOST.` and `localhost` are one host; `[::1]` (as in a URL) and `::1` one address. */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[') && lower.endsWith(']')) return lower.slice(1, -1);
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** An address in canonical form: IPv4-mapped IPv6 (`::ffff:127.0.0.1`) becomes IPv4. */
export function parseAddress(text: string): Address | undefined {
  try {
    return ipaddr.process(text);
  } catch {
    return undefined;
  }
}

type Entry = { kind: 'name'; name: string } | { kind: 'range'; range: readonly [Address, number] };

function parseEntry(entry: string): Entry {
  const host = normalizeHost(entry);
  const cidr = CIDR.exec(host);
  if (cidr !== null && isIP(cidr[1]!) !== 0) {
    const bits = Number(cidr[2]);
    if (bits > (isIP(cidr[1]!) === 4 ? 32 : 128)) throw new Error(`"${entry}": the prefix length is too long`);
    // Canonical form, so ::ffff:10.0.0.0/104 and 10.0.0.0/8 mean the same thing.
    const address = ipaddr.parse(cidr[1]!);
    if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() && bits >= 96) {
      return { kind: 'range', range: [address.toIPv4Address(), bits - 96] };
    }
    return { kind: 'range', range: [address, bits] };
  }
  // node:net's isIP, not ipaddr.isValid: the latter takes "10" or "0x7f.1" for IPv4.
  if (isIP(host) !== 0) {
    const address = ipaddr.process(host);
    return { kind: 'range', range: [address, address.kind() === 'ipv4' ? 32 : 128] };
  }
  if (HOST_NAME.test(host)) return { kind: 'name', name: host };
  throw new Error(`"${entry}" is neither a host name, an IP address nor a CIDR range (no scheme, no port)`);
}

/**
 * Parses `host,10.1.2.3,10.0.0.0/8,fd00::/8` (comma-separated; a list is taken as
 * is). Pure, for a zod transform or loadConfig. Throws an Error naming the bad entry.
 */
export function parseAllowHosts(value: string | readonly string[]): AllowHosts {
  const entries = (typeof value === 'string' ? value.split(',') : value).map((entry) => entry.trim()).filter((entry) => entry !== '');
  const names = new Set<string>();
  const ranges: Array<readonly [Address, number]> = [];
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (parsed.kind === 'name') names.add(parsed.name);
    else ranges.push(parsed.range);
  }
  return Object.freeze({ names, ranges: Object.freeze(ranges) });
}

/** Whether an address falls in an allowed address or range (of the same family). */
export function isAllowedAddress(allow: AllowHosts, address: Address): boolean {
  return allow.ranges.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
}
