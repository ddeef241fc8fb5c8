/**
 * Temporary tables and views across sessions and restarts (src/adapter/temp.ts): a session sees only
 * its own temporary items (names, pg_table_is_visible, pg_is_other_temp_schema), they are dropped
 * when their session disconnects, and they never survive a restart — after a crash (SIGKILL) neither
 * the item nor its rows come back, and nothing of it was written to the durable store.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPersist } from '../../src/persist/index.ts';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
}, 60_000);

afterAll(async () => {
  await server?.dispose();
});

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'materialize' });
  c.on('error', () => undefined); // the server may go away first (crash test)
  await c.connect();
  return c;
}

const rows = async (c: pg.Client, sql: string): Promise<unknown[][]> => (await c.query({ text: sql, rowMode: 'array' })).rows as unknown[][];
const code = async (c: pg.Client, sql: string): Promise<string | undefined> => c.query(sql).then(() => undefined, (e: { code?: string }) => e.code);

async function eventually(f: () => Promise<boolean>, what: string): Promise<void> {
  const start = Date.now();
  while (!(await f())) {
    if (Date.now() - start > 10_000) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('temporary items', () => {
  it('are visible only to their session and dropped when it disconnects', async () => {
    const a = await connect();
    const b = await connect();
    try {
      await a.query('CREATE TEMP TABLE t (x int)');
      await a.query('INSERT INTO t VALUES (1)');
      await a.query('CREATE TEMP VIEW tv AS SELECT x + 1 AS y FROM t');
      expect(await code(b, 'SELECT * FROM t')).toBe('42P01');
      expect(await code(b, 'SELECT * FROM mz_temp.t')).toBe('42P01');
      expect(await code(b, 'DROP TABLE t')).toBe('42P01');
      // The same name in another session is another table.
      await b.query('CREATE TEMPORARY TABLE t (x int)');
      await b.query('INSERT INTO t VALUES (2), (3)');
      expect(await rows(a, 'SELECT x FROM t')).toEqual([[1]]);
      expect(await rows(a, 'SELECT y FROM tv')).toEqual([[2]]);
      expect(await rows(b, 'SELECT x FROM mz_temp.t ORDER BY x')).toEqual([[2], [3]]);
      // pg_class lists both (as PostgreSQL does), each visible only to its own session.
      const visibility = "SELECT pg_table_is_visible(c.oid), pg_is_other_temp_schema(c.relnamespace) FROM pg_class c WHERE c.relname = 't' ORDER BY 1";
      expect(await rows(a, visibility)).toEqual([[false, true], [true, false]]);
      expect(await rows(b, visibility)).toEqual([[false, true], [true, false]]);
      // Materialize: only temporary items may depend on temporary items.
      expect(await code(a, 'CREATE VIEW v AS SELECT * FROM t')).toBe('42P17');
      await a.end();
      const temps = "SELECT count(*)::int FROM mz_objects WHERE schema_id = '0'";
      await eventually(async () => (await rows(b, temps))[0]![0] === 1, "the disconnected session's temporary items are dropped");
      expect(await rows(b, "SELECT count(*)::int FROM pg_class WHERE relname IN ('t', 'tv')")).toEqual([[1]]);
      expect(await rows(b, 'SELECT x FROM t ORDER BY x')).toEqual([[2], [3]]);
    } finally {
      await a.end().catch(() => undefined);
      await b.end();
    }
  }, 30_000);

  it('do not survive a crash: neither the item nor its rows come back, and nothing of them is on disk', async () => {
    const a = await connect();
    await a.query('CREATE TABLE keep (x int)');
    await a.query('INSERT INTO keep VALUES (42)');
    await a.query('CREATE TEMP TABLE t (x int)');
    await a.query('INSERT INTO t VALUES (7), (8)');
    await a.query('CREATE TEMP TABLE t_as AS SELECT x FROM keep');
    await server.kill();
    await server.restart();
    const b = await connect();
    try {
      expect(await code(b, 'SELECT * FROM t')).toBe('42P01');
      expect(await code(b, 'SELECT * FROM t_as')).toBe('42P01');
      expect(await rows(b, "SELECT count(*)::int FROM mz_objects WHERE schema_id = '0'")).toEqual([[0]]);
      expect(await rows(b, 'SELECT x FROM keep')).toEqual([[42]]);
      // A new temporary table of the same name (and id) starts empty.
      await b.query('CREATE TEMP TABLE t (x int)');
      expect(await rows(b, 'SELECT count(*)::int FROM t')).toEqual([[0]]);
    } finally {
      await b.end();
    }
    await server.stop();
    const persist = await openPersist({ backend: 'fs', dataDir: server.dataDir });
    expect((await persist.list()).filter((s) => s.includes('temp-'))).toEqual([]);
    await persist.close();
  }, 60_000);
});
