/** pgwire driven by real clients (node-postgres, postgres.js, psql) against the fake adapter. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../util/index.ts';
import { startPgwireServer, type PgwireServer } from './index.ts';
import { FakeAdapter } from './testing/fake-adapter.ts';

let server: PgwireServer;
let adapter: FakeAdapter;

beforeAll(async () => {
  adapter = new FakeAdapter();
  server = await startPgwireServer({ host: '127.0.0.1', port: 0, adapter, logger: silentLogger });
});

afterAll(async () => {
  await server.close();
});

async function pgClient(extra: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'materialize', ...extra });
  await c.connect();
  return c;
}

describe('node-postgres', () => {
  it('runs simple queries, several statements per message, and empty queries', async () => {
    const c = await pgClient({ application_name: 'tests' });
    try {
      const r = await c.query('select 42');
      expect(r.rows).toEqual([{ '?column?': 42 }]);
      expect(r.command).toBe('SELECT');
      expect(r.rowCount).toBe(1);
      const multi = (await c.query('select 1; generate 3; insert')) as unknown as pg.QueryResult[];
      expect(multi.map((m) => m.command)).toEqual(['SELECT', 'SELECT', 'INSERT']);
      expect(multi[1]!.rows).toEqual([{ i: 1, label: 'row 1' }, { i: 2, label: 'row 2' }, { i: 3, label: 'row 3' }]);
      const empty = await c.query('');
      expect(empty.rows).toEqual([]);
      expect(adapter.events.startups.at(-1)).toMatchObject({ user: 'materialize', database: 'materialize', applicationName: 'tests' });
      expect(adapter.events.startups.at(-1)!.other.get('client_encoding')).toBe('UTF8');
    } finally {
      await c.end();
    }
  });

  it('reports errors with every field and recovers', async () => {
    const c = await pgClient();
    try {
      const err = await c.query('fail').catch((e: unknown) => e as pg.DatabaseError);
      expect(err).toMatchObject({ code: '22012', message: 'division by zero', detail: 'some detail', hint: 'some hint', severity: 'ERROR' });
      const syntax = await c.query('select 1; bogus stuff').catch((e: unknown) => e as pg.DatabaseError);
      expect(syntax).toMatchObject({ code: '42601', position: '11' });
      const internal = await c.query('crash').catch((e: unknown) => e as pg.DatabaseError);
      expect(internal).toMatchObject({ code: 'XX000', message: 'internal error: boom' });
      // The first error stops the rest of a multi-statement query.
      adapter.events.log.length = 0;
      await expect(c.query('insert; fail; insert')).rejects.toThrow('division by zero');
      expect(adapter.events.log).toEqual(['begin 3', 'execute insert', 'execute fail', 'end false']);
      expect((await c.query('select 7')).rows).toEqual([{ '?column?': 7 }]);
    } finally {
      await c.end();
    }
  });

  it('uses the extended protocol for parameters and named statements', async () => {
    const c = await pgClient();
    try {
      const r = await c.query('select $1::int4, $2::text, $3', [5, 'x', null]);
      expect(r.rows).toEqual([{ p1: 5, p2: 'x', p3: null }]);
      adapter.events.log.length = 0;
      for (const v of [1, 2, 3]) {
        const n = await c.query({ name: 'q1', text: 'select $1::int8', values: [v] });
        expect(n.rows).toEqual([{ p1: String(v) }]);
      }
      // Parsed (and described) once, executed three times.
      expect(adapter.events.log.filter((l) => l.startsWith('describe'))).toHaveLength(1);
      expect(adapter.events.log.filter((l) => l.startsWith('execute'))).toEqual(['execute select $1::int8 ["1n"]', 'execute select $1::int8 ["2n"]', 'execute select $1::int8 ["3n"]']);
      expect(adapter.events.log.filter((l) => l.startsWith('begin'))).toEqual(['begin 1', 'begin 1', 'begin 1']);
      const bad = await c.query('select $1::int4', ['abc']).catch((e: unknown) => e as pg.DatabaseError);
      expect(bad).toMatchObject({ code: '22P02' });
      const execErr = await c.query({ name: 'f', text: 'fail', values: [] }).catch((e: unknown) => e as pg.DatabaseError);
      expect(execErr).toMatchObject({ code: '22012' });
      expect((await c.query('select $1::int4', [9])).rows).toEqual([{ p1: 9 }]);
    } finally {
      await c.end();
    }
  });

  it('returns binary results when asked', async () => {
    const c = await pgClient({ binary: true } as Partial<pg.ClientConfig>);
    try {
      const r = await c.query('select $1::int4, $2::text', [77, 'bin']);
      expect(r.fields.map((f) => f.format)).toEqual(['binary', 'binary']);
      expect(r.rows).toEqual([{ p1: 77, p2: 'bin' }]);
    } finally {
      await c.end();
    }
  });

  it('delivers notices and ParameterStatus changes', async () => {
    const c = await pgClient();
    try {
      const notices: string[] = [];
      c.on('notice', (n) => notices.push(n.message ?? ''));
      await c.query('notice');
      expect(notices).toEqual(['hello from notice']);
      const changes: string[] = [];
      const conn = (c as unknown as { connection: { on(ev: string, f: (m: { parameterName: string; parameterValue: string }) => void): void } }).connection;
      conn.on('parameterStatus', (m) => changes.push(`${m.parameterName}=${m.parameterValue}`));
      await c.query("set application_name = 'renamed'");
      expect(changes).toEqual(['application_name=renamed']);
    } finally {
      await c.end();
    }
  });

  it('reports transaction status and recovers from a failed block', async () => {
    const c = await pgClient();
    try {
      await c.query('begin');
      await expect(c.query('fail')).rejects.toThrow();
      await expect(c.query('select 1')).rejects.toMatchObject({ code: '25P02' });
      await c.query('rollback');
      expect((await c.query('select 2')).rows).toEqual([{ '?column?': 2 }]);
    } finally {
      await c.end();
    }
  });

  it('refuses a session the adapter rejects with a FATAL error', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'nope' });
    await expect(c.connect()).rejects.toMatchObject({ code: '3D000', severity: 'FATAL' });
  });

  it('sends CancelRequest to the adapter', async () => {
    const c = await pgClient();
    try {
      const running = c.query('sleep').catch((e: unknown) => e as pg.DatabaseError);
      await new Promise((r) => setTimeout(r, 50));
      const pid = (c as unknown as { processID: number }).processID;
      const key = (c as unknown as { secretKey: number }).secretKey;
      // node-postgres cancels over a new connection with a CancelRequest packet.
      const canceller = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'materialize' });
      (canceller as unknown as { cancel(client: pg.Client, query: unknown): void }).cancel(c, (c as unknown as { activeQuery: unknown }).activeQuery);
      expect(await running).toMatchObject({ code: '57014' });
      expect(adapter.events.cancels).toContainEqual([pid, key]);
      expect((await c.query('select 3')).rows).toEqual([{ '?column?': 3 }]);
    } finally {
      await c.end();
    }
  });
});

describe('postgres.js', () => {
  it('runs prepared statements with Describe, parameters, errors and recovery', async () => {
    const sql = postgres({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'materialize', fetch_types: false, max: 1 });
    try {
      expect(await sql`select 1`).toEqual([{ '?column?': 1 }]);
      const r = await sql`select ${5}::int4, ${'s'}::text`;
      expect([...r]).toEqual([{ p1: 5, p2: 's' }]);
      await expect(sql`fail`).rejects.toMatchObject({ code: '22012' });
      expect([...(await sql`generate 2`)]).toEqual([{ i: 1, label: 'row 1' }, { i: 2, label: 'row 2' }]);
      const multi = await sql.unsafe('select 1; select 2');
      expect(multi).toHaveLength(2);
    } finally {
      await sql.end();
    }
  });

  it('reads a portal in pieces with cursor (Execute row limit + PortalSuspended)', async () => {
    const sql = postgres({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'materialize', fetch_types: false, max: 1 });
    try {
      const batches: number[][] = [];
      for await (const rows of sql`generate 25`.cursor(10)) batches.push(rows.map((r) => r['i'] as number));
      expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
      expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    } finally {
      await sql.end();
    }
  });

  it('streams COPY TO STDOUT', async () => {
    const sql = postgres({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'materialize', fetch_types: false, max: 1 });
    try {
      const readable = await sql`copy out 3`.readable();
      const chunks: Buffer[] = [];
      for await (const chunk of readable) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('0\ta\\tb\\\\c\\nd\t\\N\n1\ta\\tb\\\\c\\nd\t\\N\n2\ta\\tb\\\\c\\nd\t\\N\n');
    } finally {
      await sql.end();
    }
  });

  it('feeds COPY FROM STDIN to the adapter', async () => {
    const sql = postgres({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'materialize', fetch_types: false, max: 1 });
    try {
      const writable = await sql`copy in`.writable();
      await new Promise<void>((resolve, reject) => {
        writable.on('error', reject);
        writable.write('a\n');
        writable.write('b\nc\n');
        writable.end(resolve);
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(adapter.events.copied.at(-1)?.toString()).toBe('a\nb\nc\n');
      expect(await sql`select 4`).toEqual([{ '?column?': 4 }]);
    } finally {
      await sql.end();
    }
  });
});

const PSQL = '/usr/bin/psql';
describe.skipIf(!existsSync(PSQL))('psql', () => {
  it('connects (SSLRequest first) and runs a query', async () => {
    const { stdout } = await promisify(execFile)(PSQL, ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'materialize', '-d', 'materialize', '-c', 'select 1'], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '5', PGSSLMODE: 'prefer' },
      timeout: 10_000,
    });
    expect(stdout).toContain('?column?');
    expect(stdout).toMatch(/\n\s+1\n/);
    expect(stdout).toContain('(1 row)');
  });

  it('shows errors', async () => {
    const err = await promisify(execFile)(PSQL, ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'materialize', '-d', 'materialize', '-c', 'fail'], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
      timeout: 10_000,
    }).catch((e: unknown) => e as { stderr: string });
    expect(err.stderr).toContain('ERROR:  division by zero');
  });
});
