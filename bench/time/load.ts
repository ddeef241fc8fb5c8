/**
 * Load generators and the server launcher for the time suite (bench/suites/time.ts):
 * - `startTributary`: a server child process on a fresh data directory, optionally under --cpu-prof;
 * - `closedLoop`: N connections, each awaiting one statement at a time for a fixed duration;
 * - `measureFreshness`: paced single-row INSERTs and a SUBSCRIBE cursor on another connection,
 *   giving per-row INSERT-acknowledged → row-at-the-client latencies.
 * Load connections use postgres.js with named prepared statements (one Parse per connection, then
 * Bind/Execute), the same client and protocol against Tributary and PostgreSQL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import postgres from 'postgres';
import { freePort } from '../../test/support/server.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Tributary {
  readonly url: string;
  output(): string;
  /**
   * CPU time (user + system) the server process has used, in ms, from /proc (NaN elsewhere).
   * CPU per statement is far steadier than throughput on a shared, loaded machine.
   */
  cpuMs(): number;
  /** SIGTERM (a clean exit, so --cpu-prof writes its profile), then deletes the data directory. */
  stop(): Promise<void>;
}

export async function startTributary(opts: { cpuProfDir?: string } = {}): Promise<Tributary> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-time-'));
  const port = await freePort();
  const flags: string[] = [];
  if (opts.cpuProfDir !== undefined) {
    mkdirSync(opts.cpuProfDir, { recursive: true });
    flags.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`, '--cpu-prof-interval', '250');
  }
  const child: ChildProcess = spawn(process.execPath, [...flags, 'src/main.ts', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--log-format', 'json'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `postgres://materialize@127.0.0.1:${port}/materialize`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tributary exited with ${child.exitCode}:\n${out}`);
    if (Date.now() - started > 60_000) throw new Error(`tributary not ready after 60 s:\n${out}`);
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      break;
    } catch {
      await c.end().catch(() => undefined);
      await sleep(100);
    }
  }
  const stop = (): Promise<void> => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  }).then(() => rmSync(dataDir, { recursive: true, force: true }));
  return { url, output: () => out, stop, cpuMs: () => processCpuMs(child.pid) };
}

function processCpuMs(pid: number | undefined): number {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100/s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

export type Sql = postgres.Sql;

/** `n` single connections (so 8 loops really are 8 sessions, never pipelined onto fewer). */
export function connections(url: string, n: number): Sql[] {
  return Array.from({ length: n }, () => postgres(url, { max: 1, prepare: true, fetch_types: false, onnotice: () => undefined, idle_timeout: 0 }));
}

export async function closeAll(conns: readonly Sql[]): Promise<void> {
  await Promise.all(conns.map((c) => c.end({ timeout: 5 })));
}

/**
 * Each connection runs `step(conn, worker, i)` back to back for `ms`; returns the statements
 * completed per second. A step that throws fails the whole loop (a wrong answer is an error).
 */
export async function closedLoop(
  conns: readonly Sql[],
  ms: number,
  step: (conn: Sql, worker: number, i: number) => Promise<void>,
): Promise<{ count: number; perS: number }> {
  const start = performance.now();
  const end = start + ms;
  const counts = await Promise.all(conns.map(async (conn, w) => {
    let i = 0;
    while (performance.now() < end) await step(conn, w, i++);
    return i;
  }));
  const elapsed = performance.now() - start;
  const count = counts.reduce((a, b) => a + b, 0);
  return { count, perS: count / (elapsed / 1000) };
}

export interface Freshness {
  /** INSERT acknowledged → SUBSCRIBE row at the client, ms per row (negative: row came first). */
  readonly ackToRow: number[];
  /** INSERT sent → SUBSCRIBE row at the client, ms per row. */
  readonly sendToRow: number[];
  readonly offered: number;
  readonly achievedPerS: number;
  readonly fetches: number;
}

/**
 * Inserts `rate` rows/s for `ms` into `table (id int8)`, open loop: row i is due at start + i/rate,
 * taken by whichever of `writers` connections is free, so a slow acknowledgement does not lower the
 * offered rate (unless more than `writers` are in flight; `achievedPerS` tells). One more connection holds `SUBSCRIBE (SELECT id FROM table)` (SNAPSHOT = false) in
 * a cursor and loops `FETCH ALL ... WITH (timeout='1s')`; a row's arrival is when its FETCH returned.
 */
export async function measureFreshness(url: string, table: string, rate: number, ms: number, writers = 32): Promise<Freshness> {
  const sub = new pg.Client({ connectionString: url });
  await sub.connect();
  await sub.query('BEGIN');
  await sub.query(`DECLARE c CURSOR FOR SUBSCRIBE (SELECT id FROM ${table}) WITH (SNAPSHOT = false)`);
  const arrived = new Map<number, number>();
  let fetches = 0;
  let stopping = false;
  const reader = (async () => {
    while (!stopping) {
      const r = await sub.query<{ mz_diff: string; id: string }>("FETCH ALL c WITH (timeout = '1s')");
      const now = performance.now();
      fetches++;
      for (const row of r.rows) if (Number(row.mz_diff) > 0) arrived.set(Number(row.id), now);
    }
  })();

  const ins = connections(url, writers);
  const offered = Math.floor((rate * ms) / 1000);
  const sent = new Float64Array(offered);
  const acked = new Float64Array(offered);
  let next = 0;
  const start = performance.now();
  // A server that cannot keep up would stretch the phase without bound: stop issuing at 2× its length.
  const cutoff = start + 2 * ms;
  await Promise.all(ins.map(async (conn) => {
    for (;;) {
      if (next >= offered || performance.now() > cutoff) return;
      const i = next++;
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      sent[i] = performance.now();
      await conn.unsafe(`INSERT INTO ${table} VALUES ($1)`, [i], { prepare: true });
      acked[i] = performance.now();
    }
  }));
  const total = next;
  const achievedPerS = total / ((performance.now() - start) / 1000);
  const deadline = Date.now() + 15_000;
  while (arrived.size < total && Date.now() < deadline) await sleep(5);
  stopping = true;
  await reader;
  await sub.query('COMMIT');
  await sub.end();
  await closeAll(ins);
  if (arrived.size < total) throw new Error(`freshness: only ${arrived.size} of ${total} rows arrived through SUBSCRIBE`);
  const ackToRow: number[] = [];
  const sendToRow: number[] = [];
  for (let i = 0; i < total; i++) {
    const a = arrived.get(i)!;
    ackToRow.push(a - acked[i]!);
    sendToRow.push(a - sent[i]!);
  }
  return { ackToRow, sendToRow, offered, achievedPerS, fetches };
}

/** Nearest-rank percentile of unsorted `xs`. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
