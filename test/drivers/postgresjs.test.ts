/**
 * postgres.js against a real server with its defaults (type bootstrap from pg_type, unnamed prepared
 * statements): parameters, cursors (Execute maxRows), transactions with sql.begin, SUBSCRIBE through
 * DECLARE/FETCH inside sql.begin, COPY (SUBSCRIBE) streaming, and errors that leave the connection usable.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/server.ts';
import { startWithFixture } from './support.ts';

let server: ServerProcess;
let sql: postgres.Sql;

beforeAll(async () => {
  server = await startWithFixture();
  sql = postgres(server.url, { max: 2, onnotice: () => undefined });
}, 60_000);

afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await server?.dispose();
});

describe('postgres.js', () => {
  it('parameters of several types through unnamed prepared statements', async () => {
    const rows = await sql`SELECT ${7}::int4 AS i, ${"it's"}::text AS t, ${'-1.50'}::numeric AS n, ${true}::bool AS f, ${null}::text AS z, ${[1, 2]}::int4[] AS arr, ${new Date('2024-05-06T07:08:09.123Z')}::timestamptz AS ts`;
    expect(rows).toEqual([{ i: 7, t: "it's", n: '-1.50', f: true, z: null, arr: [1, 2], ts: new Date('2024-05-06T07:08:09.123Z') }]);
    const byId = await sql`SELECT id, customer FROM drv_orders WHERE id = ${2}`;
    expect(byId).toEqual([{ id: 2, customer: 'b' }]);
    const unsafe = await sql.unsafe('SELECT $1::int8 + 1 AS n', ['9007199254740993']);
    expect(unsafe).toEqual([{ n: '9007199254740994' }]);
  });

  it('cursor() reads a query in batches', async () => {
    const batches: number[][] = [];
    for await (const rows of sql`SELECT g AS id FROM generate_series(1, 7) AS g ORDER BY g`.cursor(3)) batches.push(rows.map((r) => r.id as number));
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('sql.begin commits, and rolls back when the callback throws', async () => {
    await sql.begin(async (tx) => {
      await tx`INSERT INTO drv_orders (id, customer) VALUES (300, 'pj')`;
    });
    await expect(sql.begin(async (tx) => {
      await tx`INSERT INTO drv_orders (id, customer) VALUES (301, 'pj')`;
      throw new Error('abort');
    })).rejects.toThrow('abort');
    expect(await sql`SELECT id FROM drv_orders WHERE customer = 'pj' ORDER BY id`).toEqual([{ id: 300 }]);
  });

  it('COPY FROM STDIN inside sql.begin is part of the transaction: rolled back with it, or committed', async () => {
    const copy = async (tx: postgres.TransactionSql, text: string): Promise<void> => {
      const w = await tx`COPY drv_orders (id, customer) FROM STDIN`.writable();
      await new Promise<void>((resolve, reject) => {
        w.on('error', reject);
        w.end(text, () => resolve());
      });
    };
    await expect(sql.begin(async (tx) => {
      await copy(tx, '310\tcp\n');
      throw new Error('abort');
    })).rejects.toThrow('abort');
    await sql.begin(async (tx) => copy(tx, '311\tcp\n312\t\\N\n'));
    expect(await sql`SELECT id, customer FROM drv_orders WHERE id >= 310 AND id < 320 ORDER BY id`).toEqual([{ id: 311, customer: 'cp' }, { id: 312, customer: null }]);
  });

  it('SUBSCRIBE through DECLARE/FETCH inside sql.begin: snapshot, then a live change', async () => {
    const got = await sql.begin(async (tx) => {
      await tx`DECLARE c CURSOR FOR SUBSCRIBE (SELECT id, customer FROM drv_orders WHERE id < 3)`;
      const snapshot = await tx`FETCH ALL c`;
      await sql`INSERT INTO drv_orders (id, customer) VALUES (-5, 'live')`;
      const live = await tx`FETCH ALL c`;
      const none = await tx`FETCH ALL c WITH (timeout = '0s')`;
      return { snapshot, live, none };
    });
    const pick = (rows: postgres.RowList<postgres.Row[]>): unknown[] => rows.map((r) => [r.mz_diff, r.id, r.customer]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(pick(got.snapshot)).toEqual([['1', 1, 'a'], ['1', 2, 'b']]);
    expect(pick(got.live)).toEqual([['1', -5, 'live']]);
    expect(got.none.length).toBe(0);
    expect(got.snapshot.columns.map((c) => c.name)).toEqual(['mz_timestamp', 'mz_diff', 'id', 'customer']);
  });

  it('COPY (SUBSCRIBE ...) TO STDOUT streams changes as they happen', async () => {
    const stream = await sql`COPY (SUBSCRIBE (SELECT customer FROM drv_orders WHERE customer = 'copy')) TO STDOUT`.readable();
    let text = '';
    const got = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('copy')) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 200));
    await sql`INSERT INTO drv_orders (id, customer) VALUES (302, 'copy')`;
    await got;
    expect(text).toMatch(/^\d+\t1\tcopy\n/);
    stream.destroy();
  });

  it('bad input: errors carry SQLSTATEs and the connection stays usable', async () => {
    await expect(sql`SELECT * FROM drv_missing`).rejects.toMatchObject({ code: '42P01' });
    await expect(sql`SELECT ${'x'}::int AS i`).rejects.toMatchObject({ code: '22P02' });
    await expect(sql.begin(async (tx) => {
      await tx`SELECT 1/0 AS boom`;
    })).rejects.toMatchObject({ code: '22012' });
    expect(await sql`SELECT ${5}::int AS i`).toEqual([{ i: 5 }]);
  });
});
