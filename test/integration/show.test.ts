/**
 * SHOW as Materialize plans it: queries over mz_internal.mz_show_* read at a timestamp like any
 * SELECT, so they work in the extended protocol, inside read transactions, and the relations behind
 * them can be subscribed to and joined. SHOW CREATE returns the fully qualified name.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcess, startInProcess } from '../support/in-process.ts';

let trib: InProcess;
let client: pg.Client;
const q = async (text: string): Promise<unknown[][]> => (await client.query({ text, rowMode: 'array' })).rows as unknown[][];

beforeAll(async () => {
  trib = await startInProcess();
  client = trib.client;
  await q('CREATE TABLE t1 (x int)');
  await q('CREATE VIEW v1 AS SELECT x FROM t1');
  await q('CREATE MATERIALIZED VIEW mv1 AS SELECT count(*) AS n FROM t1');
  await q('CREATE INDEX t1_idx ON t1 (x)');
});

afterAll(async () => {
  await trib?.close();
});

describe('SHOW over mz_internal.mz_show_*', () => {
  it('SHOW CREATE returns the fully qualified name and the definition', async () => {
    expect(await q('SHOW CREATE TABLE t1')).toEqual([['materialize.public.t1', 'CREATE TABLE t1 (x int)']]);
    expect(await q('SHOW CREATE VIEW v1')).toEqual([['materialize.public.v1', 'CREATE VIEW v1 AS SELECT x FROM t1']]);
    expect(await q('SHOW CREATE MATERIALIZED VIEW mv1')).toEqual([['materialize.public.mv1', 'CREATE MATERIALIZED VIEW mv1 AS SELECT count(*) AS n FROM t1']]);
    expect(await q('SHOW CREATE INDEX t1_idx')).toEqual([['materialize.public.t1_idx', 'CREATE INDEX t1_idx ON t1 (x)']]);
    const [[name, sql]] = (await q('SHOW CREATE CLUSTER quickstart')) as [[string, string]];
    expect(name).toBe('quickstart');
    expect(sql).toMatch(/^CREATE CLUSTER "quickstart" \(.*MANAGED = true, REPLICATION FACTOR = 1, SIZE = '25cc'/);
  });

  it('runs in the extended protocol with the WHERE filter bound like a query', async () => {
    const res = await client.query({ text: "SHOW TABLES WHERE name LIKE 't%'", rowMode: 'array' });
    expect(res.fields.map((f) => f.name)).toEqual(['name', 'comment']);
    expect(res.rows).toEqual([['t1', '']]);
    await expect(q('SHOW TABLES WHERE nope = 1')).rejects.toThrow(/column "nope" does not exist/);
    // The session stays usable after an error.
    expect(await q('SHOW VIEWS')).toEqual([['v1', '']]);
  });

  it('reads at the transaction timestamp inside a read transaction', async () => {
    await q('BEGIN');
    try {
      expect(await q('SHOW MATERIALIZED VIEWS')).toEqual([['mv1', 'quickstart', '']]);
      expect(await q('SHOW INDEXES')).toEqual([['t1_idx', 't1', 'quickstart', ['x'], '']]);
    } finally {
      await q('COMMIT');
    }
  });

  it('the mz_show_* relations are joinable and subscribable', async () => {
    expect(await q(`SELECT i.name, c.name FROM mz_internal.mz_show_indexes i JOIN mz_catalog.mz_clusters c ON c.id = i.cluster_id`)).toEqual([['t1_idx', 'quickstart']]);
    await q('BEGIN');
    try {
      await q("DECLARE c CURSOR FOR SUBSCRIBE (SELECT name FROM mz_internal.mz_show_tables WHERE id LIKE 'u%')");
      const first = await q("FETCH ALL c WITH (timeout = '5s')");
      expect(first.map((r) => r.slice(2))).toEqual([['t1']]);
      const other = new pg.Client({ host: '127.0.0.1', port: trib.server.port, user: 'materialize', database: 'materialize' });
      await other.connect();
      await other.query('CREATE TABLE t2 (y int)');
      await other.end();
      const next = await q("FETCH ALL c WITH (timeout = '5s')");
      expect(next.map((r) => r.slice(1))).toEqual([['1', 't2']]);
    } finally {
      await q('ROLLBACK');
    }
  });
});
