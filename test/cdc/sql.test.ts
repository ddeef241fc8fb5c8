/**
 * The PostgreSQL source through SQL, as a user drives it: CREATE SECRET, CREATE CONNECTION,
 * CREATE SOURCE ... FOR ALL TABLES; subsources readable and joinable; upstream transactions visible
 * atomically; a restart of Tributary resumes; DROP SOURCE removes the replication slot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type PostgresServer, startPostgres } from '../harness/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

let upstream: PostgresServer;
let server: ServerProcess;
let up: pg.Client;
let c: pg.Client;

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rows = async (sql: string): Promise<unknown[][]> => (await c.query({ text: sql, rowMode: 'array' })).rows as unknown[][];

beforeAll(async () => {
  upstream = await startPostgres();
  up = new pg.Client({ connectionString: upstream.connectionString });
  await up.connect();
  await up.query('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)');
  await up.query('ALTER TABLE accounts REPLICA IDENTITY FULL');
  await up.query('INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 10) g');
  await up.query('CREATE PUBLICATION mz_source FOR ALL TABLES');
  await up.query("ALTER USER postgres PASSWORD 'secret'").catch(() => undefined);
  server = await startServerProcess();
  c = new pg.Client({ connectionString: server.url });
  await c.connect();
}, 60_000);

afterAll(async () => {
  await c?.end().catch(() => undefined);
  await server?.dispose();
  await up?.end().catch(() => undefined);
  await upstream?.stop();
});

describe('CREATE SOURCE ... FROM POSTGRES', () => {
  it('snapshots, then streams upstream transactions atomically', async () => {
    await c.query("CREATE SECRET pgpass AS 'secret'");
    await c.query(`CREATE CONNECTION pg TO POSTGRES (HOST '127.0.0.1', PORT ${upstream.port}, USER '${upstream.user}', PASSWORD SECRET pgpass, DATABASE '${upstream.database}')`);
    await c.query('VALIDATE CONNECTION pg');
    await c.query(`CREATE CONNECTION bad TO POSTGRES (HOST '127.0.0.1', PORT ${upstream.port}, USER 'nobody', DATABASE 'postgres') WITH (VALIDATE = false)`);
    await expect(c.query('VALIDATE CONNECTION bad')).rejects.toThrow(/nobody|connect/i);
    await c.query('DROP CONNECTION bad');
    await c.query("CREATE SOURCE mz_source FROM POSTGRES CONNECTION pg (PUBLICATION 'mz_source') FOR ALL TABLES");
    const snap = await eventually(() => rows('SELECT count(*), sum(balance) FROM accounts'), (r) => r[0]?.[0] === '10');
    expect(snap).toEqual([['10', '1000']]);

    await c.query('CREATE MATERIALIZED VIEW total AS SELECT sum(balance) AS s, count(*) AS n FROM accounts');
    for (let i = 0; i < 20; i++) {
      await up.query('BEGIN');
      await up.query('UPDATE accounts SET balance = balance - 7 WHERE id = $1', [1 + (i % 10)]);
      await up.query('UPDATE accounts SET balance = balance + 7 WHERE id = $1', [1 + ((i + 3) % 10)]);
      await up.query('COMMIT');
      // Every read sees whole transactions: money is never created or destroyed.
      expect(await rows('SELECT s, n FROM total')).toEqual([['1000', '10']]);
    }
    await up.query('INSERT INTO accounts VALUES (11, 5)');
    const after = await eventually(() => rows('SELECT s, n FROM total'), (r) => r[0]?.[1] === '11');
    expect(after).toEqual([['1005', '11']]);
    const lsn = await rows('SELECT lsn > 0 FROM mz_source_progress');
    expect(lsn).toEqual([[true]]);
  });

  it('resumes after a SIGKILL without losing or doubling rows', async () => {
    await c.end();
    await server.kill();
    await up.query('INSERT INTO accounts VALUES (12, 1)');
    await server.restart();
    c = new pg.Client({ connectionString: server.url });
    await c.connect();
    const r = await eventually(() => rows('SELECT count(*), count(DISTINCT id), sum(balance) FROM accounts'), (v) => v[0]?.[0] === '12');
    expect(r).toEqual([['12', '12', '1006']]);
  });

  it('reports its status, and a TRUNCATE upstream makes reads of that subsource fail', async () => {
    const status = await eventually(() => rows("SELECT status FROM mz_internal.mz_source_statuses WHERE name = 'mz_source'"), (r) => r[0]?.[0] === 'running');
    expect(status).toEqual([['running']]);
    await up.query('TRUNCATE accounts');
    const err = await eventually(
      () => c.query('SELECT count(*) FROM accounts').then(() => undefined, (e: unknown) => e as pg.DatabaseError),
      (e) => e !== undefined,
    );
    expect(err?.message).toMatch(/truncat/i);
    const sub = await eventually(() => rows("SELECT status, error IS NOT NULL FROM mz_internal.mz_source_statuses WHERE name = 'accounts'"), (r) => r[0]?.[0] === 'stalled');
    expect(sub).toEqual([['stalled', true]]);
  });

  it('DROP SOURCE drops the subsources and the replication slot', async () => {
    await expect(c.query('DROP SOURCE mz_source')).rejects.toMatchObject({ code: '2BP01' });
    await c.query('DROP SOURCE mz_source CASCADE');
    await expect(c.query('SELECT * FROM accounts')).rejects.toMatchObject({ code: '42P01' });
    const slots = await eventually(async () => (await up.query('SELECT count(*)::int AS n FROM pg_replication_slots')).rows[0].n as number, (n) => n === 0);
    expect(slots).toBe(0);
  });
});
