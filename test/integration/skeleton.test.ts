/**
 * The walking skeleton end to end, over pgwire against a real server process: tables, DML, queries,
 * a materialized view that follows its input, and a SIGKILL + restart that keeps everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

let server: ServerProcess;

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  return c;
}

async function rows(c: pg.Client, sql: string): Promise<unknown[][]> {
  const r = await c.query({ text: sql, rowMode: 'array' });
  return r.rows as unknown[][];
}

beforeAll(async () => {
  server = await startServerProcess();
});

afterAll(async () => {
  await server?.dispose();
});

describe('walking skeleton', () => {
  it('maintains a materialized view through INSERT, UPDATE and DELETE and keeps it across SIGKILL', async () => {
    const c = await connect();
    await c.query('CREATE TABLE t (a int, b text)');
    await c.query("INSERT INTO t VALUES (1, 'x'), (2, 'x'), (5, 'y')");
    await c.query('CREATE MATERIALIZED VIEW mv AS SELECT b, count(*), sum(a) FROM t GROUP BY b');
    expect(await rows(c, 'SELECT * FROM mv ORDER BY b')).toEqual([['x', '2', '3'], ['y', '1', '5']]);

    await c.query("INSERT INTO t VALUES (10, 'z')");
    expect(await rows(c, 'SELECT * FROM mv ORDER BY b')).toEqual([['x', '2', '3'], ['y', '1', '5'], ['z', '1', '10']]);

    const upd = await c.query("UPDATE t SET b = 'y' WHERE a = 1");
    expect(upd.rowCount).toBe(1);
    expect(await rows(c, 'SELECT * FROM mv ORDER BY b')).toEqual([['x', '1', '2'], ['y', '2', '6'], ['z', '1', '10']]);

    const del = await c.query("DELETE FROM t WHERE b = 'z'");
    expect(del.rowCount).toBe(1);
    const before = await rows(c, 'SELECT * FROM mv ORDER BY b');
    expect(before).toEqual([['x', '1', '2'], ['y', '2', '6']]);
    const tableBefore = await rows(c, 'SELECT a, b FROM t ORDER BY a');
    await c.end().catch(() => undefined);

    await server.kill();
    await server.restart();

    const d = await connect();
    expect(await rows(d, 'SELECT * FROM mv ORDER BY b')).toEqual(before);
    expect(await rows(d, 'SELECT a, b FROM t ORDER BY a')).toEqual(tableBefore);
    // The view keeps following its input after the restart.
    await d.query("INSERT INTO t VALUES (7, 'x')");
    expect(await rows(d, 'SELECT * FROM mv ORDER BY b')).toEqual([['x', '2', '9'], ['y', '2', '6']]);
    await d.end();
  });

  it('serves views, indexes and joins', async () => {
    const c = await connect();
    await c.query('CREATE TABLE customers (id int NOT NULL, region text)');
    await c.query('CREATE TABLE orders (id int, customer int, amount numeric DEFAULT 0)');
    await c.query("INSERT INTO customers VALUES (1, 'eu'), (2, 'us'), (3, 'eu')");
    await c.query('INSERT INTO orders (id, customer, amount) VALUES (1, 1, 10.5), (2, 2, 3), (3, 3, 1.25), (4, 1, 2)');
    await c.query('INSERT INTO orders (id, customer) VALUES (5, 2)');
    await c.query('CREATE VIEW totals AS SELECT c.region, sum(o.amount) AS total, count(*) AS n FROM orders o JOIN customers c ON o.customer = c.id GROUP BY c.region');
    await c.query('CREATE INDEX totals_idx ON totals (region)');
    expect(await rows(c, 'SELECT region, total, n FROM totals ORDER BY region')).toEqual([['eu', '13.75', '3'], ['us', '3', '2']]);
    await c.query('DELETE FROM orders WHERE customer = 1');
    expect(await rows(c, 'SELECT region, total, n FROM totals ORDER BY region')).toEqual([['eu', '1.25', '1'], ['us', '3', '2']]);
    await c.end();
  });
});
