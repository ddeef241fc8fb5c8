/**
 * Load generators: COUNTER (TICK INTERVAL, MAX CARDINALITY) and AUCTION (FOR ALL TABLES, the five
 * subsources plus <source>_progress), resuming after a SIGKILL without gaps or duplicates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

let server: ServerProcess;
let c: pg.Client;

const rows = async (sql: string): Promise<unknown[][]> => (await c.query({ text: sql, rowMode: 'array' })).rows as unknown[][];

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startServerProcess();
  c = new pg.Client({ connectionString: server.url });
  await c.connect();
});

afterAll(async () => {
  await c?.end().catch(() => undefined);
  await server?.dispose();
});

describe('load generators', () => {
  it('COUNTER counts up and keeps at most MAX CARDINALITY rows', async () => {
    await c.query("CREATE SOURCE counter FROM LOAD GENERATOR COUNTER (TICK INTERVAL '20ms', MAX CARDINALITY 3)");
    const r = await eventually(() => rows('SELECT count(*)::int, min(counter)::int, max(counter)::int FROM counter'), (v) => (v[0]?.[2] as number) >= 5);
    const [count, min, max] = r[0] as number[];
    expect(count).toBe(3);
    expect(max! - min! + 1).toBe(3);
  });

  it('AUCTION creates the five subsources with Materialize\'s schemas and a progress subsource', async () => {
    await c.query("CREATE SOURCE auction_house FROM LOAD GENERATOR AUCTION (TICK INTERVAL '20ms') FOR ALL TABLES");
    const shown = ((await c.query('SHOW SOURCES')).rows as { name: string; type: string }[]).map((r) => [r.name, r.type]);
    expect(shown).toEqual(expect.arrayContaining([
      ['accounts', 'subsource'], ['auction_house', 'load-generator'], ['auction_house_progress', 'progress'], ['auctions', 'subsource'],
      ['bids', 'subsource'], ['organizations', 'subsource'], ['users', 'subsource'],
    ]));
    const cols = async (t: string): Promise<unknown[][]> => (await rows(`SHOW COLUMNS FROM ${t}`)).map((r) => [r[0], r[1], r[2]]);
    expect(await cols('bids')).toEqual([['id', false, 'bigint'], ['buyer', false, 'bigint'], ['auction_id', false, 'bigint'], ['amount', false, 'integer'], ['bid_time', false, 'timestamp with time zone']]);
    expect(await cols('auctions')).toEqual([['id', false, 'bigint'], ['seller', false, 'bigint'], ['item', false, 'text'], ['end_time', false, 'timestamp with time zone']]);
    const n = await eventually(() => rows('SELECT count(*)::int FROM auctions'), (v) => (v[0]?.[0] as number) >= 3);
    expect(n[0]![0]).toBeGreaterThanOrEqual(3);
    // Every bid belongs to an auction that exists at the same time (ticks are atomic).
    expect(await rows('SELECT count(*)::int FROM bids b WHERE NOT EXISTS (SELECT 1 FROM auctions a WHERE a.id = b.auction_id)')).toEqual([[0]]);
  });

  it('resumes after SIGKILL without gaps or duplicates', async () => {
    await c.end();
    await server.kill();
    await server.restart();
    c = new pg.Client({ connectionString: server.url });
    await c.connect();
    const before = (await rows('SELECT max(id)::int FROM auctions'))[0]![0] as number;
    await eventually(() => rows('SELECT max(id)::int FROM auctions'), (v) => (v[0]?.[0] as number) > before + 2);
    const [count, distinct, min, max] = (await rows('SELECT count(*)::int, count(DISTINCT id)::int, min(id)::int, max(id)::int FROM auctions'))[0] as number[];
    expect(distinct).toBe(count);
    expect(max! - min! + 1).toBe(count);
    const counter = (await rows('SELECT count(*)::int, max(counter)::int - min(counter)::int + 1 FROM counter'))[0] as number[];
    expect(counter).toEqual([3, 3]);
  });
});
