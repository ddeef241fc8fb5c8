/**
 * Real clients against a real server process: psql (a scripted session), node-postgres (simple and
 * extended protocol, prepared statements, parameters) and postgres.js.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import postgres from 'postgres';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
});

afterAll(async () => {
  await server?.dispose();
});

function psql(script: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync('psql', ['-X', '-h', '127.0.0.1', '-p', String(server.port), '-U', 'materialize', '-d', 'materialize', '-v', 'ON_ERROR_STOP=0'], {
    input: script,
    encoding: 'utf8',
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const hasPsql = spawnSync('sh', ['-c', 'command -v psql'], { stdio: 'ignore' }).status === 0;

describe('psql', () => {
  it.skipIf(!hasPsql)('runs a scripted session with aligned output, errors and recovery', () => {
    const r = psql(`
CREATE TABLE p (a int, b text);
INSERT INTO p VALUES (1, 'x'), (2, 'x'), (5, 'y');
CREATE MATERIALIZED VIEW pmv AS SELECT b, count(*), sum(a) FROM p GROUP BY b;
SELECT * FROM pmv ORDER BY b;
SELECT * FROM missing;
UPDATE p SET b = 'y' WHERE a = 1;
SELECT * FROM pmv ORDER BY b;
`);
    expect(r.stdout).toContain('CREATE TABLE');
    expect(r.stdout).toContain('INSERT 0 3');
    expect(r.stdout).toContain('CREATE MATERIALIZED VIEW');
    expect(r.stdout).toContain([' b | count | sum ', '---+-------+-----', ' x |     2 |   3', ' y |     1 |   5', '(2 rows)'].join('\n'));
    expect(r.stderr).toContain('ERROR:  relation "missing" does not exist');
    expect(r.stdout).toContain('UPDATE 1');
    expect(r.stdout).toContain([' x |     1 |   2', ' y |     2 |   6'].join('\n'));
  });
});

describe('node-postgres', () => {
  it('simple and extended protocol, parameters and named prepared statements', async () => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    await c.query('CREATE TABLE np (id int, name text, score double precision, born date, at timestamptz)');
    await c.query({
      text: 'INSERT INTO np VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)',
      values: [1, 'ann', 1.5, '2000-01-02', '2024-05-06T07:08:09.123456Z', 2, 'bob', null, null, null],
    });
    const r = await c.query({ name: 'by-id', text: 'SELECT id, name, score FROM np WHERE id = $1', values: [1] });
    expect(r.rows).toEqual([{ id: 1, name: 'ann', score: 1.5 }]);
    const again = await c.query({ name: 'by-id', text: 'SELECT id, name, score FROM np WHERE id = $1', values: [2] });
    expect(again.rows).toEqual([{ id: 2, name: 'bob', score: null }]);
    const dates = await c.query({ text: 'SELECT born::text AS born, at::text AS at FROM np WHERE id = 1', values: [] });
    expect(dates.rows).toEqual([{ born: '2000-01-02', at: '2024-05-06 07:08:09.123456+00' }]);
    const multi = await c.query('SELECT 1 AS one; SELECT 2 AS two');
    expect(Array.isArray(multi) && multi.map((m) => m.rows)).toEqual([[{ one: 1 }], [{ two: 2 }]]);
    await c.end();
  });
});

describe('postgres.js', () => {
  it('queries with parameters through unnamed prepared statements', async () => {
    // fetch_types: postgres.js's startup query reads pg_catalog.pg_type, which arrives with the catalog work (issue 8).
    const sql = postgres(server.url, { max: 1, onnotice: () => undefined, fetch_types: false });
    try {
      await sql`CREATE TABLE pj (k text, v bigint)`;
      await sql`INSERT INTO pj VALUES (${'a'}, ${10}), (${'b'}, ${20})`;
      const got = await sql`SELECT k, v FROM pj WHERE v > ${5} ORDER BY k`;
      expect(got.map((r) => ({ ...r }))).toEqual([{ k: 'a', v: '10' }, { k: 'b', v: '20' }]);
      await expect(sql`SELECT * FROM nothing_here`).rejects.toMatchObject({ code: '42P01' });
      const after = await sql`SELECT count(*) AS n FROM pj`;
      expect(after[0]).toEqual({ n: '2' });
    } finally {
      await sql.end();
    }
  });
});
