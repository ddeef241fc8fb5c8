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

  it('ENVELOPE UPSERT: one row per changed key with mz_state, key columns first', async () => {
    await writer.query('CREATE TABLE kv (v int, k text)');
    await writer.query("INSERT INTO kv VALUES (1, 'a'), (2, 'b')");
    await c.query('BEGIN');
    await c.query('DECLARE c CURSOR FOR SUBSCRIBE kv WITH (PROGRESS) ENVELOPE UPSERT (KEY (k))');
    const layout = await c.query('FETCH 0 c');
    expect(layout.fields.map((f) => [f.name, f.dataTypeID])).toEqual([['mz_timestamp', 1700], ['mz_progressed', 16], ['mz_state', 25], ['k', 25], ['v', 23]]);
    const first = await fetch("FETCH ALL c WITH (timeout = '5s')");
    // The first row is a progress row at the AS OF; the snapshot's rows are upserts at that time.
    expect(first[0]!.mz_progressed).toBe(true);
    const data = (rows: R[]): unknown[][] => rows.filter((r) => r.mz_progressed === false).map((r) => [r.mz_state, r.k, r.v]);
    expect(data(first)).toEqual([['upsert', 'a', 1], ['upsert', 'b', 2]]);
    await writer.query("UPDATE kv SET v = 10 WHERE k = 'a'");
    await writer.query("DELETE FROM kv WHERE k = 'b'");
    let changes: unknown[][] = [];
    const until = Date.now() + 5000;
    while (changes.length < 2 && Date.now() < until) changes = [...changes, ...data(await fetch("FETCH ALL c WITH (timeout = '1s')"))];
    expect(changes).toEqual([['upsert', 'a', 10], ['delete', 'b', null]]);
    await c.query('COMMIT');
  });

  it('ENVELOPE DEBEZIUM: insert, update with before and after values, key violations', async () => {
    await writer.query('CREATE TABLE dbz (k int, v text)');
    await writer.query("INSERT INTO dbz VALUES (1, 'x'), (2, 'y'), (2, 'z')");
    await c.query('BEGIN');
    await c.query('DECLARE c CURSOR FOR SUBSCRIBE dbz ENVELOPE DEBEZIUM (KEY (k))');
    expect((await c.query('FETCH 0 c')).fields.map((f) => f.name)).toEqual(['mz_timestamp', 'mz_state', 'k', 'before_v', 'after_v']);
    const snap = await fetch("FETCH ALL c WITH (timeout = '5s')");
    expect(snap.map((r) => [r.mz_state, r.k, r.before_v, r.after_v])).toEqual([['insert', 1, null, 'x'], ['key_violation', 2, null, null]]);
    await writer.query("UPDATE dbz SET v = 'w' WHERE k = 1");
    const upd = await fetch("FETCH ALL c WITH (timeout = '5s')");
    expect(upd.map((r) => [r.mz_state, r.k, r.before_v, r.after_v])).toEqual([['upsert', 1, 'x', 'w']]);
    await c.query('COMMIT');
  });

  it('WITHIN TIMESTAMP ORDER BY orders the rows of each timestamp', async () => {
    await writer.query('CREATE TABLE wt (a int)');
    await writer.query('INSERT INTO wt VALUES (1), (3), (2)');
    await c.query('BEGIN');
    await c.query('DECLARE c CURSOR FOR SUBSCRIBE wt WITHIN TIMESTAMP ORDER BY a DESC');
    expect((await fetch("FETCH ALL c WITH (timeout = '5s')")).map((r) => r.a)).toEqual([3, 2, 1]);
    await c.query('COMMIT');
  });

  it('bad keys and ORDER BY columns are errors that leave the session usable', async () => {
    await expect(c.query('SUBSCRIBE s ENVELOPE UPSERT (KEY (nope))')).rejects.toMatchObject({ code: '42703', message: 'column "nope" does not exist' });
    await expect(c.query('SUBSCRIBE s WITHIN TIMESTAMP ORDER BY v + 1')).rejects.toMatchObject({ message: 'invalid ORDER BY in SUBSCRIBE WITHIN TIMESTAMP ORDER BY' });
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('COPY (SUBSCRIBE ... ENVELOPE UPSERT) TO STDOUT streams mz_state rows', async () => {
    const sql = postgres(server.url, { max: 1, fetch_types: false, onnotice: () => undefined });
    try {
      const stream = await sql`COPY (SUBSCRIBE (SELECT k, v FROM s WHERE k = 'yy') ENVELOPE UPSERT (KEY (k))) TO STDOUT`.readable();
      let text = '';
      const got = new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('yy')) resolve();
        });
      });
      await new Promise((r) => setTimeout(r, 200));
      await writer.query("INSERT INTO s VALUES ('yy', 7)");
      await got;
      expect(text).toMatch(/^\d+\tupsert\tyy\t7\n/);
      stream.destroy();
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});

