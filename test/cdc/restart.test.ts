/**
 * Crashes and outages: the source process SIGKILLed mid-stream and restarted over the same data
 * directory (exactly once: final contents equal upstream, nothing lost or doubled, every timestamp
 * consistent), and the upstream PostgreSQL restarted under a running source (it stalls with the
 * reason, reconnects with backoff and loses nothing).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PostgresSourceStatus } from '../../src/storage/index.ts';
import { type PostgresServer, findPostgresBinDir, startPostgres } from '../harness/postgres.ts';
import { openFsPersist, sourceConfig, startTestSource, tempDir, upstream, upstreamRows, waitFor } from './support.ts';

let server: PostgresServer;
let up: pg.Client;
let relaunched: ChildProcess | undefined;

beforeAll(async () => {
  server = await startPostgres();
  up = await upstream(server);
});

afterAll(async () => {
  await up?.end().catch(() => undefined);
  if (relaunched !== undefined) await stopUpstream();
  await server?.stop();
});

function runSourceProcess(dataDir: string, config: unknown): { child: ChildProcess; latest: () => PostgresSourceStatus | undefined } {
  const fixture = new URL('./fixtures/source-process.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [fixture, JSON.stringify({ dataDir, config })], { stdio: ['ignore', 'pipe', 'inherit'] });
  let latest: PostgresSourceStatus | undefined;
  let buf = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l.trim() !== '') latest = JSON.parse(l) as PostgresSourceStatus;
  });
  return { child, latest: () => latest };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

it('resumes exactly once after the source process is SIGKILLed mid-stream', async () => {
  await up.query(`
    CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);
    CREATE TABLE total (k int PRIMARY KEY, sum int8 NOT NULL);
    ALTER TABLE items REPLICA IDENTITY FULL; ALTER TABLE total REPLICA IDENTITY FULL;
    INSERT INTO items SELECT g, g FROM generate_series(1, 2000) g;
    INSERT INTO total SELECT 1, sum(v) FROM items;
    CREATE PUBLICATION crash_pub FOR TABLE items, total;`);
  const { config, purified } = await sourceConfig(server, 'crash_pub', { kind: 'all' }, 'crash');
  const dir = tempDir();
  try {
    let nextId = 2001;
    // Each upstream transaction adds 5 items, deletes one, updates one, and keeps `total` equal to sum(v).
    const writeTxns = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const ids = [0, 1, 2, 3, 4].map(() => nextId++);
        await up.query(`BEGIN;
          INSERT INTO items VALUES ${ids.map((id) => `(${id}, ${id % 97})`).join(', ')};
          DELETE FROM items WHERE id = ${ids[0]! - 3};
          UPDATE items SET v = v + 1 WHERE id = ${ids[1]! - 7};
          UPDATE total SET sum = (SELECT sum(v) FROM items) WHERE k = 1;
          COMMIT;`);
      }
    };
    for (let round = 0; round < 2; round++) {
      const proc = runSourceProcess(dir.dir, config);
      await waitFor('child source running', () => proc.latest()?.state === 'running', 20_000);
      const writing = writeTxns(300);
      // Kill it while it is ingesting: after it has written some of this round's transactions.
      const before = proc.latest()!.ingestedLsn;
      await waitFor('child ingesting', () => proc.latest()?.ingestedLsn !== before, 20_000);
      await new Promise((r) => setTimeout(r, 100 + round * 150));
      await kill(proc.child);
      await writing;
    }
    await writeTxns(50);
    const persist = await openFsPersist(dir.dir);
    const src = await startTestSource(config, purified, persist);
    try {
      const expectItems = await upstreamRows(up, 'SELECT * FROM items');
      const expectTotal = await upstreamRows(up, 'SELECT * FROM total');
      await waitFor('restarted source caught up', async () =>
        JSON.stringify([await src.rows('items'), await src.rows('total')]) === JSON.stringify([expectItems, expectTotal]), 30_000);
      // Consistency at every recent time: total = sum(items), as upstream always had it.
      const items = await src.shard('items');
      const total = await src.shard('total');
      const upper = src.handle.status().upper;
      const since = Math.max(Number(items.since()), Number(total.since()));
      for (let t = Math.max(since, upper - 400); t < upper; t += 7) {
        const sumItems = (await items.snapshot(t as never)).reduce((s, [row, , d]) => s + (row[1] as number) * d, 0);
        const totals = await total.snapshot(t as never);
        expect(totals.map((u) => u[2]), `time ${t}`).toEqual([1]);
        expect(totals[0]![0][1], `time ${t}`).toBe(BigInt(sumItems));
      }
    } finally {
      await src.handle.stop();
      await persist.close();
    }
  } finally {
    dir.remove();
  }
}, 90_000);

it('a snapshot killed after its first chunk is an error, never a partial table', async () => {
  await up.query(`
    CREATE TABLE snap (id int PRIMARY KEY, pad text);
    ALTER TABLE snap REPLICA IDENTITY FULL;
    INSERT INTO snap SELECT g, repeat('x', 50) FROM generate_series(1, 200000) g;
    CREATE PUBLICATION snap_pub FOR TABLE snap;`);
  const { config: base, purified } = await sourceConfig(server, 'snap_pub', { kind: 'all' }, 'snap');
  const config = { ...base, tuning: { ...base.tuning, snapshotChunkRows: 5_000 } };
  const dir = tempDir();
  try {
    const proc = runSourceProcess(dir.dir, config);
    await waitFor('first chunk written', () => (proc.latest()?.snapshot[0]?.rows ?? 0) > 0, 30_000);
    await kill(proc.child);
    expect(proc.latest()!.snapshot[0]!.done).toBe(false);
    const persist = await openFsPersist(dir.dir);
    const src = await startTestSource(config, purified, persist);
    try {
      await waitFor('failed', () => src.handle.status().state === 'failed', 20_000);
      expect(src.handle.status().error).toMatch(/initial snapshot of this source was interrupted/);
      // Reads at the current time see the error (the partial rows are there, but never alone).
      const errors = await persist.open(config.shards.errors);
      await waitFor('error durable', async () => {
        const u = errors.upper() as number;
        return u > 0 && (await errors.snapshot((u - 1) as never)).length === 1;
      });
    } finally {
      await src.handle.stop();
      await persist.close();
    }
  } finally {
    dir.remove();
  }
}, 60_000);

// --- upstream restart ----------------------------------------------------------------------------

function postmasterPid(): number | undefined {
  const file = join(server.dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function stopUpstream(): Promise<void> {
  const pid = postmasterPid();
  if (pid !== undefined) process.kill(pid, 'SIGINT');
  await waitFor('upstream stopped', () => postmasterPid() === undefined, 20_000);
  relaunched = undefined;
}

async function relaunchUpstream(): Promise<void> {
  const bin = join(findPostgresBinDir()!, 'postgres');
  const args = ['-D', server.dataDir];
  const settings: Record<string, string> = {
    listen_addresses: server.host, port: String(server.port), unix_socket_directories: server.dataDir, wal_level: 'logical',
    max_replication_slots: '10', max_wal_senders: '10', fsync: 'off', synchronous_commit: 'off', shared_buffers: '32MB',
  };
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
  const isRoot = process.getuid?.() === 0;
  relaunched = isRoot ? spawn('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'ignore' }) : spawn(bin, args, { stdio: 'ignore' });
  await waitFor('upstream ready', async () => {
    const c = await upstream(server);
    await c.end();
    return true;
  }, 30_000);
}

it('stalls while upstream PostgreSQL restarts, then reconnects and loses nothing', async () => {
  await up.query(`
    CREATE TABLE rs (id int PRIMARY KEY, note text);
    ALTER TABLE rs REPLICA IDENTITY FULL;
    INSERT INTO rs SELECT g, 'before' FROM generate_series(1, 100) g;
    CREATE PUBLICATION rs_pub FOR TABLE rs;`);
  const { config, purified } = await sourceConfig(server, 'rs_pub', { kind: 'all' }, 'rs');
  const dir = tempDir();
  const persist = await openFsPersist(dir.dir);
  const src = await startTestSource(config, purified, persist);
  try {
    await waitFor('running', () => src.handle.status().state === 'running');
    await up.query(`INSERT INTO rs SELECT g, 'streamed' FROM generate_series(101, 200) g`);
    await waitFor('streamed', async () => (await src.rows('rs')).length === 200);
    await up.end();
    await stopUpstream();
    await waitFor('stalled', () => src.handle.status().state === 'stalled');
    expect(src.handle.status().error).toBeTruthy();
    await relaunchUpstream();
    up = await upstream(server);
    await up.query(`INSERT INTO rs SELECT g, 'after' FROM generate_series(201, 300) g; UPDATE rs SET note = 'updated' WHERE id <= 10`);
    const expected = await upstreamRows(up, 'SELECT * FROM rs');
    await waitFor('caught up after restart', async () => JSON.stringify(await src.rows('rs')) === JSON.stringify(expected), 30_000);
    expect(src.handle.status().state).toBe('running');
  } finally {
    await src.handle.stop();
    await persist.close();
    dir.remove();
  }
}, 90_000);

it('a newer process takes over: the abandoned source is fenced and the slot moves to the new one', async () => {
  await up.query(`
    CREATE TABLE tk (id int PRIMARY KEY);
    ALTER TABLE tk REPLICA IDENTITY FULL;
    INSERT INTO tk SELECT generate_series(1, 50);
    CREATE PUBLICATION tk_pub FOR TABLE tk;`);
  const { config, purified } = await sourceConfig(server, 'tk_pub', { kind: 'all' }, 'tk');
  const dir = tempDir();
  const oldPersist = await openFsPersist(dir.dir);
  const old = await startTestSource(config, purified, oldPersist);
  await waitFor('old running', () => old.handle.status().state === 'running');
  await up.query('INSERT INTO tk SELECT generate_series(51, 100)');
  await waitFor('old ingested', async () => (await old.rows('tk')).length === 100);
  // Abandon `old` without any cleanup; a new process opens the same data directory.
  const persist = await openFsPersist(dir.dir);
  const src = await startTestSource(config, purified, persist);
  try {
    await up.query('INSERT INTO tk SELECT generate_series(101, 150)');
    await waitFor('new source caught up', async () => (await src.rows('tk')).length === 150, 20_000);
    await waitFor('old source fenced', () => old.handle.status().state === 'failed');
    expect(old.handle.status().error).toMatch(/fenced/);
    await up.query('INSERT INTO tk SELECT generate_series(151, 200)');
    const expected = await upstreamRows(up, 'SELECT * FROM tk');
    await waitFor('new source keeps the slot', async () => JSON.stringify(await src.rows('tk')) === JSON.stringify(expected), 20_000);
    expect(src.handle.status().state).toBe('running');
  } finally {
    await old.handle.stop();
    await src.handle.stop();
    await persist.close();
    await oldPersist.close().catch(() => undefined);
    dir.remove();
  }
}, 60_000);
