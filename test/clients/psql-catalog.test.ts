/**
 * psql's `\d` family against Tributary and against a real PostgreSQL holding the same objects: each
 * meta-command must succeed on Tributary and print the same shape — the same title, the same rows for
 * the shared objects, and the same values in every column both outputs have (psql adds or drops a few
 * columns depending on the server version: "Key?", "Compression"). Owner names are normalized.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type PostgresServer, startPostgres } from '../harness/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

const hasPsql = spawnSync('sh', ['-c', 'command -v psql'], { stdio: 'ignore' }).status === 0;

const SETUP = [
  'create table orders (id int not null, customer text not null, amount numeric(10,2), created_at timestamptz default now())',
  'create index orders_customer_idx on orders (customer)',
  'create view big_orders as select id, customer from orders where amount > 100',
  'create materialized view order_totals as select customer, sum(amount) as total from orders group by customer',
  'create schema analytics',
  'create table analytics.events (id bigint, payload text)',
];

interface Target {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

let trib: ServerProcess;
let pgServer: PostgresServer;
let tribTarget: Target;
let pgTarget: Target;

beforeAll(async () => {
  if (!hasPsql) return;
  [trib, pgServer] = await Promise.all([startServerProcess(), startPostgres()]);
  tribTarget = { host: '127.0.0.1', port: trib.port, user: 'materialize', database: 'materialize' };
  pgTarget = { host: pgServer.host, port: pgServer.port, user: pgServer.user, database: pgServer.database };
  for (const t of [tribTarget, pgTarget]) {
    const c = new pg.Client(t);
    await c.connect();
    for (const s of SETUP) await c.query(s);
    await c.end();
  }
});

afterAll(async () => {
  await Promise.all([trib?.dispose(), pgServer?.stop()]);
});

function psql(t: Target, command: string): { out: string; err: string } {
  const r = spawnSync('psql', ['-X', '-A', '-F', '|', '-P', 'pager=off', '-h', t.host, '-p', String(t.port), '-U', t.user, '-d', t.database, '-c', command], {
    encoding: 'utf8', env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
  return { out: r.stdout, err: r.stderr };
}

interface Table {
  readonly title: string[];
  readonly header: string[];
  readonly rows: string[][];
  readonly footer: string[];
}

const normalize = (s: string): string => s.replace(/\b(materialize|postgres|pg_database_owner)\b/g, 'OWNER');

/** Parses psql's unaligned output: title lines, a `|`-separated header and rows, then footer lines. */
function parse(out: string): Table {
  const lines = normalize(out).split('\n').filter((l) => l !== '');
  let i = 0;
  const title: string[] = [];
  while (i < lines.length && !lines[i]!.includes('|')) title.push(lines[i++]!);
  const header = (lines[i++] ?? '').split('|');
  const rows: string[][] = [];
  while (i < lines.length && lines[i]!.includes('|')) rows.push(lines[i++]!.split('|'));
  const footer = lines.slice(i).filter((l) => !/^\(\d+ rows?\)$/.test(l) && l !== 'Access method: heap');
  return { title, header, rows, footer };
}

/** The rows projected onto the named columns. */
function project(t: Table, columns: readonly string[]): string[][] {
  const idx = columns.map((c) => t.header.indexOf(c));
  return t.rows.map((r) => idx.map((i) => r[i] ?? ''));
}

function both(command: string): { trib: Table; pg: Table } {
  const a = psql(tribTarget, command);
  const b = psql(pgTarget, command);
  expect(a.err, `Tributary: ${command}`).toBe('');
  expect(b.err, `PostgreSQL: ${command}`).toBe('');
  return { trib: parse(a.out), pg: parse(b.out) };
}

/** Same title, same rows (restricted to `keep`), same values in the shared columns, same footer. */
function expectSameShape(command: string, keep: (row: string[]) => boolean = () => true): void {
  const { trib: t, pg: p } = both(command);
  expect(t.title).toEqual(p.title);
  const shared = t.header.filter((h) => p.header.includes(h));
  expect(shared.length).toBeGreaterThanOrEqual(Math.min(t.header.length, p.header.length) - 1);
  expect(project({ ...t, rows: t.rows.filter(keep) }, shared)).toEqual(project({ ...p, rows: p.rows.filter(keep) }, shared));
  expect(t.footer).toEqual(p.footer);
}

describe.skipIf(!hasPsql)('psql meta-commands: Tributary vs PostgreSQL', () => {
  it('\\d, \\dt, \\dv, \\dm, \\di list the same relations', () => {
    for (const c of ['\\d', '\\dt', '\\dv', '\\dm', '\\di', '\\dt analytics.*', '\\d analytics.*']) expectSameShape(c);
  });

  it('\\d <table> shows columns, types, nullability, defaults and indexes', () => {
    expectSameShape('\\d orders');
    expectSameShape('\\d analytics.events');
  });

  it('\\d <view>, \\d <materialized view>, \\d <index>', () => {
    expectSameShape('\\d big_orders');
    expectSameShape('\\d order_totals');
    expectSameShape('\\d orders_customer_idx');
  });

  it('\\d+ <table> and \\d+ <view> succeed with the shared columns equal', () => {
    expectSameShape('\\d+ orders');
    const { trib: t } = both('\\d+ big_orders');
    expect(t.footer[0]).toBe('View definition:');
  });

  it('\\dn lists the user schemas (plus Materialize\'s system schemas)', () => {
    expectSameShape('\\dn', (r) => !r[0]!.startsWith('mz_'));
    const { trib: t } = both('\\dn');
    expect(t.rows.map((r) => r[0])).toEqual(['analytics', 'mz_catalog', 'mz_internal', 'public']);
  });

  it('\\l, \\du, \\df, \\dT, \\dx, \\ds, \\dp, \\db have PostgreSQL\'s columns', () => {
    for (const c of ['\\l', '\\du', '\\df', '\\dT', '\\dx', '\\dp', '\\db']) {
      const { trib: t, pg: p } = both(c);
      expect(t.title, c).toEqual(p.title);
      expect(t.header, c).toEqual(p.header);
    }
    const { trib: l } = both('\\l');
    // (The database name `materialize` is normalized to OWNER like the owner names.)
    expect(l.rows.map((r) => r.slice(0, 5))).toEqual([['OWNER', 'OWNER', 'UTF8', 'C', 'C']]);
    expect(psql(tribTarget, '\\ds').err).toContain('Did not find any relations.');
  });

  it('\\sv prints the view definition', () => {
    const out = psql(tribTarget, '\\sv big_orders').out;
    expect(out).toMatch(/^CREATE OR REPLACE VIEW public\.big_orders AS\n\s*select id, customer from orders where amount > 100/);
  });

  it('\\dS pg_class describes the catalog relation itself', () => {
    const { trib: t } = both('\\dS pg_class');
    expect(t.title).toEqual(['Table "pg_catalog.pg_class"']);
    expect(t.rows.slice(0, 3).map((r) => [r[0], r[1]])).toEqual([['oid', 'oid'], ['relname', 'name'], ['relnamespace', 'oid']]);
  });
});
