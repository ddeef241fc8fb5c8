/**
 * dbt-postgres incremental models (reference/clients.md §3.2), the SQL its macros send: the first run
 * creates the target with CREATE TABLE AS; later runs, inside one BEGIN ... COMMIT block, fill a
 * temporary `x__dbt_tmp` table with the new rows, read both tables' columns from information_schema,
 * and insert from the temporary table into the target (or, with a unique_key, delete the matching
 * rows first). Also: ROLLBACK forgets a temporary table created in the block, and a concurrent change
 * to what the block read fails COMMIT with 40001.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

let server: ServerProcess;
let admin: pg.Client;

const TARGET = '"materialize"."analytics"."orders_inc"';
const MODEL = 'select id, customer, amount from raw.orders';
const FILTER = `where id > (select coalesce(max(id), 0) from ${TARGET})`;

beforeAll(async () => {
  server = await startServerProcess();
  admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  for (const s of [
    'create schema raw', 'create table raw.orders (id int, customer text, amount numeric)',
    "insert into raw.orders values (1,'a',10),(2,'b',200)", 'create schema if not exists "analytics"',
  ]) await admin.query(s);
}, 60_000);

afterAll(async () => {
  await admin?.end();
  await server?.dispose();
});

/** A fresh dbt connection (dbt opens one per model). */
async function dbt<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: server.url, application_name: 'dbt' });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

const columnsSql = (table: string, schema?: string): string =>
  `select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale from "materialize".information_schema."columns" where table_name = '${table}'${schema === undefined ? '' : ` and table_schema = '${schema}'`} order by ordinal_position`;

/** The incremental materialization's block once the target exists; returns the columns dbt read for the temporary table. */
async function incrementalRun(c: pg.Client, uniqueKey?: string): Promise<string[]> {
  await c.query('BEGIN');
  const created = await c.query(`create temporary table "orders_inc__dbt_tmp" as (${MODEL} ${FILTER}\n)`);
  expect(created.command).toBe('SELECT');
  const tmpCols = (await c.query(columnsSql('orders_inc__dbt_tmp'))).rows.map((r: { column_name: string }) => r.column_name);
  const targetCols = (await c.query(columnsSql('orders_inc', 'analytics'))).rows.map((r: { column_name: string }) => r.column_name);
  expect(targetCols).toEqual(tmpCols);
  const cols = targetCols.map((n) => `"${n}"`).join(', ');
  if (uniqueKey !== undefined) {
    await c.query(`delete from ${TARGET}\n    where (${uniqueKey}) in (\n        select (${uniqueKey})\n        from "orders_inc__dbt_tmp"\n    );`);
  }
  await c.query(`insert into ${TARGET} (${cols})\n    (\n        select ${cols}\n        from "orders_inc__dbt_tmp"\n    )`);
  await c.query('COMMIT');
  return tmpCols;
}

const targetRows = async (): Promise<unknown[]> => (await admin.query(`select id, customer, amount::text as amount from ${TARGET} order by id, customer`)).rows;

describe('dbt-postgres incremental model', () => {
  it('first run creates the target, later runs merge the new rows through a temporary table', async () => {
    await dbt(async (c) => {
      await c.query('BEGIN');
      expect((await c.query(`create  table ${TARGET}\n  as\n  (${MODEL}\n  );`)).rowCount).toBe(2);
      await c.query('COMMIT');
    });
    expect(await targetRows()).toEqual([{ id: 1, customer: 'a', amount: '10' }, { id: 2, customer: 'b', amount: '200' }]);

    await admin.query("insert into raw.orders values (3,'a',150),(4,'c',5)");
    const cols = await dbt(async (c) => {
      const result = await incrementalRun(c);
      // The temporary table outlives the block (until the session ends), with its rows.
      expect((await c.query('select count(*)::int as n from "orders_inc__dbt_tmp"')).rows).toEqual([{ n: 2 }]);
      return result;
    });
    expect(cols).toEqual(['id', 'customer', 'amount']);
    expect(await targetRows()).toEqual([
      { id: 1, customer: 'a', amount: '10' }, { id: 2, customer: 'b', amount: '200' },
      { id: 3, customer: 'a', amount: '150' }, { id: 4, customer: 'c', amount: '5' },
    ]);
    // Nothing new: the merge inserts nothing.
    await dbt((c) => incrementalRun(c));
    expect(await targetRows()).toHaveLength(4);
    // Other sessions never see the temporary table.
    expect((await admin.query("select count(*)::int as n from information_schema.columns where table_name = 'orders_inc__dbt_tmp'")).rows).toEqual([{ n: 0 }]);
  });

  it('with a unique_key, deletes the target rows the temporary table replaces', async () => {
    // An updated order arrives with a new id range only in the model's filter, so replace by customer.
    await admin.query("insert into raw.orders values (5,'c',99)");
    await dbt((c) => incrementalRun(c, 'customer'));
    expect(await targetRows()).toEqual([
      { id: 1, customer: 'a', amount: '10' }, { id: 2, customer: 'b', amount: '200' },
      { id: 3, customer: 'a', amount: '150' }, { id: 5, customer: 'c', amount: '99' },
    ]);
  });

  it('reads a temporary table created in the block, and ROLLBACK forgets it', async () => {
    await dbt(async (c) => {
      await c.query('BEGIN');
      await c.query('create temporary table t_rb as (select id from raw.orders where id <= 2)');
      await c.query('insert into t_rb values (10)');
      expect((await c.query('select id from t_rb order by id desc limit 2')).rows).toEqual([{ id: 10 }, { id: 2 }]);
      expect((await c.query("select attname from pg_attribute a join pg_class c on a.attrelid = c.oid where c.relname = 't_rb' and attnum > 0")).rows).toEqual([{ attname: 'id' }]);
      await c.query('ROLLBACK');
      await expect(c.query('select * from t_rb')).rejects.toMatchObject({ code: '42P01' });
      expect((await c.query("select count(*)::int as n from pg_class where relname = 't_rb'")).rows).toEqual([{ n: 0 }]);
    });
  });

  it('fails COMMIT with 40001 when a table the block read changed meanwhile', async () => {
    const before = await targetRows();
    await dbt(async (c) => {
      await c.query('BEGIN');
      await c.query(`create temporary table "orders_inc__dbt_tmp" as (${MODEL} ${FILTER})`);
      await admin.query("insert into raw.orders values (6,'d',1)");
      await c.query(`insert into ${TARGET} select * from "orders_inc__dbt_tmp"`);
      await expect(c.query('COMMIT')).rejects.toMatchObject({ code: '40001' });
      // The failed block created nothing.
      await expect(c.query('select * from "orders_inc__dbt_tmp"')).rejects.toMatchObject({ code: '42P01' });
    });
    expect(await targetRows()).toEqual(before);
  });
});
