/**
 * dbt, replayed statement by statement against a Tributary server process:
 * - dbt-postgres: the captured traffic of `dbt run` (twice), `dbt run -s`, `dbt seed` (twice), `dbt test`
 *   and `dbt docs generate` on the 3-model demo project (reference/clients.md §3.3), with the same
 *   command tags, row counts and transaction status as PostgreSQL 15 gave;
 * - dbt-materialize: what its macros send (clients.md §3.5), fixtures/dbt_materialize_replay.jsonl,
 *   with expectations from Materialize's documented behaviour.
 * Also: objects renamed the way dbt renames them (and views naming objects through the search path)
 * keep working after a restart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type ServerProcess, startServerProcess } from '../support/server.ts';
import { type Mismatch, compare, parseEvents, parseExpect, replay } from './dbt-replay.ts';

// CI keeps the shared reference beside the clone (../shared relative to the repository root).
const POSTGRES_REPLAY = new URL('../../../shared/reference/clients/replay/dbt_postgres_replay.jsonl', import.meta.url);
const MATERIALIZE_REPLAY = new URL('./fixtures/dbt_materialize_replay.jsonl', import.meta.url);

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
}, 60_000);

afterAll(async () => {
  await server?.dispose();
});

async function run(database: string, statements: readonly string[]): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'materialize', database });
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

const report = (ms: readonly Mismatch[]): string => ms.map((m) => `line ${m.line} (${m.run} ${m.conn}): ${m.sql}\n  expected ${m.expected}\n  actual   ${m.actual}`).join('\n');

describe('replay comparison rules', () => {
  it('reads expectations with notices, row counts and errors', () => {
    expect(parseExpect('[NOTICE 00000: view "x" does not exist, skipping] DROP VIEW -> RFQ I')).toEqual({ tag: 'DROP VIEW', rows: undefined, errorCode: undefined, status: 'I' });
    expect(parseExpect('SELECT 5 (5 rows) -> RFQ T')).toEqual({ tag: 'SELECT 5', rows: 5, errorCode: undefined, status: 'T' });
    expect(parseExpect('ERROR 42P01: relation "x" does not exist -> RFQ E').errorCode).toBe('42P01');
  });

  it('compares catalog queries by command word only, and data queries exactly', () => {
    const ok = { tags: ['SELECT 7'], rows: 7, error: undefined, notices: [], status: 'T' as const };
    expect(compare('/* c */ select nspname from pg_namespace', parseExpect('SELECT 5 (5 rows) -> RFQ T'), ok)).toBeUndefined();
    expect(compare('select id from t', parseExpect('SELECT 5 (5 rows) -> RFQ T'), ok)).toMatch(/tag SELECT 7/);
    expect(compare('select id from t', parseExpect('SELECT 7 (7 rows) -> RFQ I'), ok)).toMatch(/status T/);
    expect(compare('create materialized view if not exists x as select 1', parseExpect('SELECT 2 -> RFQ T'), { ...ok, tags: ['CREATE MATERIALIZED VIEW'] })).toBeUndefined();
  });
});

describe('dbt-postgres replay', () => {
  it.skipIf(!existsSync(POSTGRES_REPLAY))('every statement gets PostgreSQL\'s tag, row count and transaction status', async () => {
    await run('materialize', ['create database dbtdemo']);
    await run('dbtdemo', [
      'create schema raw', 'create table raw.orders (id int, customer text, amount numeric)',
      "insert into raw.orders values (1,'a',10),(2,'b',200),(3,'a',150)",
    ]);
    const events = parseEvents(readFileSync(POSTGRES_REPLAY, 'utf8'));
    const { statements, mismatches } = await replay(server.port, events);
    expect(statements).toBeGreaterThan(50);
    expect(mismatches, report(mismatches)).toEqual([]);
    // The end state dbt built: the view swapped in, the table by CTAS, the materialized view, the seed.
    const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'dbtdemo' });
    await c.connect();
    try {
      expect((await c.query('select id, customer from analytics.big_orders order by id')).rows).toEqual([{ id: 2, customer: 'b' }, { id: 3, customer: 'a' }]);
      expect((await c.query('select customer, total::text as total from analytics.customer_totals order by customer')).rows).toEqual([{ customer: 'a', total: '160' }, { customer: 'b', total: '200' }]);
      expect((await c.query('select count(*)::int as n from analytics.countries')).rows).toEqual([{ n: 3 }]);
      expect((await c.query("select count(*)::int as n from pg_class where relname like '%__dbt_%'")).rows).toEqual([{ n: 0 }]);
    } finally {
      await c.end();
    }
  }, 120_000);
});

describe('dbt-materialize replay', () => {
  it('every statement gets Materialize\'s documented answer', async () => {
    await run('materialize', [
      'create schema if not exists raw_mz', 'create table raw_mz.orders (id int, customer text, amount numeric)',
      "insert into raw_mz.orders values (1,'a',10),(2,'b',200),(3,'a',150)",
    ]);
    const events = parseEvents(readFileSync(MATERIALIZE_REPLAY, 'utf8'));
    const { statements, mismatches } = await replay(server.port, events);
    expect(statements).toBeGreaterThan(30);
    expect(mismatches, report(mismatches)).toEqual([]);
  }, 120_000);
});

describe('renames survive a restart', () => {
  it('views and materialized views over renamed objects plan again at boot', async () => {
    await run('materialize', [
      'create table rr (a int, b text)', "insert into rr values (1, 'x'), (2, 'y')",
      'create view rr_v as select rr.a, b from rr where a > 0',
      'create materialized view rr_mv as select count(*) as n from rr_v',
      'create index rr_idx on rr (a)',
      // Created in another schema, naming rr through the session's search path (public).
      'create schema rs', 'create view rs.cross_v as select a from rr',
      'begin', 'alter table rr rename to rr2', 'alter view rr_v rename to rr_v2', 'commit',
      'alter materialized view rr_mv rename to rr_mv2', 'alter index rr_idx rename to rr_idx2',
      "comment on table rr2 is 'renamed'", "comment on column rr2.b is 'the b'",
    ]);
    await server.stop();
    await server.restart();
    const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'materialize' });
    await c.connect();
    try {
      expect((await c.query('select a, b from rr_v2 order by a')).rows).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
      expect((await c.query('select n::int as n from rr_mv2')).rows).toEqual([{ n: 2 }]);
      expect((await c.query('select a from rs.cross_v order by a')).rows).toEqual([{ a: 1 }, { a: 2 }]);
      expect((await c.query("select obj_description('rr2'::regclass, 'pg_class') as d, col_description('rr2'::regclass, 2) as c")).rows).toEqual([{ d: 'renamed', c: 'the b' }]);
      expect((await c.query("select count(*)::int as n from pg_class where relname in ('rr', 'rr_v', 'rr_mv', 'rr_idx')")).rows).toEqual([{ n: 0 }]);
      expect((await c.query("select count(*)::int as n from pg_class where relname in ('rr2', 'rr_v2', 'rr_mv2', 'rr_idx2')")).rows).toEqual([{ n: 4 }]);
      await c.query("insert into rr2 values (3, 'z')");
      expect((await c.query('select n::int as n from rr_mv2')).rows).toEqual([{ n: 3 }]);
    } finally {
      await c.end();
    }
  }, 120_000);
});
