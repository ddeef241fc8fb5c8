/**
 * The CDC suite: a PostgreSQL source against a real upstream server (test/harness/postgres.ts) with
 * a local persist directory. Measures the initial snapshot of a 1e6-row table (target ≤ 10 s), steady
 * ingest of a 1e6-row backlog in 1000-row transactions (target ≥ 100k rows/s), and commit → visible
 * lag at 5k rows/s (target p99 ≤ 100 ms). `--quick` runs at 1/10 scale and does not record.
 * Upstream runs with synchronous_commit=on: with it off (the test harness default), the walsender
 * only decodes WAL the walwriter has flushed, which adds up to wal_writer_delay (200 ms) of lag.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPersist } from '../../src/persist/index.ts';
import type { Timestamp } from '../../src/repr/index.ts';
import { newSlotName, purifyPostgresSource, startPostgresSource, type PostgresSourceConfig } from '../../src/storage/index.ts';
import { silentLogger } from '../../src/util/index.ts';
import { startPostgres } from '../../test/harness/postgres.ts';
import type { Suite } from '../main.ts';
import { formatTable, machineLine, recordResults } from '../results.ts';

const TARGETS = { snapshotS: 10, ingestRowsPerS: 100_000, lagP99Ms: 100 };
const say = (msg: string): void => void process.stderr.write(`${msg}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function lsnOf(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt('0x' + hi) << 32n) | BigInt('0x' + lo);
}

async function run(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { quick: { type: 'boolean' }, 'no-record': { type: 'boolean' } } });
  const scale = values.quick === true ? 10 : 1;
  const rows = 1_000_000 / scale;
  const server = await startPostgres({ settings: { max_wal_size: '4GB', checkpoint_timeout: '30min', synchronous_commit: 'on' } });
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-cdc-'));
  const up = new pg.Client({ connectionString: server.connectionString });
  await up.connect();
  const connection = { host: server.host, port: server.port, database: server.database, user: server.user };
  const lsnNow = async (): Promise<bigint> => lsnOf((await up.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l);
  try {
    await up.query(`
      CREATE TABLE big (id int8 PRIMARY KEY, a int4, b text, c numeric(12,2));
      CREATE TABLE lag (id int8 PRIMARY KEY, at timestamptz);
      ALTER TABLE big REPLICA IDENTITY FULL; ALTER TABLE lag REPLICA IDENTITY FULL;
      CREATE PUBLICATION bench_pub FOR TABLE big, lag;`);
    say(`loading ${rows} rows upstream`);
    await up.query(`INSERT INTO big SELECT g, g % 1000, 'row ' || g, g / 7.0 FROM generate_series(1, ${rows}) g`);
    const purified = await purifyPostgresSource({ connection, publication: 'bench_pub', tables: { kind: 'all' } });
    const config: PostgresSourceConfig = {
      name: 'bench', connection, publication: 'bench_pub', slotName: newSlotName(), tables: purified.tables,
      shards: { progress: 'bench-progress', errors: 'bench-errors', data: purified.tables.map((t) => `bench-${t.name}`) },
    };

    // 1. Snapshot.
    let persist = await openPersist({ backend: 'fs', dataDir });
    let t0 = performance.now();
    let source = await startPostgresSource(config, persist, silentLogger);
    await waitUntil(() => source.status().state === 'running');
    const snapshotS = (performance.now() - t0) / 1000;
    say(`snapshot: ${rows} rows in ${snapshotS.toFixed(2)} s`);
    await source.stop();

    // 2. Steady ingest of a backlog: 1000-row transactions committed while the source was stopped.
    say(`writing a ${rows}-row backlog upstream`);
    for (let i = 0; i < rows / 1000; i++) {
      const lo = rows + i * 1000 + 1;
      await up.query(`INSERT INTO big SELECT g, g % 1000, 'row ' || g, g / 7.0 FROM generate_series(${lo}, ${lo + 999}) g`);
    }
    const target = await lsnNow();
    t0 = performance.now();
    source = await startPostgresSource(config, persist, silentLogger);
    await waitUntil(() => {
      const f = source.status().ingestedLsn;
      return f !== undefined && lsnOf(f) >= target;
    }, 300_000);
    const ingestS = (performance.now() - t0) / 1000;
    const ingestRate = rows / ingestS;
    say(`ingest: ${rows} rows in ${ingestS.toFixed(2)} s = ${Math.round(ingestRate)} rows/s`);

    // 3. Lag at 5k rows/s: 50-row transactions every 10 ms; visible when the shard's upper passes them.
    const lagShard = await persist.open(config.shards.data[purified.tables.findIndex((t) => t.name === 'lag')]!);
    const visibleAt = new Map<bigint, number>();
    const unlisten = lagShard.listen(0 as Timestamp, (batch) => {
      const now = performance.now();
      for (const [row] of batch.updates) visibleAt.set(row[0] as bigint, now);
    });
    const committedAt = new Map<bigint, number>();
    const seconds = 5 / (scale === 1 ? 1 : 2.5);
    let id = 0n;
    const start = performance.now();
    for (let k = 0; performance.now() - start < seconds * 1000; k++) {
      const due = start + k * 10;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const first = id + 1n;
      id += 50n;
      await up.query(`INSERT INTO lag SELECT g, now() FROM generate_series(${first}, ${id}) g`);
      committedAt.set(first, performance.now());
    }
    await waitUntil(() => visibleAt.has(id), 30_000);
    unlisten();
    const lags = [...committedAt].map(([first, c]) => Math.max(0, visibleAt.get(first)! - c)).sort((a, b) => a - b);
    const pct = (p: number): number => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))]!;
    say(`lag: ${lags.length} transactions, p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms`);
    await source.stop();
    await persist.close();
    persist = undefined as never;

    const figures = {
      rows, snapshotS, ingestRowsPerS: Math.round(ingestRate), lagP50Ms: pct(50), lagP99Ms: pct(99), transactionsForLag: lags.length,
      targets: TARGETS,
      verdicts: {
        snapshot: snapshotS * scale <= TARGETS.snapshotS ? 'met' : 'missed',
        ingest: ingestRate >= TARGETS.ingestRowsPerS ? 'met' : 'missed',
        lag: pct(99) <= TARGETS.lagP99Ms ? 'met' : 'missed',
      },
    };
    const table = formatTable(
      ['measure', 'value', 'target', 'verdict'],
      [
        [`snapshot of ${rows} rows`, `${snapshotS.toFixed(2)} s`, `≤ ${TARGETS.snapshotS / scale} s`, figures.verdicts.snapshot],
        [`ingest of a ${rows}-row backlog`, `${Math.round(ingestRate).toLocaleString('en-US')} rows/s`, `≥ ${TARGETS.ingestRowsPerS.toLocaleString('en-US')} rows/s`, figures.verdicts.ingest],
        ['commit → visible lag p50 at 5k rows/s', `${pct(50).toFixed(1)} ms`, '', ''],
        ['commit → visible lag p99 at 5k rows/s', `${pct(99).toFixed(1)} ms`, `≤ ${TARGETS.lagP99Ms} ms`, figures.verdicts.lag],
      ],
    );
    process.stdout.write(`${table}\n`);
    if (values.quick !== true && values['no-record'] !== true) recordResults('cdc', machineLine(), table, figures);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return 0;
  } finally {
    await up.end().catch(() => undefined);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function waitUntil(cond: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('bench: timed out');
    await sleep(5);
  }
}

export const suite: Suite = {
  description: 'PostgreSQL source: snapshot of 1e6 rows, backlog ingest rows/s, commit→visible lag at 5k rows/s',
  run,
};
