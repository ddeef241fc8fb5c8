/**
 * Collections that end: a load generator closes its outputs once past UP TO (their upper becomes the
 * empty frontier, as in Materialize), so a SUBSCRIBE to it ends; and SUBSCRIBE ... UP TO ends on
 * any input once the input's upper passes UP TO.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTributary } from '../main.ts';
import { type InProcess, startInProcess } from '../../test/support/in-process.ts';

let tributary: InProcess;
let c: pg.Client;

beforeAll(async () => {
  tributary = await startInProcess();
  c = tributary.client;
}, 60_000);

afterAll(async () => {
  await tributary?.close();
});

const rows = async (sql: string): Promise<unknown[][]> => (await c.query({ text: sql, rowMode: 'array' })).rows as unknown[][];

/** Every row of a SUBSCRIBE cursor until the stream ends (FETCH without a timeout then returns nothing). */
async function drain(subscribe: string): Promise<unknown[][]> {
  await c.query('BEGIN');
  try {
    await c.query(`DECLARE s CURSOR FOR ${subscribe}`);
    const out: unknown[][] = [];
    for (;;) {
      const batch = await rows('FETCH ALL s');
      if (batch.length === 0) return out;
      out.push(...batch);
    }
  } finally {
    await c.query('COMMIT');
  }
}

describe('a load generator with UP TO', () => {
  it('closes at UP TO: reads see the final data and a SUBSCRIBE to it ends', async () => {
    await c.query("CREATE SOURCE ctr FROM LOAD GENERATOR COUNTER (TICK INTERVAL '20ms', UP TO 4)");
    const changes = await drain('SUBSCRIBE ctr');
    expect(changes.map((r) => [r[1], r[2]]).sort()).toEqual([['1', '1'], ['1', '2'], ['1', '3'], ['1', '4']]);
    // A strict serializable read is at the oracle's read timestamp, which catches up within a tick.
    const until = Date.now() + 5000;
    while ((await rows('SELECT count(*)::int FROM ctr'))[0]![0] !== 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await rows('SELECT counter::int FROM ctr ORDER BY 1')).toEqual([[1], [2], [3], [4]]);
    // mz_frontiers is refreshed every tick (1s).
    const closed = "SELECT write_frontier IS NULL FROM mz_internal.mz_frontiers f JOIN mz_sources s ON s.id = f.object_id WHERE s.name = 'ctr'";
    const by = Date.now() + 5000;
    while ((await rows(closed))[0]?.[0] !== true && Date.now() < by) await new Promise((r) => setTimeout(r, 50));
    expect(await rows(closed)).toEqual([[true]]);
    // Still readable (and SUBSCRIBE still ends) at later times, in either isolation.
    await new Promise((r) => setTimeout(r, 100));
    expect(await rows('SELECT count(*)::int FROM ctr')).toEqual([[4]]);
    await c.query("SET transaction_isolation = 'serializable'");
    expect(await rows('SELECT count(*)::int FROM ctr')).toEqual([[4]]);
    await c.query('RESET transaction_isolation');
    expect((await drain('SUBSCRIBE (SELECT count(*) FROM ctr)')).map((r) => [r[1], r[2]])).toEqual([['1', '4']]);
    // What is computed from it is complete too.
    await c.query('CREATE MATERIALIZED VIEW ctr_mv AS SELECT count(*)::int AS n FROM ctr');
    await c.query('CREATE VIEW ctr_v AS SELECT counter * 2 AS d FROM ctr');
    await c.query('CREATE INDEX ctr_v_idx ON ctr_v (d)');
    expect(await rows('SELECT n FROM ctr_mv')).toEqual([[4]]);
    expect(await rows('SELECT d::int FROM ctr_v ORDER BY d')).toEqual([[2], [4], [6], [8]]);
    expect((await drain('SUBSCRIBE ctr_mv')).map((r) => [r[1], r[2]])).toEqual([['1', 4]]);
  }, 30_000);

  it('AUCTION with AS OF = UP TO closes at once with no auctions', async () => {
    await c.query("CREATE SOURCE ah FROM LOAD GENERATOR AUCTION (TICK INTERVAL '20ms', AS OF 3, UP TO 3) FOR ALL TABLES");
    expect(await drain('SUBSCRIBE auctions')).toEqual([]);
    expect(await rows('SELECT count(*)::int FROM organizations')).toEqual([[0]]);
  }, 30_000);
});

describe('SUBSCRIBE ... UP TO', () => {
  it('ends on a table once time passes UP TO', async () => {
    await c.query('CREATE TABLE ut (a int)');
    await c.query('INSERT INTO ut VALUES (1)');
    const now = BigInt((await rows('SELECT mz_now()::text FROM ut'))[0]![0] as string);
    const started = Date.now();
    const out = await drain(`SUBSCRIBE ut UP TO ${now + 300n}`);
    expect(out.map((r) => [r[1], r[2]])).toEqual([['1', 1]]);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it('ends on a running load generator once its upper passes UP TO', async () => {
    await c.query("CREATE SOURCE ctr2 FROM LOAD GENERATOR COUNTER (TICK INTERVAL '20ms')");
    await rows('SELECT count(*) FROM ctr2');
    const now = BigInt((await rows('SELECT mz_now()::text FROM ctr2 LIMIT 1'))[0]![0] as string);
    const out = await drain(`SUBSCRIBE ctr2 UP TO ${now + 200n}`);
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((r) => BigInt(r[0] as string) < now + 200n)).toBe(true);
  }, 30_000);
});

describe('after a restart', () => {
  it('a closed load generator stays closed, and what reads it still completes', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-upto-'));
    try {
      let s = await startTributary({ host: '127.0.0.1', port: 0, dataDir });
      let client = new pg.Client({ host: '127.0.0.1', port: s.port, user: 'materialize', database: 'materialize' });
      await client.connect();
      await client.query("CREATE SOURCE done FROM LOAD GENERATOR COUNTER (TICK INTERVAL '20ms', UP TO 3)");
      await client.query('CREATE MATERIALIZED VIEW done_mv AS SELECT count(*)::int AS n FROM done');
      const until = Date.now() + 5000;
      while ((await client.query('SELECT n FROM done_mv')).rows[0]?.n !== 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      await client.end();
      await s.close();
      s = await startTributary({ host: '127.0.0.1', port: 0, dataDir });
      client = new pg.Client({ host: '127.0.0.1', port: s.port, user: 'materialize', database: 'materialize' });
      await client.connect();
      try {
        expect((await client.query('SELECT n FROM done_mv')).rows).toEqual([{ n: 3 }]);
        expect((await client.query('SELECT count(*)::int AS n FROM done')).rows).toEqual([{ n: 3 }]);
        await client.query('BEGIN');
        await client.query('DECLARE s CURSOR FOR SUBSCRIBE done_mv');
        expect((await client.query('FETCH ALL s')).rows.map((r: { n: number }) => r.n)).toEqual([3]);
        expect((await client.query('FETCH ALL s')).rows).toEqual([]);
        await client.query('COMMIT');
      } finally {
        await client.end();
        await s.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
