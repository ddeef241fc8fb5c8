/**
 * The catalog queries real clients send, run against Tributary: postgres.js with its default type
 * bootstrap (fetch_types), node-postgres, every catalog query in the dbt-postgres replay, dbt-materialize's
 * mz_catalog queries, and the BI-tool probes from reference/clients.md (SQLAlchemy, pgjdbc, Grafana,
 * Metabase). Each must bind and run; where the answer is known, it is checked.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import postgres from 'postgres';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

const REPLAY = new URL('../../../shared/reference/clients/replay/dbt_postgres_replay.jsonl', import.meta.url);

let server: ServerProcess;
let client: pg.Client;

beforeAll(async () => {
  server = await startServerProcess();
  client = new pg.Client({ connectionString: server.url });
  await client.connect();
  for (const s of [
    'create schema raw', 'create table raw.orders (id int, customer text, amount numeric)', "insert into raw.orders values (1,'a',10),(2,'b',200)",
    'create schema analytics', 'create view analytics.stg_orders as select id, customer, amount from raw.orders',
    'create materialized view analytics.customer_totals as select customer, sum(amount) as total from analytics.stg_orders group by customer',
    'create index customer_totals_idx on analytics.customer_totals (customer)',
  ]) await client.query(s);
});

afterAll(async () => {
  await client?.end();
  await server?.dispose();
});

const q = async (sql: string): Promise<Record<string, unknown>[]> => (await client.query(sql)).rows as Record<string, unknown>[];

describe('drivers', () => {
  it('postgres.js connects with its default type bootstrap and decodes arrays', async () => {
    const sql = postgres(server.url, { max: 1 });
    try {
      const rows = await sql`select ${[1, 2, 3]}::int4[] as a, array['x','y'] as t, relname from pg_class where relname = ${'customer_totals'}`;
      expect(rows[0]).toEqual({ a: [1, 2, 3], t: ['x', 'y'], relname: 'customer_totals' });
    } finally {
      await sql.end();
    }
  });

  it('the postgres.js bootstrap query returns element/array oid pairs', async () => {
    const rows = await q("select b.oid, b.typarray from pg_catalog.pg_type a left join pg_catalog.pg_type b on b.oid = a.typelem where a.typcategory = 'A' group by b.oid, b.typarray order by b.oid");
    expect(rows).toContainEqual({ oid: 23, typarray: 1007 });
    expect(rows).toContainEqual({ oid: 25, typarray: 1009 });
  });
});

describe('dbt-postgres catalog queries (from the replay)', () => {
  const queries = [...new Set(readFileSync(REPLAY, 'utf8').split('\n').filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { sql?: string }).map((e) => e.sql ?? '')
    .filter((s) => /pg_|information_schema/.test(s) && /^\s*(\/\*[\s\S]*?\*\/)?\s*select/i.test(s)))];

  it('finds catalog queries in the replay', () => {
    expect(queries.length).toBeGreaterThanOrEqual(4);
  });

  it('every one binds and runs', async () => {
    for (const sql of queries) {
      await expect(client.query(sql.replaceAll('dbtdemo', 'materialize')), sql.slice(0, 300)).resolves.toBeDefined();
    }
  });

  it('list_relations_without_caching and get_relations see the objects and their dependency', async () => {
    const rels = await q(`select tablename as name, 'table' as type from pg_tables where schemaname ilike 'analytics'
      union all select viewname, 'view' from pg_views where schemaname ilike 'analytics'
      union all select matviewname, 'materialized_view' from pg_matviews where schemaname ilike 'analytics' order by 1`);
    expect(rels).toEqual([{ name: 'customer_totals', type: 'materialized_view' }, { name: 'stg_orders', type: 'view' }]);
    const deps = await q(`select distinct dn.nspname as ds, dc.relname as dname, rn.nspname as rs, rc.relname as rname
      from pg_class dc join pg_namespace dn on dn.oid = dc.relnamespace
      join pg_depend dd on dd.refobjid = dc.oid and dd.classid = 'pg_rewrite'::regclass and dd.refclassid = 'pg_class'::regclass and dd.deptype = 'i'
      join pg_depend jd on jd.objid = dd.objid and jd.classid = 'pg_rewrite'::regclass and jd.refclassid = 'pg_class'::regclass and jd.refobjid != dd.refobjid
      join pg_class rc on rc.oid = jd.refobjid
      join pg_namespace rn on rn.oid = rc.relnamespace and rn.nspname != 'information_schema' and rn.nspname not like 'pg\\_%'
      order by 1, 2, 3, 4`);
    expect(deps).toEqual([
      { ds: 'analytics', dname: 'customer_totals', rs: 'analytics', rname: 'stg_orders' },
      { ds: 'analytics', dname: 'stg_orders', rs: 'raw', rname: 'orders' },
    ]);
  });

  it('get_columns_in_relation through the 3-part information_schema name', async () => {
    const rows = await q(`select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale
      from "materialize".information_schema."columns" where table_name = 'orders' and table_schema = 'raw' order by ordinal_position`);
    expect(rows.map((r) => [r['column_name'], r['data_type']])).toEqual([['id', 'integer'], ['customer', 'text'], ['amount', 'numeric']]);
  });

  it('the materialized-view index query (pg_index, pg_am, ANY(indkey))', async () => {
    const rows = await q(`select i.relname as name, m.amname as method, ix.indisunique as "unique",
        array_to_string(array_agg(a.attname), ',') as column_names
      from pg_index ix join pg_class i on i.oid = ix.indexrelid join pg_am m on m.oid = i.relam
      join pg_class t on t.oid = ix.indrelid join pg_namespace n on n.oid = t.relnamespace
      join pg_attribute a on a.attrelid = t.oid and a.attnum = ANY(ix.indkey)
      where t.relname = 'customer_totals' and n.nspname = 'analytics' and t.relkind in ('r', 'm')
      group by 1, 2, 3 order by 1, 2, 3`);
    expect(rows).toEqual([{ name: 'customer_totals_idx', method: 'btree', unique: false, column_names: 'customer' }]);
  });
});

describe('dbt-materialize and Materialize catalog', () => {
  it('list_relations_without_caching over mz_objects/mz_schemas/mz_databases', async () => {
    const rows = await q(`select d.name as database, s.name as schema, o.name,
        case when o.type = 'materialized-view' then 'materialized_view' else o.type end as type
      from mz_objects o left join mz_sources so on o.id = so.id
      join mz_schemas s on o.schema_id = s.id and s.name = 'analytics'
      join mz_databases d on s.database_id = d.id and d.name = 'materialize'
      where o.type in ('table', 'source', 'view', 'materialized-view', 'index', 'sink')
        and coalesce(so.type, '') not in ('subsource', 'progress') order by o.name`);
    expect(rows.map((r) => [r['name'], r['type']])).toEqual([
      ['customer_totals', 'materialized_view'], ['customer_totals_idx', 'index'], ['stg_orders', 'view'],
    ]);
  });

  it('mz_columns joined with mz_relations, mz_internal relations', async () => {
    const cols = await q(`select c.name, c.position, c.type from mz_columns c join mz_relations r on c.id = r.id where r.name = 'customer_totals' order by c.position`);
    expect(cols).toEqual([{ name: 'customer', position: '1', type: 'text' }, { name: 'total', position: '2', type: 'numeric' }]);
    const deps = await q(`select o.name from mz_internal.mz_object_dependencies d join mz_objects o on o.id = d.referenced_object_id
      join mz_objects x on x.id = d.object_id where x.name = 'stg_orders'`);
    expect(deps).toEqual([{ name: 'orders' }]);
    await q('select * from mz_internal.mz_comments');
    // (Materialize's system clusters mz_system, mz_catalog_server, ... are listed too.)
    expect(await q("select name, replicas from mz_internal.mz_show_clusters where name not like 'mz\\_%'")).toEqual([{ name: 'quickstart', replicas: 'r1 (25cc)' }]);
  });
});

describe('BI tools and drivers\' metadata queries', () => {
  it('SQLAlchemy initialisation and reflection probes', async () => {
    await q("SELECT t.oid, typarray FROM pg_type t JOIN pg_namespace ns ON typnamespace = ns.oid WHERE typname = 'hstore'");
    expect((await q('select pg_catalog.version()'))[0]!['version']).toMatch(/^PostgreSQL 9\.5/);
    expect(await q('select current_schema()')).toEqual([{ current_schema: 'public' }]);
    const views = await q("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'analytics' and c.relkind in ('v', 'm') order by 1");
    expect(views).toEqual([{ relname: 'customer_totals' }, { relname: 'stg_orders' }]);
    const def = await q("select pg_get_viewdef(c.oid) as def from pg_class c where c.relname = 'stg_orders'");
    expect(def[0]!['def']).toContain('select id, customer, amount from raw.orders');
  });

  it('pgjdbc type lookups and regproc comparison', async () => {
    const rows = await q(`SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname FROM pg_catalog.pg_type WHERE oid = 1007`);
    expect(rows).toEqual([{ is_array: true, typtype: 'b', typname: '_int4' }]);
    const ns = await q(`SELECT n.nspname = ANY(current_schemas(true)) as visible, n.nspname, t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = 23`);
    expect(ns).toEqual([{ visible: true, nspname: 'pg_catalog', typname: 'int4' }]);
  });

  it('Grafana and Metabase probes', async () => {
    expect(await q("SELECT current_setting('server_version_num')::int/100 as version")).toEqual([{ version: 905 }]);
    expect(await q("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")).toEqual([]);
    const schemas = await q("SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name NOT IN ('information_schema', 'pg_catalog', 'mz_catalog', 'mz_internal') ORDER BY schema_name");
    expect(schemas).toEqual([{ name: 'analytics' }, { name: 'public' }, { name: 'raw' }]);
    const tables = await q("SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE quote_ident(table_schema) = 'raw' ORDER BY 1");
    expect(tables).toEqual([{ t: 'orders' }]);
    await q(`select n.nspname as schema, c.relname as name, stat.n_live_tup from pg_catalog.pg_class c join pg_catalog.pg_namespace n on c.relnamespace = n.oid
      left join pg_stat_user_tables stat on n.nspname = stat.schemaname and c.relname = stat.relname
      where n.nspname !~ '^pg_' and n.nspname <> 'information_schema' and c.relkind in ('r','p','v','f','m') and has_table_privilege(c.oid, 'SELECT')`);
  });

  it('regclass casts resolve names, print names, and fail for unknown relations', async () => {
    const rows = await q("select 'raw.orders'::regclass::oid = c.oid as same, c.oid::regclass::text as name from pg_class c where c.relname = 'orders'");
    expect(rows).toEqual([{ same: true, name: 'raw.orders' }]);
    await expect(client.query("select 'nope'::regclass")).rejects.toThrow('relation "nope" does not exist');
    expect(await q("select format_type(23, -1) as a, format_type(1043, 14) as b, format_type(1700, 655366) as c, pg_get_userbyid(16661) as u"))
      .toEqual([{ a: 'integer', b: 'character varying(10)', c: 'numeric(10,2)', u: 'materialize' }]);
  });
});
