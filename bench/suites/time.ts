/**
 * The time suite: latency and throughput of a Tributary server process over pgwire, beside a real
 * PostgreSQL on the same machine in the same run.
 * 1. freshness: INSERT acknowledged → the matching SUBSCRIBE row at the client, at 1k inserts/s
 *    (target p99 ≤ 20 ms); also INSERT sent → row;
 * 2. single-row INSERTs from 8 connections for a fixed time (target ≥ 10k/s), same on PostgreSQL;
 * 3. point SELECT on an indexed view from 8 connections (target ≥ 30k/s), same on PostgreSQL with a
 *    btree index under a plain view.
 * Throughputs are medians of 3 timed runs (systems alternate within a run) after a warm-up; the
 * server's CPU per statement (from /proc) is reported beside them, being steadier under load.
 * PostgreSQL runs durable, like Tributary (which fsyncs every append): fsync=on,
 * synchronous_commit=on, full_page_writes=on, shared_buffers=128MB.
 * `--quick`: shorter phases, one run, not recorded. `--data-root <dir>` puts both data directories
 * there (e.g. /dev/shm, where syncs cost nothing: the CPU-bound ceiling). `--profile freshness|insert|select` runs that
 * phase on Tributary alone under --cpu-prof and prints the top functions by self time.
 */
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres, type PostgresServer } from '../../test/harness/postgres.ts';
import type { Suite } from '../main.ts';
import { formatTop, topFunctions } from '../profile.ts';
import { formatTable, machineLine, median, recordResults } from '../results.ts';
import { closeAll, closedLoop, connections, measureFreshness, percentile, startTributary, type Sql, type Tributary } from '../time/load.ts';

