import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

const run = promisify(execFile);
const BUS_PORT_OFFSET = 10_000;

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + BUS_PORT_OFFSET >= 65_536) continue;
    try {
      const bus = await freePortExactly(port + BUS_PORT_OFFSET);
      if (bus) return port;
    } catch {
      // try another
    }
  }
}

async function freePortExactly(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface RedisCluster {
  readonly nodes: ReadonlyArray<RedisServer>;
  /** `host:port,host:port,...`, the REDIS_CLUSTER_NODES form. */
  readonly nodeList: string;
  redisCli(...args: string[]): Promise<string>;
  /** The node serving a slot. */
  ownerOf(slot: number): Promise<RedisServer>;
  /** Moves one slot, keys included, to another node (the MIGRATING/IMPORTING dance redis-cli does). */
  migrateSlot(slot: number, to: RedisServer): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `masters` redis-server processes with cluster mode on free ports and
 * joins them with `redis-cli --cluster create` (no replicas unless asked), for
 * tests and benchmarks. Never touches a Redis it did not start.
 */
export async function startRedisCluster(options: { masters?: number; replicas?: number } = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'job-intake-cluster-'));
  const nodes: RedisServer[] = [];
  for (let i = 0; i < masters * (1 + replicas); i += 1) {
    const port = await freeClusterPort();
    nodes.push(
      await startRedisServer({
        port,
        args: ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000', '--dir', dir],
      }),
    );
  }
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
  const redisCli = async (...args: string[]) => (await run('redis-cli', args, { timeout: 60_000 })).stdout;
  await redisCli('--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes');
  for (let tries = 0; ; tries += 1) {
    const states = await Promise.all(nodes.map((node) => redisCli('-p', String(node.port), 'cluster', 'info')));
    if (states.every((info) => info.includes('cluster_state:ok'))) break;
    if (tries > 200) throw new Error('redis cluster did not reach cluster_state:ok');
    await delay(50);
  }
  const cli = (node: RedisServer, ...args: string[]) => redisCli('-p', String(node.port), ...args);
  const nodeId = async (node: RedisServer) => (await cli(node, 'cluster', 'myid')).trim();
  const ownerOf = async (slot: number) => {
    const shards = (await cli(nodes[0]!, 'cluster', 'nodes')).split('\n');
    for (const node of nodes) {
      const line = shards.find((entry) => entry.includes(`:${node.port}@`));
      const ranges = line?.split(' ').slice(8) ?? [];
      if (ranges.some((range) => { const [a, b] = range.split('-').map(Number); return slot >= a! && slot <= (b ?? a)!; })) return node;
    }
    throw new Error(`no node serves slot ${slot}`);
  };
  return {
    nodes,
    nodeList: addresses.join(','),
    redisCli,
    ownerOf,
    async migrateSlot(slot, to) {
      const from = await ownerOf(slot);
      if (from === to) return;
      const [fromId, toId] = [await nodeId(from), await nodeId(to)];
      await cli(to, 'cluster', 'setslot', String(slot), 'importing', fromId);
      await cli(from, 'cluster', 'setslot', String(slot), 'migrating', toId);
      for (;;) {
        const keys = (await cli(from, 'cluster', 'getkeysinslot', String(slot), '100')).split('\n').filter(Boolean);
        if (keys.length === 0) break;
        await cli(from, 'migrate', '127.0.0.1', String(to.port), '', '0', '5000', 'KEYS', ...keys);
      }
      for (const node of nodes) await cli(node, 'cluster', 'setslot', String(slot), 'node', toId);
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
