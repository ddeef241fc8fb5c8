/**
 * SUBSCRIBE over pgwire: the snapshot, then a faithful changelog in timestamp order, consumed with
 * DECLARE/FETCH (with timeouts) and COPY TO STDOUT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import postgres from 'postgres';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

let server: ServerProcess;
let c: pg.Client;
let writer: pg.Client;

beforeAll(async () => {
  server = await startServerProcess();
  c = new pg.Client({ connectionString: server.url });
  writer = new pg.Client({ connectionString: server.url });
  await c.connect();
  await writer.connect();
  await c.query('CREATE TABLE s (k text, v int)');
  await c.query("INSERT INTO s VALUES ('a', 1), ('b', 2)");
});

afterAll(async () => {
  await c?.end().catch(() => undefined);
  await writer?.end().catch(() => undefined);
  await server?.dispose();
});

type R = Record<string, unknown>;
const fetch = async (sql: string): Promise<R[]> => (await c.query(sql)).rows as R[];

describe('SUBSCRIBE', () => {
  it('has Materialize\'s columns and types', async () => {
    await c.query('BEGIN');
    await c.query('DECLARE c CURSOR FOR SUBSCRIBE s WITH (PROGRESS)');
    const r = await c.query('FETCH 0 c');
    expect(r.fields.map((f) => [f.name, f.dataTypeID])).toEqual([['mz_timestamp', 1700], ['mz_progressed', 16], ['mz_diff', 20], ['k', 25], ['v', 23]]);
    await c.query('COMMIT');
  });

  it('streams the snapshot, then each change at its timestamp, never going backwards', async () => {
    await c.query('BEGIN');
    await c.query('DECLARE c CURSOR FOR SUBSCRIBE (SELECT k, sum(v)::int AS total FROM s GROUP BY k)');
    const snapshot = await fetch("FETCH ALL c WITH (timeout = '5s')");
    expect(snapshot.map((r) => [r.mz_diff, r.k, r.total])).toEqual([['1', 'a', 1], ['1', 'b', 2]]);
    const t0 = BigInt(snapshot[0]!.mz_timestamp as string);
    expect(snapshot.every((r) => BigInt(r.mz_timestamp as string) === t0)).toBe(true);

    await writer.query("INSERT INTO s VALUES ('a', 10)");
    const changes = await fetch("FETCH ALL c WITH (timeout = '5s')");
    expect(changes.map((r) => [r.mz_diff, r.k, r.total]).sort()).toEqual([['-1', 'a', 1], ['1', 'a', 11]]);
    const t1 = BigInt(changes[0]!.mz_timestamp as string);
    expect(t1 > t0).toBe(true);
    expect(changes.every((r) => BigInt(r.mz_timestamp as string) === t1)).toBe(true);

    // Nothing more arrives: FETCH waits for the timeout and returns no rows.
    const started = Date.now();
    expect(await fetch("FETCH ALL c WITH (timeout = '300ms')")).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await c.query('COMMIT');
  });

  it('SNAPSHOT = false skips the snapshot; PROGRESS adds progress rows', async () => {
    await c.query('BEGIN');
    await c.query('DECLARE c CURSOR FOR SUBSCRIBE s WITH (SNAPSHOT = false, PROGRESS)');
    const first = await fetch("FETCH ALL c WITH (timeout = '2s')");
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((r) => r.mz_progressed === true && r.mz_diff === null)).toBe(true);
    await writer.query("INSERT INTO s VALUES ('c', 3)");
    let data: R[] = [];
    const until = Date.now() + 5000;
    while (data.length === 0 && Date.now() < until) {
      data = (await fetch("FETCH ALL c WITH (timeout = '1s')")).filter((r) => r.mz_progressed === false);
    }
    expect(data.map((r) => [r.mz_diff, r.k, r.v])).toEqual([['1', 'c', 3]]);
    await c.query('COMMIT');
  });

  it('UP TO ends the subscription', async () => {
    await c.query('BEGIN');
    await c.query('DECLARE c CURSOR FOR SUBSCRIBE s');
    const snap = await fetch("FETCH ALL c WITH (timeout = '5s')");
    const t = BigInt(snap[0]!.mz_timestamp as string);
    await c.query('COMMIT');
    await c.query('BEGIN');
    await c.query(`DECLARE d CURSOR FOR SUBSCRIBE s AS OF ${t} UP TO ${t + 1n}`);
    const rows = await fetch('FETCH ALL d');
    expect(rows.length).toBe(snap.length);
    // The stream is over: FETCH returns at once with nothing.
    expect(await fetch('FETCH ALL d')).toEqual([]);
    await c.query('COMMIT');
  });

  it('COPY (SUBSCRIBE ...) TO STDOUT streams rows as they happen', async () => {
    const sql = postgres(server.url, { max: 1, fetch_types: false, onnotice: () => undefined });
    try {
      const stream = await sql`COPY (SUBSCRIBE (SELECT k FROM s WHERE k = 'zz')) TO STDOUT`.readable();
      let text = '';
      const got = new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('zz')) resolve();
        });
      });
      await new Promise((r) => setTimeout(r, 200));
      await writer.query("INSERT INTO s VALUES ('zz', 0)");
      await got;
      expect(text).toMatch(/^\d+\t1\tzz\n/);
      stream.destroy();
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