const TARGETS = { freshnessP99Ms: 20, insertsPerS: 10_000, pointSelectsPerS: 30_000 };
// PostgreSQL's defaults, durable: the test harness turns fsync off and wal_level up for its own tests.
const PG_SETTINGS = { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', shared_buffers: '128MB', wal_level: 'replica' };
const CONNS = 8;
const KV_ROWS = 10_000;
const FRESH_RATE = 1000;
const PROFILES = new URL('../out/profiles/', import.meta.url).pathname;
const say = (msg: string): void => void process.stderr.write(`${msg}\n`);
const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const ms = (n: number): string => `${n.toFixed(1)} ms`;

type System = 'tributary' | 'postgres';

async function setup(url: string, system: System): Promise<void> {
  const [c] = connections(url, 1);
  try {
    await c!.unsafe('CREATE TABLE ins (id int8, a int4, b text)');
    await c!.unsafe('CREATE TABLE kv (k int4, v text)');
    await c!.unsafe(`INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, ${KV_ROWS}) g`);
    await c!.unsafe('CREATE VIEW kv_v AS SELECT k, v FROM kv');
    if (system === 'tributary') {
      await c!.unsafe('CREATE TABLE fresh_warm (id int8)');
      await c!.unsafe('CREATE TABLE fresh (id int8)');
      await c!.unsafe('CREATE INDEX kv_idx ON kv_v (k)');
    } else {
      await c!.unsafe('CREATE INDEX kv_idx ON kv USING btree (k)');
      await c!.unsafe('ANALYZE kv');
    }
  } finally {
    await closeAll([c!]);
  }
}

/** Ids are unique across runs and workers, so the final count(*) checks every acknowledged row. */
let nextInsertBase = 0;
async function insertRun(conns: readonly Sql[], durationMs: number): Promise<{ count: number; perS: number }> {
  const base = nextInsertBase;
  nextInsertBase += 1e9;
  return closedLoop(conns, durationMs, async (conn, w, i) => {
    const id = base + w * 1e8 + i;
    await conn.unsafe('INSERT INTO ins VALUES ($1, $2, $3)', [id, i % 1000, `row ${id}`], { prepare: true });
  });
}

function selectRun(conns: readonly Sql[], durationMs: number): Promise<{ count: number; perS: number }> {
  return closedLoop(conns, durationMs, async (conn) => {
    const k = 1 + Math.floor(Math.random() * KV_ROWS);
    const rows = await conn.unsafe<{ v: string }[]>('SELECT v FROM kv_v WHERE k = $1', [k], { prepare: true });
    if (rows.length !== 1 || rows[0]!.v !== `v${k}`) throw new Error(`point SELECT k = ${k} answered ${JSON.stringify(rows)}`);
  });
}

async function countIns(url: string): Promise<number> {
  const [c] = connections(url, 1);
  try {
    const r = await c!.unsafe<{ n: string }[]>('SELECT count(*)::text AS n FROM ins');
    return Number(r[0]!.n);
  } finally {
    await closeAll([c!]);
  }
}

async function run(args: readonly string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: [...args],
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      seconds: { type: 'string' },
      'fresh-seconds': { type: 'string' },
      record: { type: 'boolean', default: true },
      'no-record': { type: 'boolean', default: false },
      profile: { type: 'string' },
      'data-root': { type: 'string' },
    },
  });
  // Both servers' data directories go under os.tmpdir(); e.g. /dev/shm shows the ceiling without disk syncs.
  if (v['data-root'] !== undefined) process.env['TMPDIR'] = v['data-root'];
  const quick = v.quick;
  const runs = Number(v.runs ?? (quick ? 1 : 3));
  const phaseMs = 1000 * Number(v.seconds ?? (quick ? 2 : 5));
  const freshMs = 1000 * Number(v['fresh-seconds'] ?? (quick ? 2 : 6));
  const warmMs = quick ? 500 : 1000;
  const profile = v.profile;
  if (profile !== undefined && !['freshness', 'insert', 'select'].includes(profile)) {
    say(`--profile takes freshness, insert or select, not "${profile}"`);
    return 2;
  }
  const machine = machineLine();
  const profDir = profile === undefined ? undefined : join(PROFILES, `time-${profile}-${Date.now()}`);

  let trib: Tributary | undefined;
  let pgServer: PostgresServer | undefined;
  try {
    say('starting Tributary' + (profile === undefined ? ' and PostgreSQL' : ' under --cpu-prof'));
    trib = await startTributary(profDir === undefined ? {} : { cpuProfDir: profDir });
    if (profile === undefined) pgServer = await startPostgres({ settings: PG_SETTINGS });
    const urls: Partial<Record<System, string>> = { tributary: trib.url };
    if (pgServer !== undefined) urls.postgres = pgServer.connectionString;
    const systems = Object.keys(urls) as System[];
    for (const s of systems) await setup(urls[s]!, s);

    // --- 1. freshness (Tributary only: PostgreSQL has no SUBSCRIBE) -------------------------------
    let fresh: Awaited<ReturnType<typeof measureFreshness>> | undefined;
    if (profile === undefined || profile === 'freshness') {
      await measureFreshness(trib.url, 'fresh_warm', FRESH_RATE, warmMs);
      say(`freshness: ${fmt(FRESH_RATE)} inserts/s for ${freshMs / 1000} s, SUBSCRIBE cursor on another connection`);
      fresh = await measureFreshness(trib.url, 'fresh', FRESH_RATE, freshMs);
      say(`  ${fresh.ackToRow.length} of ${fresh.offered} rows sent, ${fmt(fresh.achievedPerS)} inserts/s achieved, ${fresh.fetches} FETCHes; ack → row p50 ${ms(percentile(fresh.ackToRow, 50))} p99 ${ms(percentile(fresh.ackToRow, 99))}; sent → row p50 ${ms(percentile(fresh.sendToRow, 50))} p99 ${ms(percentile(fresh.sendToRow, 99))}`);
    }

    // --- 2 and 3. closed-loop throughput, systems alternating within each run ---------------------
    const phases: { name: 'insert' | 'select'; label: string; go: (c: readonly Sql[], d: number) => Promise<{ count: number; perS: number }> }[] = [
      { name: 'insert', label: 'single-row INSERTs', go: insertRun },
      { name: 'select', label: 'point SELECTs on the indexed view', go: selectRun },
    ];
    const rates: Record<'insert' | 'select', Record<System, number[]>> = {
      insert: { tributary: [], postgres: [] },
      select: { tributary: [], postgres: [] },
    };
    const acked: Record<System, number> = { tributary: 0, postgres: 0 };
    /** Tributary's process CPU per statement (µs): steadier than throughput on a loaded machine. */
    const cpuPerStatement: Record<'insert' | 'select', number[]> = { insert: [], select: [] };
    for (const phase of phases) {
      if (profile !== undefined && profile !== phase.name) continue;
      say(`${phase.label}: ${CONNS} connections, ${phaseMs / 1000} s per run, ${runs} run(s) after a ${warmMs / 1000} s warm-up`);
      const conns = Object.fromEntries(systems.map((s) => [s, connections(urls[s]!, CONNS)])) as Record<System, Sql[]>;
      try {
        for (const s of systems) {
          const w = await phase.go(conns[s], warmMs);
          if (phase.name === 'insert') acked[s] += w.count;
        }
        for (let r = 0; r < runs; r++) {
          for (const s of systems) {
            const cpu0 = s === 'tributary' ? trib.cpuMs() : NaN;
            const res = await phase.go(conns[s], phaseMs);
            if (phase.name === 'insert') acked[s] += res.count;
            rates[phase.name][s].push(res.perS);
            const cpuUs = s === 'tributary' ? ((trib.cpuMs() - cpu0) * 1000) / res.count : NaN;
            if (Number.isFinite(cpuUs)) cpuPerStatement[phase.name].push(cpuUs);
            say(`  run ${r + 1} ${s.padEnd(9)} ${fmt(res.perS)}/s${Number.isFinite(cpuUs) ? ` (server CPU ${fmt(cpuUs)} µs per statement)` : ''}`);
          }
        }
      } finally {
        await closeAll(systems.flatMap((s) => conns[s]));
      }
      if (phase.name === 'insert') {
        for (const s of systems) {
          const n = await countIns(urls[s]!);
          if (n !== acked[s]) throw new Error(`${s}: ${acked[s]} INSERTs acknowledged but count(*) is ${n}`);
        }
      }
    }

    if (profile !== undefined) {
      await trib.stop();
      trib = undefined;
      const files = readdirSync(profDir!).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profDir!, f));
      const file = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
      if (file === undefined) throw new Error(`no .cpuprofile written under ${profDir}`);
      say(`profile (server lifetime: startup, setup, warm-up and the ${profile} phase): ${file}`);
      process.stdout.write(`${formatTop(topFunctions(file, 25))}\n`);
      process.stdout.write(`${JSON.stringify({ profile, file, top: topFunctions(file, 25) })}\n`);
      return 0;
    }

    const med = (p: 'insert' | 'select', s: System): number => median(rates[p][s]);
    const f = fresh!;
    const figures = {
      freshness: {
        insertsPerS: FRESH_RATE,
        rowsOffered: f.offered,
        achievedPerS: Math.round(f.achievedPerS),
        rows: f.ackToRow.length,
        fetches: f.fetches,
        ackToRowP50Ms: round1(percentile(f.ackToRow, 50)),
        ackToRowP99Ms: round1(percentile(f.ackToRow, 99)),
        ackToRowMaxMs: round1(percentile(f.ackToRow, 100)),
        sendToRowP50Ms: round1(percentile(f.sendToRow, 50)),
        sendToRowP99Ms: round1(percentile(f.sendToRow, 99)),
      },
      insertsPerS: {
        tributary: Math.round(med('insert', 'tributary')),
        postgres: Math.round(med('insert', 'postgres')),
        ratio: round3(med('insert', 'tributary') / med('insert', 'postgres')),
        runs: { tributary: rates.insert.tributary.map(Math.round), postgres: rates.insert.postgres.map(Math.round) },
        tributaryCpuUsPerStatement: Math.round(median(cpuPerStatement.insert)),
      },
      pointSelectsPerS: {
        tributary: Math.round(med('select', 'tributary')),
        postgres: Math.round(med('select', 'postgres')),
        ratio: round3(med('select', 'tributary') / med('select', 'postgres')),
        runs: { tributary: rates.select.tributary.map(Math.round), postgres: rates.select.postgres.map(Math.round) },
        tributaryCpuUsPerStatement: Math.round(median(cpuPerStatement.select)),
      },
      connections: CONNS,
      secondsPerRun: phaseMs / 1000,
      runs,
      postgresSettings: PG_SETTINGS,
      dataRoot: v['data-root'] ?? tmpdir(),
      targets: TARGETS,
      verdicts: {
        freshness: percentile(f.ackToRow, 99) <= TARGETS.freshnessP99Ms ? 'met' : 'missed',
        inserts: med('insert', 'tributary') >= TARGETS.insertsPerS ? 'met' : 'missed',
        pointSelects: med('select', 'tributary') >= TARGETS.pointSelectsPerS ? 'met' : 'missed',
      },
    };
    const table = formatTable(
      ['measure', 'Tributary', 'PostgreSQL', 'ratio', 'target', 'verdict'],
      [
        ['freshness: INSERTs/s achieved (1k/s offered)', fmt(figures.freshness.achievedPerS), '', '', '', ''],
        ['freshness p50: INSERT ack → SUBSCRIBE row, 1k/s', ms(figures.freshness.ackToRowP50Ms), '', '', '', ''],
        ['freshness p99: INSERT ack → SUBSCRIBE row, 1k/s', ms(figures.freshness.ackToRowP99Ms), '', '', `≤ ${TARGETS.freshnessP99Ms} ms`, figures.verdicts.freshness],
        ['INSERT sent → SUBSCRIBE row p50 / p99', `${ms(figures.freshness.sendToRowP50Ms)} / ${ms(figures.freshness.sendToRowP99Ms)}`, '', '', '', ''],
        [`single-row INSERTs/s, ${CONNS} connections`, fmt(figures.insertsPerS.tributary), fmt(figures.insertsPerS.postgres), figures.insertsPerS.ratio.toFixed(3), `≥ ${fmt(TARGETS.insertsPerS)}`, figures.verdicts.inserts],
        [`point SELECTs/s on an indexed view, ${CONNS} connections`, fmt(figures.pointSelectsPerS.tributary), fmt(figures.pointSelectsPerS.postgres), figures.pointSelectsPerS.ratio.toFixed(3), `≥ ${fmt(TARGETS.pointSelectsPerS)}`, figures.verdicts.pointSelects],
        ['server CPU per single-row INSERT (µs)', fmt(figures.insertsPerS.tributaryCpuUsPerStatement), '', '', '', ''],
        ['server CPU per point SELECT (µs)', fmt(figures.pointSelectsPerS.tributaryCpuUsPerStatement), '', '', '', ''],
      ],
    );
    process.stdout.write(`${table}\n`);
    const notes =
      `Client: one Node process, postgres.js, one session per connection, named prepared statements. ` +
      `PostgreSQL ${Object.entries(PG_SETTINGS).map(([k, x]) => `${k}=${x}`).join(', ')}; Tributary acknowledges a write once its consensus log is fdatasynced (writes in flight together share one fdatasync). ` +
      `Data directories under ${figures.dataRoot}. ` +
      `Throughputs: median of ${runs} runs of ${phaseMs / 1000} s. Freshness: ${f.ackToRow.length} rows offered at ${FRESH_RATE}/s from 32 connections (open loop).`;
    if (!quick && v.record && !v['no-record']) recordResults('time', machine, table, figures, notes);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return 0;
  } finally {
    await trib?.stop();
    await pgServer?.stop();
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export const suite: Suite = {
  description: 'pgwire latency/throughput: INSERT→SUBSCRIBE freshness, INSERTs/s and point SELECTs/s vs PostgreSQL',
  run,
};
