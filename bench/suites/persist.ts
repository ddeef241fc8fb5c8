/**
 * The persist suite (issue 6), against a real server process on a fresh data directory:
 * 1. load a 1e6-row table with COPY FROM STDIN (bulk append throughput) and create a materialized
 *    view over it; then single-row INSERTs from 4 connections (small-append throughput);
 * 2. SIGKILL the server and time from process start to the answer of the first query on the view
 *    (target ≤ 5 s) — recovery: catalog, shards, dataflow hydration;
 * 3. on another data directory, 1e6 row updates to a 1e3-row table (1000 UPDATEs of every row),
 *    then compare disk use with the live data once compaction has caught up (target ≤ 10×).
 * Prints a table and, last, one JSON object; records bench/RESULTS.md unless --no-record/--quick.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import postgres from 'postgres';
import { encodeUpdates, type Timestamp, type Update } from '../../src/repr/index.ts';
import type { Suite } from '../main.ts';
import { freePort } from '../../test/support/server.ts';
import { formatTable, machineLine, recordResults } from '../results.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const TARGETS = { startupS: 5, diskRatio: 10 };
const say = (msg: string): void => void process.stderr.write(`${msg}\n`);
const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  /** ms from spawn until `probe` first succeeded. */
  readonly readyMs: number;
  output(): string;
}

/** Spawns a server and polls `probe` (a query) until it answers; returns the time that took. */
async function launch(dataDir: string, port: number, probe: (c: pg.Client) => Promise<boolean>): Promise<Server> {
  const started = performance.now();
  const child = spawn(process.execPath, ['src/main.ts', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--log-format', 'json'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `postgres://materialize@127.0.0.1:${port}/materialize`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    if (performance.now() - started > 120_000) throw new Error(`server not ready after 120 s:\n${out}`);
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    try {
      await c.connect();
      if (await probe(c)) {
        const readyMs = performance.now() - started;
        await c.end();
        return { url, child, readyMs, output: () => out };
      }
      await c.end();
    } catch {
      await c.end().catch(() => undefined);
    }
    await sleep(10);
  }
}

function kill(s: Server, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
    s.child.once('exit', () => resolve());
    s.child.kill(signal);
  });
}

/** Bytes of every file under `dir`: apparent size and allocated blocks. */
function diskUse(dir: string): { bytes: number; allocated: number; files: number } {
  let bytes = 0;
  let allocated = 0;
  let files = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else {
        bytes += st.size;
        allocated += st.blocks * 512;
        files++;
      }
    }
  };
  walk(dir);
  return { bytes, allocated, files };
}