describe('RETAIN HISTORY', () => {
  const readTs = async (table: string): Promise<bigint> => BigInt((await c.query(`SELECT mz_now()::text AS t FROM ${table} LIMIT 1`)).rows[0].t as string);

  it('keeps a table\'s and a materialized view\'s history for AS OF reads and SUBSCRIBE ... AS OF', async () => {
    await writer.query("CREATE TABLE rh (a int) WITH (RETAIN HISTORY FOR '1h')");
    await writer.query('CREATE TABLE plain (a int)');
    await writer.query("CREATE MATERIALIZED VIEW rh_mv WITH (RETAIN HISTORY FOR '1h') AS SELECT count(*) AS n FROM rh");
    await writer.query('INSERT INTO rh VALUES (1)');
    await writer.query('INSERT INTO plain VALUES (1)');
    const t1 = await readTs('rh');
    const p1 = await readTs('plain');
    await writer.query('INSERT INTO rh VALUES (2), (3)');
    await writer.query('INSERT INTO plain VALUES (2)');
    // Wait until compaction has moved past p1 for the table with the default (1s) window; under
    // load that can take longer than the window itself, so poll rather than sleep a fixed time.
    const compactedError = /^Timestamp \(\d+\) is not valid for all inputs/;
    const deadline = Date.now() + 30_000;
    let plainError: unknown;
    while (plainError === undefined && Date.now() < deadline) {
      await c.query(`SELECT a FROM plain AS OF ${p1}`).then(
        () => new Promise((r) => setTimeout(r, 200)),
        (e: unknown) => { plainError = e; },
      );
    }
    expect(plainError).toMatchObject({ message: expect.stringMatching(compactedError) });
    // By then the tables with a 1h window still answer exactly at t1.
    expect((await c.query(`SELECT a FROM rh ORDER BY a AS OF ${t1}`)).rows).toEqual([{ a: 1 }]);
    expect((await c.query(`SELECT n FROM rh_mv AS OF ${t1}`)).rows).toEqual([{ n: '1' }]);
    expect((await c.query('SELECT n FROM rh_mv')).rows).toEqual([{ n: '3' }]);
    // SUBSCRIBE AS OF the old time: the snapshot then the later insert, at their own times.
    await c.query('BEGIN');
    await c.query(`DECLARE c CURSOR FOR SUBSCRIBE rh AS OF ${t1}`);
    const rows = await fetch("FETCH ALL c WITH (timeout = '5s')");
    expect(rows.map((r) => [r.mz_diff, r.a])).toEqual([['1', 1], ['1', 2], ['1', 3]]);
    expect(BigInt(rows[0]!.mz_timestamp as string)).toBe(t1);
    expect(BigInt(rows[1]!.mz_timestamp as string) > t1).toBe(true);
    await c.query('COMMIT');
  });

  it('ALTER ... SET / RESET (RETAIN HISTORY) shows in SHOW CREATE', async () => {
    await writer.query('CREATE TABLE rh2 (a int)');
    await writer.query("ALTER TABLE rh2 SET (RETAIN HISTORY FOR '10m')");
    expect((await c.query('SHOW CREATE TABLE rh2')).rows[0].create_sql).toBe("CREATE TABLE rh2 (a int) WITH (RETAIN HISTORY = FOR '10m')");
    await writer.query('ALTER TABLE rh2 RESET (RETAIN HISTORY)');
    expect((await c.query('SHOW CREATE TABLE rh2')).rows[0].create_sql).toBe('CREATE TABLE rh2 (a int)');
    await expect(c.query("ALTER INDEX rh2 SET (RETAIN HISTORY FOR '1m')")).rejects.toMatchObject({ code: '42809' });
    await expect(c.query("ALTER TABLE rh2 SET (RETAIN HISTORY FOR 'forever')")).rejects.toMatchObject({ code: '22023' });
  });
});

