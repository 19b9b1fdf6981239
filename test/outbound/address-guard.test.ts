import { request } from 'node:http';
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressGuard, OutboundRefusedError } from '../../src/outbound/address-guard.js';
import { parseAllowHosts } from '../../src/outbound/allow-hosts.js';
import { startReceiver, type Receiver } from './receiver.js';

// No test here sends a packet anywhere but 127.0.0.1: refused addresses are only
// parsed or resolved, and names that "resolve" elsewhere come from a fake resolver
// whose answers are never connected to.

/** A resolver answering from a table, as dns.lookup would (one address, or all of them). */
function fakeResolver(answer: (host: string) => string[] | Error): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const resolve = ((host, options, callback) => {
    calls.push(host);
    const addresses = answer(host);
    if (addresses instanceof Error) return callback(addresses, '', 0);
    const entries = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, entries);
    else callback(null, entries[0]!.address, entries[0]!.family);
  }) as LookupFunction & { calls: string[] };
  resolve.calls = calls;
  return resolve;
}

/** POSTs through node:http with the guard's lookup; answers the status or the error. */
function post(url: string, lookup: LookupFunction): Promise<number | Error> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', lookup, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', resolve);
    req.end('{}');
  });
}

describe('refusalForUrl: the checks that need no DNS', () => {
  const guard = createAddressGuard();

  it.each([
    ['http://127.0.0.1/', '127.0.0.1 is a loopback address'],
    ['http://0x7f000001/', '127.0.0.1 is a loopback address'],
    ['http://2130706433/', '127.0.0.1 is a loopback address'],
    ['http://127.1/', '127.0.0.1 is a loopback address'],
    ['http://[::1]:8080/', '::1 is a loopback address'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 is a loopback address'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address (cloud metadata)'],
    ['http://[::ffff:169.254.169.254]/', 'a link-local address (cloud metadata)'],
    ['http://10.0.0.1/', 'a private address'],
    ['http://172.16.5.4/', 'a private address'],
    ['http://172.31.255.255/', 'a private address'],
    ['http://192.168.0.1/', 'a private address'],
    ['http://100.64.0.1/', 'a carrier-grade NAT address'],
    ['http://100.100.100.200/', 'a carrier-grade NAT address'],
    ['http://[fe80::1]/', 'a link-local address'],
    ['http://[fc00::1]/', 'a unique-local address'],
    ['http://[fd00:ec2::254]/', 'a unique-local address'],
    ['http://224.0.0.1/', 'a multicast address'],
    ['http://[ff02::1]/', 'a multicast address'],
    ['http://0.0.0.0/', 'the unspecified address'],
    ['http://[::]/', 'the unspecified address'],
    ['http://255.255.255.255/', 'the broadcast address'],
    ['http://192.0.2.1/', 'a special-purpose address (reserved)'],
    ['http://[64:ff9b::7f00:1]/', 'a special-purpose address (rfc6052)'],
    ['http://[2002:7f00:1::]/', 'a special-purpose address (6to4)'],
  ])('refuses %s: %s', (url, reason) => {
    expect(guard.refusalForUrl(url)).toContain(reason);
  });

  it.each([
    ['ftp://example.com/', 'the scheme ftp: is not http: or https:'],
    ['file:///etc/passwd', 'the scheme file: is not http: or https:'],
    ['javascript:alert(1)', 'the scheme javascript: is not http: or https:'],
    ['not a url', 'the URL does not parse'],
    ['https://user:secret@example.com/', 'the URL holds credentials'],
  ])('refuses %s: %s', (url, reason) => {
    expect(guard.refusalForUrl(url)).toBe(reason);
  });

  it.each(['https://93.184.216.34/hook', 'http://[2606:4700::1111]/hook', 'https://example.com/hook'])(
    'lets %s through (a public address, or a name left to DNS)',
    (url) => {
      expect(guard.refusalForUrl(url)).toBeUndefined();
    },
  );

  it('lets through an address listed in allowHosts, and only that one', () => {
    const allowing = createAddressGuard({ allowHosts: '127.0.0.1' });
    expect(allowing.refusalForUrl('http://127.0.0.1:4000/hook')).toBeUndefined();
    expect(allowing.refusalForUrl('http://[::ffff:127.0.0.1]:4000/hook')).toBeUndefined();
    expect(allowing.refusalForUrl('http://127.0.0.2:4000/hook')).toBe('127.0.0.2 is a loopback address');
  });

  it('lets through addresses inside an allowed CIDR range', () => {
    const allowing = createAddressGuard({ allowHosts: ['10.20.0.0/16', 'fd00:1::/32'] });
    expect(allowing.refusalForUrl('http://10.20.3.4/')).toBeUndefined();
    expect(allowing.refusalForUrl('http://[fd00:1:2::3]/')).toBeUndefined();
    expect(allowing.refusalForUrl('http://10.21.0.1/')).toBe('10.21.0.1 is a private address');
  });
});