async function run(args: readonly string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: [...args],
    options: {
      rows: { type: 'string', default: '1000000' },
      'update-rows': { type: 'string', default: '1000' },
      updates: { type: 'string', default: '1000000' },
      inserts: { type: 'string', default: '2000' },
      quick: { type: 'boolean', default: false },
      record: { type: 'boolean', default: true },
      'no-record': { type: 'boolean', default: false },
    },
  });
  const scale = v.quick ? 0.1 : 1;
  const rows = Math.round(Number(v.rows) * scale);
  const updateRows = Number(v['update-rows']);
  const updates = Math.round(Number(v.updates) * scale);
  const inserts = Math.round(Number(v.inserts) * scale);
  const machine = machineLine();
  const dirs: string[] = [];
  const servers: Server[] = [];
  try {
    // --- 1. load, view, appends ---------------------------------------------------------------
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-persist-'));
    dirs.push(dataDir);
    const port = await freePort();
    let srv = await launch(dataDir, port, async (c) => (await c.query('SELECT 1')).rowCount === 1);
    servers.push(srv);
    say(`fresh server ready in ${fmt(srv.readyMs)} ms; loading ${fmt(rows)} rows with COPY`);
    const sql = postgres(srv.url, { max: 1, fetch_types: false, onnotice: () => undefined });
    await sql`CREATE TABLE big (id bigint, grp int, val int, note text)`;
    const loadStart = performance.now();
    const stream = await sql`COPY big FROM STDIN`.writable();
    const CHUNK = 10_000;
    for (let i = 0; i < rows; i += CHUNK) {
      let text = '';
      for (let j = i; j < Math.min(rows, i + CHUNK); j++) text += `${j}\t${j % 1000}\t${(j * 7919) % 10007}\tnote ${j}\n`;
      if (!stream.write(text)) await new Promise((r) => stream.once('drain', r));
    }
    await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const loadMs = performance.now() - loadStart;
    const [{ n: loaded } = { n: '0' }] = await sql<{ n: string }[]>`SELECT count(*)::text AS n FROM big`;
    if (Number(loaded) !== rows) throw new Error(`loaded ${loaded} rows, expected ${rows}`);
    say(`loaded in ${fmt(loadMs)} ms (${fmt(rows / (loadMs / 1000))} rows/s)`);
    const mvStart = performance.now();
    await sql`CREATE MATERIALIZED VIEW by_grp AS SELECT grp, count(*) AS n, sum(val) AS s FROM big GROUP BY grp`;
    const [{ n: groups } = { n: '0' }] = await sql<{ n: string }[]>`SELECT count(*)::text AS n FROM by_grp`;
    const mvMs = performance.now() - mvStart;
    say(`materialized view over it: ${groups} groups, ${fmt(mvMs)} ms`);
    await sql.end();

    const CONNS = 4;
    const insertStart = performance.now();
    await Promise.all(Array.from({ length: CONNS }, async (_, w) => {
      const c = new pg.Client({ connectionString: srv.url });
      await c.connect();
      for (let i = w; i < inserts; i += CONNS) await c.query('INSERT INTO big VALUES ($1, $2, $3, $4)', [rows + i, i % 1000, i, 'single']);
      await c.end();
    }));
    const insertMs = performance.now() - insertStart;
    say(`${fmt(inserts)} single-row INSERTs from ${CONNS} connections: ${fmt(inserts / (insertMs / 1000))}/s`);
    const total = rows + inserts;

    // --- 2. restart: time to the first answer from the view --------------------------------------
    await kill(srv);
    const startups: number[] = [];
    const snapshotMs: number[] = [];
    for (let i = 0; i < 2; i++) {
      srv = await launch(dataDir, port, async (c) => {
        const r = await c.query<{ n: string }>('SELECT sum(n)::text AS n FROM by_grp');
        if (Number(r.rows[0]?.n) !== total) throw new Error(`view answered ${r.rows[0]?.n}, expected ${total}`);
        return true;
      });
      servers.push(srv);
      startups.push(srv.readyMs);
      say(`restart ${i + 1}: first answer from the view after ${fmt(srv.readyMs)} ms`);
      const lines = srv.output().split('\n');
      for (const l of lines.filter((x) => /hydrat|catalog loaded|verified|persist: snapshot|tributary is ready/.test(x))) say(`  log: ${l.slice(0, 260)}`);
      snapshotMs.push(lines.filter((x) => x.includes('persist: snapshot')).reduce((n, x) => n + ((JSON.parse(x) as { ms?: number }).ms ?? 0), 0));
      await kill(srv);
    }
    const startupMs = Math.min(...startups);
    // What persist itself contributed: the snapshot reads logged during the fastest restart.
    const persistReadMs = snapshotMs[startups.indexOf(startupMs)] ?? NaN;
    const dataUse = diskUse(dataDir);

    // --- 3. disk use after many updates ---------------------------------------------------------
    const upDir = mkdtempSync(join(tmpdir(), 'tributary-bench-persist-updates-'));
    dirs.push(upDir);
    srv = await launch(upDir, await freePort(), async (c) => (await c.query('SELECT 1')).rowCount === 1);
    servers.push(srv);
    const c = new pg.Client({ connectionString: srv.url });
    await c.connect();
    const payload = 'x'.repeat(100);
    await c.query('CREATE TABLE kv (k int, v bigint, payload text)');
    const initial = Array.from({ length: updateRows }, (_, k) => `(${k}, 0, '${payload}')`).join(', ');
    await c.query(`INSERT INTO kv VALUES ${initial}`);
    const statements = Math.ceil(updates / updateRows);
    say(`${fmt(updates)} row updates to ${fmt(updateRows)} rows: ${fmt(statements)} UPDATEs of every row`);
    const upStart = performance.now();
    let peak = 0;
    for (let i = 0; i < statements; i++) {
      await c.query('UPDATE kv SET v = v + 1');
      if (i % 100 === 99) {
        peak = Math.max(peak, diskUse(upDir).bytes);
        say(`  ${fmt(i + 1)} updates statements, ${fmt((performance.now() - upStart) / (i + 1))} ms each, disk ${fmt(diskUse(upDir).bytes)} bytes`);
      }
    }
    const upMs = performance.now() - upStart;
    // Let compaction catch up (the coordinator downgrades since every second, merges run in the
    // background): wait until disk use stops shrinking for 3 s, at most 30 s.
    const settleStart = performance.now();
    let last = diskUse(upDir).bytes;
    let stable = 0;
    while (stable < 3 && performance.now() - settleStart < 30_000) {
      await sleep(1000);
      const now = diskUse(upDir).bytes;
      stable = now < last ? 0 : stable + 1;
      last = Math.min(last, now);
    }
    const settleS = (performance.now() - settleStart) / 1000 - stable;
    say(`compaction settled ${settleS.toFixed(1)} s after the last update`);
    const live = await c.query<{ k: number; v: string; payload: string }>('SELECT k, v, payload FROM kv');
    await c.end();
    if (live.rows.length !== updateRows || live.rows.some((r) => Number(r.v) !== statements)) throw new Error('kv has wrong contents after the updates');
    const liveUpdates: Update[] = live.rows.map((r) => [[r.k, BigInt(r.v), r.payload], 0 as Timestamp, 1] as const);
    const liveBytes = encodeUpdates(liveUpdates).length;
    const afterUpdates = diskUse(upDir);
    peak = Math.max(peak, afterUpdates.bytes);
    await kill(srv);
    const ratio = afterUpdates.bytes / liveBytes;

    const table = formatTable(['measure', 'value', 'target'], [
      ['start → first answer from the MV over the 1e6-row table (s)', (startupMs / 1000).toFixed(2), `≤ ${TARGETS.startupS}`],
      ['  of which persist snapshot reads (s)', (persistReadMs / 1000).toFixed(2), ''],
      ['bulk append (COPY) rows/s', fmt(rows / (loadMs / 1000)), ''],
      ['single-row INSERT/s (4 connections)', fmt(inserts / (insertMs / 1000)), ''],
      ['UPDATE of 1e3 rows (ms each)', (upMs / statements).toFixed(1), ''],
      ['row updates/s', fmt(updates / (upMs / 1000)), ''],
      ['data dir after load (MB)', (dataUse.bytes / 1e6).toFixed(1), ''],
      ['disk after updates (bytes, files)', `${fmt(afterUpdates.bytes)} (${afterUpdates.files})`, ''],
      ['live data, encoded (bytes)', fmt(liveBytes), ''],
      ['disk / live', ratio.toFixed(2), `≤ ${TARGETS.diskRatio}`],
    ]);
    process.stdout.write(`${table}\n`);
    const json = {
      suite: 'persist',
      scale,
      rows,
      startupToFirstQueryS: Number((startupMs / 1000).toFixed(3)),
      startupRunsS: startups.map((s) => Number((s / 1000).toFixed(3))),
      persistSnapshotReadS: Number((persistReadMs / 1000).toFixed(3)),
      bulkAppendRowsPerS: Math.round(rows / (loadMs / 1000)),
      singleInsertsPerS: Math.round(inserts / (insertMs / 1000)),
      mvCreateS: Number((mvMs / 1000).toFixed(3)),
      rowUpdates: updates,
      rowUpdatesPerS: Math.round(updates / (upMs / 1000)),
      diskBytesAfterUpdates: afterUpdates.bytes,
      diskAllocatedBytesAfterUpdates: afterUpdates.allocated,
      diskPeakBytesDuringUpdates: peak,
      compactionSettleS: Number(settleS.toFixed(1)),
      liveBytes,
      diskToLiveRatio: Number(ratio.toFixed(2)),
      targets: { startupS: TARGETS.startupS, diskRatio: TARGETS.diskRatio },
      meetsTargets: { startup: startupMs / 1000 <= TARGETS.startupS, disk: ratio <= TARGETS.diskRatio },
    };
    const notes = [
      `Startup = process start (Node, module loading) + persist open and verify + catalog replay + dataflow`,
      `hydration; persist's snapshot reads took ${(persistReadMs / 1000).toFixed(2)} s of the ${(startupMs / 1000).toFixed(2)} s`,
      `(the rest is outside persist). Disk: ${fmt(afterUpdates.bytes)} bytes once compaction settled`,
      `(${settleS.toFixed(1)} s after the last update), peak ${fmt(peak)} bytes while updating.`,
    ].join('\n');
    if (v.record && !v['no-record'] && !v.quick) recordResults('persist', machine, table, json, notes);
    process.stdout.write(`${JSON.stringify(json)}\n`);
    return 0;
  } finally {
    for (const s of servers) await kill(s);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

export const suite: Suite = {
  description: 'persist: restart to first query with a 1e6-row table + MV, append throughput, disk use under updates',
  run,
};
