/**
 * psql's `\d` family against Tributary and against a real PostgreSQL holding the same objects: each
 * meta-command must succeed on Tributary and print the same shape — the same title, the same rows for
 * the shared objects, and the same values in every column both outputs have (psql adds or drops a few
 * columns depending on the server version: "Key?", "Compression"). Owner names are normalized.
 *
 * Every meta-command captured from psql 15 (reference/clients/captures/psql15/) is covered: the
 * test reads the capture directory and fails for a capture without a comparison below. The
 * tab-completion queries psql sends (captures/psql15/tab_completion_queries.sql) must run without
 * error and, for relation and column completion, return what PostgreSQL returns.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type PostgresServer, startPostgres } from '../harness/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

const hasPsql = spawnSync('sh', ['-c', 'command -v psql'], { stdio: 'ignore' }).status === 0;

const SETUP = [
  'create table orders (id int not null, customer text not null, amount numeric(10,2), created_at timestamptz default now())',
  'create index orders_customer_idx on orders (customer)',
  'create view big_orders as select id, customer from orders where amount > 100',
  'create materialized view order_totals as select customer, sum(amount) as total from orders group by customer',
  'create schema analytics',
  'create table analytics.events (id bigint, payload text)',
  // PRIMARY KEY / UNIQUE constraints: PostgreSQL backs each with an index that `\\d` lists under "Indexes:".
  'create table accounts (id int primary key, email text unique, region text, code int, unique (region, code))',
];

interface Target {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

let trib: ServerProcess;
let pgServer: PostgresServer;
let tribTarget: Target;
let pgTarget: Target;

beforeAll(async () => {
  if (!hasPsql) return;
  [trib, pgServer] = await Promise.all([startServerProcess(), startPostgres()]);
  tribTarget = { host: '127.0.0.1', port: trib.port, user: 'materialize', database: 'materialize' };
  pgTarget = { host: pgServer.host, port: pgServer.port, user: pgServer.user, database: pgServer.database };
  for (const t of [tribTarget, pgTarget]) {
    const c = new pg.Client(t);
    await c.connect();
    for (const s of SETUP) await c.query(s);
    await c.end();
  }
});

afterAll(async () => {
  await Promise.all([trib?.dispose(), pgServer?.stop()]);
});

const CAPTURES = join(new URL('../../..', import.meta.url).pathname, 'shared/reference/clients/captures/psql15');

/** The meta-commands captured from psql 15: the first line of each capture is `### psql -E -c '<command>'`. */
function capturedCommands(): string[] {
  return readdirSync(CAPTURES).filter((f) => f.endsWith('.txt')).map((f) => {
    const m = /^### psql -E -c '(.*)'$/m.exec(readFileSync(join(CAPTURES, f), 'utf8'));
    if (m === null) throw new Error(`capture ${f} does not name its command`);
    return m[1]!;
  });
}

/** The queries psql's tab completion sends (blank-line separated, `--` comment lines). */
function tabCompletionQueries(): string[] {
  return readFileSync(join(CAPTURES, 'tab_completion_queries.sql'), 'utf8').split(/\n\s*\n/)
    .map((q) => q.split('\n').filter((l) => !l.startsWith('--')).join('\n').trim())
    .filter((q) => q !== '' && !/^select 1;?$/i.test(q));
}