describe('parseAllowHosts', () => {
  it('reads names, addresses and CIDR ranges, ignoring blanks and case', () => {
    const allow = parseAllowHosts(' Hooks.Internal. , 127.0.0.1,, [::1], 10.0.0.0/8 ');
    expect([...allow.names]).toEqual(['hooks.internal']);
    expect(allow.ranges.map(([address, bits]) => `${address.toString()}/${bits}`)).toEqual(['127.0.0.1/32', '::1/128', '10.0.0.0/8']);
  });

  it.each([['http://hooks.internal'], ['hooks.internal:8080'], ['10.0.0.0/33'], ['*.internal']])('refuses the entry %s, naming it', (entry) => {
    expect(() => parseAllowHosts(`127.0.0.1,${entry}`)).toThrow(`"${entry}"`);
  });
});

describe('checkUrlAtSubmission: resolving the name', () => {
  it('refuses localhost, resolved by the system resolver to a loopback address', async () => {
    await expect(createAddressGuard().checkUrlAtSubmission('http://localhost:3000/hook')).resolves.toBe('localhost resolves to a loopback address');
  });

  it('refuses a name when any one of its addresses is refused, without telling which address', async () => {
    const resolve = fakeResolver(() => ['93.184.216.34', '10.0.0.7']);
    await expect(createAddressGuard({ resolve }).checkUrlAtSubmission('https://mixed.example/hook')).resolves.toBe(
      'mixed.example resolves to a private address',
    );
  });

  it('lets through a name whose addresses are all public', async () => {
    const resolve = fakeResolver(() => ['93.184.216.34', '2606:4700::1111']);
    await expect(createAddressGuard({ resolve }).checkUrlAtSubmission('https://public.example/hook')).resolves.toBeUndefined();
  });

  it('refuses a name that does not resolve, with the resolver error code', async () => {
    const resolve = fakeResolver(() => Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    await expect(createAddressGuard({ resolve }).checkUrlAtSubmission('https://nowhere.example/')).resolves.toBe(
      'nowhere.example does not resolve (ENOTFOUND)',
    );
  });

  it('refuses a name whose resolution does not answer in time', async () => {
    const silent: LookupFunction = () => {};
    const guard = createAddressGuard({ resolve: silent, resolveTimeoutMs: 50 });
    await expect(guard.checkUrlAtSubmission('https://slow.example/')).resolves.toBe('slow.example does not resolve (no answer within 50 ms)');
  });

  it('lets through a name listed in allowHosts without resolving it', async () => {
    const resolve = fakeResolver(() => ['10.0.0.7']);
    const guard = createAddressGuard({ allowHosts: 'hooks.internal', resolve });
    await expect(guard.checkUrlAtSubmission('http://HOOKS.internal./hook')).resolves.toBeUndefined();
    expect(resolve.calls).toEqual([]);
  });
});

describe('lookup: the check at connect time, as node:http lookup option', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(200).end());
  });
  afterAll(() => receiver.close());

  /** Connections accepted, once a request allowed on purpose has gone through after the one under test. */
  async function connectionsBeforeControl(): Promise<number> {
    const before = receiver.connections;
    await expect(post(`${receiver.origin}/control`, createAddressGuard({ allowHosts: '127.0.0.1' }).lookup)).resolves.toBe(200);
    return before;
  }

  it('refuses localhost before connecting: the receiver on 127.0.0.1 sees no connection', async () => {
    const start = receiver.connections;
    const outcome = await post(`http://localhost:${receiver.port}/hook`, createAddressGuard().lookup);

    expect(outcome).toBeInstanceOf(OutboundRefusedError);
    expect(outcome).toMatchObject({ reason: 'localhost resolves to a loopback address', address: '127.0.0.1' });
    expect(await connectionsBeforeControl()).toBe(start);
  });

  it('refuses a name that passed at submission but resolves to loopback when connecting (DNS rebinding)', async () => {
    let answers = 0;
    const resolve = fakeResolver(() => (answers++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']));
    const guard = createAddressGuard({ resolve });
    const url = `http://rebind.example:${receiver.port}/hook`;
    await expect(guard.checkUrlAtSubmission(url)).resolves.toBeUndefined();
    const start = receiver.connections;

    const outcome = await post(url, guard.lookup);

    expect(outcome).toMatchObject({ reason: 'rebind.example resolves to a loopback address', address: '127.0.0.1' });
    expect(await connectionsBeforeControl()).toBe(start);
  });

  it('connects to a name resolving to an allowed address', async () => {
    const start = receiver.connections;
    await expect(post(`http://localhost:${receiver.port}/hook`, createAddressGuard({ allowHosts: '127.0.0.1' }).lookup)).resolves.toBe(200);
    expect(receiver.connections).toBe(start + 1);
  });

  it('connects to a name listed in allowHosts whatever it resolves to', async () => {
    await expect(post(`http://localhost:${receiver.port}/hook`, createAddressGuard({ allowHosts: 'localhost' }).lookup)).resolves.toBe(200);
  });
});