function psql(t: Target, command: string): { out: string; err: string } {
  const r = spawnSync('psql', ['-X', '-A', '-F', '|', '-P', 'pager=off', '-h', t.host, '-p', String(t.port), '-U', t.user, '-d', t.database, '-c', command], {
    encoding: 'utf8', env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
  return { out: r.stdout, err: r.stderr };
}

interface Table {
  readonly title: string[];
  readonly header: string[];
  readonly rows: string[][];
  readonly footer: string[];
}

const normalize = (s: string): string => s.replace(/\b(materialize|postgres|pg_database_owner)\b/g, 'OWNER');

/** Parses psql's unaligned output: title lines, a `|`-separated header and rows, then footer lines. */
function parse(out: string): Table {
  const lines = normalize(out).split('\n').filter((l) => l !== '');
  let i = 0;
  const title: string[] = [];
  while (i < lines.length && !lines[i]!.includes('|')) title.push(lines[i++]!);
  const header = (lines[i++] ?? '').split('|');
  const rows: string[][] = [];
  while (i < lines.length && lines[i]!.includes('|')) rows.push(lines[i++]!.split('|'));
  const footer = lines.slice(i).filter((l) => !/^\(\d+ rows?\)$/.test(l) && l !== 'Access method: heap');
  return { title, header, rows, footer };
}

/** The rows projected onto the named columns. */
function project(t: Table, columns: readonly string[]): string[][] {
  const idx = columns.map((c) => t.header.indexOf(c));
  return t.rows.map((r) => idx.map((i) => r[i] ?? ''));
}

function both(command: string): { trib: Table; pg: Table } {
  const a = psql(tribTarget, command);
  const b = psql(pgTarget, command);
  expect(a.err, `Tributary: ${command}`).toBe('');
  expect(b.err, `PostgreSQL: ${command}`).toBe('');
  return { trib: parse(a.out), pg: parse(b.out) };
}

/** Same title, same rows (restricted to `keep`), same values in the shared columns, same footer. */
function expectSameShape(command: string, keep: (row: string[]) => boolean = () => true): void {
  const { trib: t, pg: p } = both(command);
  expect(t.title).toEqual(p.title);
  const shared = t.header.filter((h) => p.header.includes(h));
  expect(shared.length).toBeGreaterThanOrEqual(Math.min(t.header.length, p.header.length) - 1);
  expect(project({ ...t, rows: t.rows.filter(keep) }, shared)).toEqual(project({ ...p, rows: p.rows.filter(keep) }, shared));
  expect(t.footer).toEqual(p.footer);
}

/** Same title and header; rows may differ (roles, extensions and functions differ between the servers). */
function expectSameHeader(command: string): void {
  const { trib: t, pg: p } = both(command);
  expect(t.title, command).toEqual(p.title);
  expect(t.header, command).toEqual(p.header);
}

/** Both servers print the same thing on stdout and stderr (after normalizing owners). */
function expectSameOutput(command: string, norm: (s: string) => string = (s) => s): void {
  const a = psql(tribTarget, command);
  const b = psql(pgTarget, command);
  expect(norm(normalize(a.out)), command).toBe(norm(normalize(b.out)));
  expect(norm(normalize(a.err)), command).toBe(norm(normalize(b.err)));
}

/** psql's `\conninfo` names the database, user, host and port, which differ between the servers. */
const conninfo = (s: string): string => s.replace(/database "[^"]*" as user "[^"]*" on host "[^"]*" at port "\d+"/, 'database "D" as user "U" on host "H" at port "P"');

/** How each captured meta-command is compared. */
const CHECKS: Readonly<Record<string, () => void>> = {
  '\\d': () => expectSameShape('\\d'),
  '\\dt': () => expectSameShape('\\dt'),
  '\\dv': () => expectSameShape('\\dv'),
  '\\dm': () => expectSameShape('\\dm'),
  '\\di': () => expectSameShape('\\di'),
  '\\d orders': () => expectSameShape('\\d orders'),
  '\\d big_orders': () => expectSameShape('\\d big_orders'),
  '\\d order_totals': () => expectSameShape('\\d order_totals'),
  '\\d orders_customer_idx': () => expectSameShape('\\d orders_customer_idx'),
  '\\d+ orders': () => expectSameShape('\\d+ orders'),
  // Sizes are storage-specific; every other shared column must agree.
  '\\dt+': () => {
    const { trib: t, pg: p } = both('\\dt+');
    expect(t.title).toEqual(p.title);
    const shared = t.header.filter((h) => p.header.includes(h) && h !== 'Size');
    expect(shared).toEqual(['Schema', 'Name', 'Type', 'Owner', 'Persistence', 'Description']);
    expect(project(t, shared)).toEqual(project(p, shared));
  },
  '\\dn': () => {
    expectSameShape('\\dn', (r) => !r[0]!.startsWith('mz_'));
    expect(both('\\dn').trib.rows.map((r) => r[0])).toEqual(['analytics', 'mz_catalog', 'mz_internal', 'public']);
  },
  '\\dp': () => expectSameShape('\\dp'),
  '\\db': () => expectSameShape('\\db'),
  '\\dE': () => expectSameOutput('\\dE'),
  '\\ds': () => expectSameOutput('\\ds'),
  '\\dT': () => expectSameShape('\\dT'),
  '\\df': () => expectSameShape('\\df'),
  '\\du': () => expectSameHeader('\\du'),
  '\\dx': () => expectSameHeader('\\dx'),
  '\\l': () => {
    expectSameHeader('\\l');
    // (The database name `materialize` is normalized to OWNER like the owner names.)
    expect(both('\\l').trib.rows.map((r) => r.slice(0, 5))).toEqual([['OWNER', 'OWNER', 'UTF8', 'C', 'C']]);
  },
  '\\dS pg_class': () => {
    const { trib: t, pg: p } = both('\\dS pg_class');
    expect(t.title).toEqual(['Table "pg_catalog.pg_class"']);
    expect(t.header).toEqual(p.header);
    expect(t.rows.slice(0, 3).map((r) => [r[0], r[1]])).toEqual([['oid', 'oid'], ['relname', 'name'], ['relnamespace', 'oid']]);
  },
  '\\sf now': () => expectSameOutput('\\sf now'),
  // PostgreSQL prints its deparsed form of the query; Tributary prints the definition as written.
  '\\sv big_orders': () => {
    expect(psql(tribTarget, '\\sv big_orders').out).toMatch(/^CREATE OR REPLACE VIEW public\.big_orders AS\n\s*select id, customer from orders where amount > 100/);
    expect(psql(pgTarget, '\\sv big_orders').out).toMatch(/^CREATE OR REPLACE VIEW public\.big_orders AS\n/);
  },
  // Client-side commands: psql answers them itself, from the connection's parameters.
  '\\conninfo': () => expectSameOutput('\\conninfo', conninfo),
  '\\encoding': () => expectSameOutput('\\encoding'),
  '\\x': () => expectSameOutput('\\x'),
};

describe.skipIf(!hasPsql)('psql meta-commands: Tributary vs PostgreSQL', () => {
  it('every captured meta-command has a comparison', () => {
    const missing = capturedCommands().filter((c) => CHECKS[c] === undefined);
    expect(missing).toEqual([]);
  });

  for (const command of Object.keys(CHECKS)) {
    it(`${command} matches PostgreSQL`, () => CHECKS[command]!());
  }

  it('\\d analytics.* and \\dt analytics.* list the same relations', () => {
    for (const c of ['\\dt analytics.*', '\\d analytics.*', '\\d analytics.events']) expectSameShape(c);
  });

  it('\\d <table with PRIMARY KEY / UNIQUE> lists their indexes as PostgreSQL does', () => {
    for (const c of ['\\d accounts', '\\d accounts_pkey', '\\d accounts_email_key', '\\di accounts*']) expectSameShape(c);
    const { trib: t } = both('\\d accounts');
    expect(t.footer.map((l) => l.trim())).toEqual(['Indexes:', '"accounts_pkey" PRIMARY KEY, btree (id)', '"accounts_email_key" UNIQUE CONSTRAINT, btree (email)', '"accounts_region_code_key" UNIQUE CONSTRAINT, btree (region, code)']);
  });

  it('\\d and \\dt show a temporary table in its session\'s pg_temp schema, as PostgreSQL does', () => {
    // One psql session (several -c): the temporary table lives as long as the connection.
    const run = (t: Target): { out: string; err: string } => {
      const r = spawnSync('psql', ['-X', '-A', '-F', '|', '-P', 'pager=off', '-h', t.host, '-p', String(t.port), '-U', t.user, '-d', t.database,
        '-c', 'create temp table tmp_t (a int not null, b text)', '-c', '\\d tmp_t', '-c', '\\dt tmp_t'], { encoding: 'utf8' });
      return { out: normalize(r.stdout).replace(/pg_temp_\d+/g, 'pg_temp_N'), err: r.stderr };
    };
    const [a, b] = [run(tribTarget), run(pgTarget)];
    expect(a.err).toBe('');
    expect(a.out).toContain('Table "pg_temp_N.tmp_t"');
    expect(a.out).toBe(b.out);
  });

  it('RowDescription names the table and column of bare column references, as PostgreSQL does', async () => {
    const queries = [
      'SELECT id, customer, amount FROM orders',
      'SELECT * FROM orders',
      "SELECT o.id, o.amount + 1 AS a1, 'x' AS lit, o.created_at FROM orders o WHERE o.id > 0",
      'SELECT id FROM big_orders',
      'SELECT customer, total FROM order_totals',
      'SELECT x.customer, x.id FROM (SELECT id, customer FROM orders) x',
      'SELECT e.payload, o.customer FROM analytics.events e JOIN orders o ON o.id = e.id',
      'SELECT count(*) AS n FROM orders',
      'SELECT customer, count(*) AS n FROM orders GROUP BY customer',
      'SELECT DISTINCT customer FROM orders',
      'SELECT o.id, e.id FROM orders o LEFT JOIN analytics.events e ON e.id = o.id',
      'SELECT id FROM orders UNION SELECT id FROM orders',
      'SELECT relname, relkind FROM pg_catalog.pg_class LIMIT 1',
    ];
    const clients = await Promise.all([tribTarget, pgTarget].map(async (t) => {
      const c = new pg.Client(t);
      await c.connect();
      return c;
    }));
    try {
      for (const q of queries) {
        // Oids differ between the servers: compare the relation each field names, and its attnum.
        const [a, b] = await Promise.all(clients.map(async (c) => {
          const r = await c.query(q);
          const out: unknown[][] = [];
          for (const f of r.fields) {
            const rel = f.tableID === 0 ? null : ((await c.query('SELECT relname FROM pg_catalog.pg_class WHERE oid = $1', [f.tableID])).rows[0] as { relname: string } | undefined)?.relname ?? `?${f.tableID}`;
            out.push([f.name, rel, f.columnID]);
          }
          return out;
        }));
        expect(a, q).toEqual(b);
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('\\d+ <view> shows the view definition', () => {
    const { trib: t } = both('\\d+ big_orders');
    expect(t.footer[0]).toBe('View definition:');
  });

  it('tab-completion queries run without error and complete relations and columns as PostgreSQL does', async () => {
    const queries = tabCompletionQueries();
    expect(queries.length).toBeGreaterThanOrEqual(10);
    const clients = await Promise.all([tribTarget, pgTarget].map(async (t) => {
      const c = new pg.Client(t);
      await c.connect();
      return c;
    }));
    try {
      for (const q of queries) {
        const [a, b] = await Promise.all(clients.map((c) => c.query({ text: q, rowMode: 'array' })));
        // Database names and settings differ between the servers; relations, schemas and columns must not.
        if (/pg_database|pg_settings/.test(q)) continue;
        const sorted = (rows: unknown[][]): string[] => rows.map((r) => JSON.stringify(r)).filter((r) => !r.includes('"mz_')).sort();
        expect(sorted(a!.rows as unknown[][]), q).toEqual(sorted(b!.rows as unknown[][]));
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});
