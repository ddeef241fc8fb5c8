/** Builtin relations: stable ids, rows that fit their columns, and the SQL-text recovery they rely on. */
import { describe, expect, it } from 'vitest';
import { col, evalScalar, call, lit } from '../../expr/index.ts';
import { type PgArray, T, relationDesc, typeOid } from '../../repr/index.ts';
import { initParser } from '../../sql/index.ts';
import { Catalog } from '../catalog.ts';
import { CatalogModel } from './model.ts';
import { ALL_SPECS, BUILTIN_RELATIONS, ID_ORDER } from './relations.ts';
import { PG_TYPES } from './pg-types.ts';
import { defaultTexts, indexKeyTexts } from './sql-text.ts';

await initParser();

function sampleCatalog(): Catalog {
  const c = new Catalog();
  c.addDatabase({ id: 'u1', oid: 20000, name: 'materialize' });
  c.addSchema({ id: 'u2', oid: 20001, database: 'materialize', name: 'public' });
  const columns = [{ name: 'id', type: T.int4, nullable: false }, { name: 'note', type: T.text, nullable: true }];
  c.addItem({
    id: 'u3', oid: 20002, name: { database: 'materialize', schema: 'public', item: 't' }, kind: 'table', desc: relationDesc(columns),
    createSql: "create table t (id int not null, note text default 'x, y')", dependsOn: [],
  });
  c.addItem({
    id: 'u4', oid: 20003, name: { database: 'materialize', schema: 'public', item: 't_idx' }, kind: 'index', indexOn: 'u3',
    indexKeys: [col(1, T.text)], createSql: 'create index t_idx on t (note)', dependsOn: ['u3'],
  });
  return c;
}

describe('builtin relations', () => {
  it('every spec has exactly one stable id, and ids never repeat', () => {
    expect(new Set(ID_ORDER).size).toBe(ID_ORDER.length);
    expect(BUILTIN_RELATIONS.length).toBe(ALL_SPECS.length);
    expect(BUILTIN_RELATIONS.find((r) => r.name === 'mz_databases')?.id).toBe('s1');
    expect(BUILTIN_RELATIONS.find((r) => r.name === 'pg_class')?.oid).toBe(1259);
  });

  it('every relation produces rows as wide as its columns', () => {
    const m = new CatalogModel(sampleCatalog(), BUILTIN_RELATIONS);
    for (const r of BUILTIN_RELATIONS) {
      for (const row of r.rows(m)) expect(row.length, `${r.schema}.${r.name}`).toBe(r.columns.length);
    }
  });

  it('pg_class, pg_attribute, pg_index and pg_attrdef describe the user objects consistently', () => {
    const m = new CatalogModel(sampleCatalog(), BUILTIN_RELATIONS);
    const rel = (name: string) => BUILTIN_RELATIONS.find((r) => r.name === name)!;
    const cls = rel('pg_class').rows(m).filter((r) => r[0] === 20002 || r[0] === 20003);
    expect(cls.map((r) => [r[1], r[16], r[13]])).toEqual([['t', 'r', true], ['t_idx', 'i', false]]);
    const atts = rel('pg_attribute').rows(m).filter((r) => r[0] === 20002);
    expect(atts.map((r) => [r[1], r[2], r[5], r[13], r[14]])).toEqual([['id', 23, 1, true, false], ['note', 25, 2, false, true]]);
    expect(rel('pg_index').rows(m).map((r) => [r[0], r[1], (r[15] as PgArray).elems])).toEqual([[20003, 20002, [2]]]);
    expect(rel('pg_attrdef').rows(m).map((r) => [r[1], r[2], r[3]])).toEqual([[20002, 2, "'x, y'"]]);
  });

  it('PRIMARY KEY / UNIQUE constraints have catalog-only index entries (pg_class, pg_index, conindid), not mz_indexes', () => {
    const c = sampleCatalog();
    const columns = [{ name: 'a', type: T.int4, nullable: false }, { name: 'b', type: T.text, nullable: true }];
    c.addItem({
      id: 'u5', oid: 20004, name: { database: 'materialize', schema: 'public', item: 'k' }, kind: 'table',
      desc: { columns, keys: [[0], [1]], keyNames: ['k_pkey', 'k_b_key'], primaryKey: true },
      createSql: 'create table k (a int primary key, b text unique)', dependsOn: [],
    });
    const m = new CatalogModel(c, BUILTIN_RELATIONS);
    const rel = (name: string) => BUILTIN_RELATIONS.find((r) => r.name === name)!;
    const idx = rel('pg_index').rows(m).filter((r) => r[1] === 20004);
    expect(idx.map((r) => [r[4], r[6], (r[15] as PgArray).elems])).toEqual([[true, true, [1]], [true, false, [2]]]);
    const cls = rel('pg_class').rows(m).filter((r) => idx.some((i) => i[0] === r[0]));
    expect(cls.map((r) => [r[1], r[16], r[2]])).toEqual([['k_pkey', 'i', 20001], ['k_b_key', 'i', 20001]]);
    expect(rel('pg_class').rows(m).find((r) => r[0] === 20004)?.[13]).toBe(true);
    const cons = rel('pg_constraint').rows(m).filter((r) => r[7] === 20004);
    expect(cons.map((r) => [r[1], r[3], r[9]])).toEqual([['k_pkey', 'p', idx[0]![0]], ['k_b_key', 'u', idx[1]![0]]]);
    expect(rel('pg_attribute').rows(m).filter((r) => r[0] === idx[1]![0]).map((r) => [r[1], r[5]])).toEqual([['b', 1]]);
    expect(rel('pg_indexes').rows(m).filter((r) => r[1] === 'k').map((r) => r[4])).toEqual([
      'CREATE UNIQUE INDEX k_pkey ON public.k USING btree (a)', 'CREATE UNIQUE INDEX k_b_key ON public.k USING btree (b)',
    ]);
    // Materialize's view: only real indexes (arrangements).
    expect(rel('mz_indexes').rows(m).map((r) => r[2])).toEqual(['t_idx']);
    expect(rel('mz_show_indexes').rows(m).map((r) => r[1])).toEqual(['t_idx']);
    expect(rel('mz_objects').rows(m).filter((r) => String(r[3]).startsWith('k_'))).toEqual([]);
  });

  it('pg_type lists every scalar type with its array type, consistently', () => {
    const int4 = PG_TYPES.find((t) => t.oid === typeOid(T.int4))!;
    expect(int4).toMatchObject({ name: 'int4', array: 1007, category: 'N', len: 4 });
    expect(PG_TYPES.find((t) => t.oid === 1007)).toMatchObject({ name: '_int4', elem: 23, category: 'A' });
  });
});

describe('SQL text recovered from create_sql', () => {
  it('column defaults, skipping table constraints and stopping at column constraints', () => {
    expect(defaultTexts('create table t (a int default 1 not null, primary key (a), b text default lower(\'X,Y\'), c int)', 3))
      .toEqual(['1', "lower('X,Y')", null]);
  });

  it('index keys: column names and expressions', () => {
    const cols = [{ name: 'a', type: T.int4, nullable: true }, { name: 'Mixed', type: T.text, nullable: true }];
    expect(indexKeyTexts('create index i on t (a, "Mixed", a + 1)', [col(0, T.int4), col(1, T.text), call('add_int4', [col(0, T.int4), lit(1, T.int4)], T.int4)], cols))
      .toEqual(['a', '"Mixed"', '(a + 1)']);
  });
});

describe('catalog functions', () => {
  const ev = (f: string, ...args: Parameters<typeof lit>[]) => evalScalar(call(f, args.map(([v, t]) => lit(v, t)), T.text), []);
  it('format_type prints PostgreSQL names with modifiers', () => {
    expect(ev('format_type', [23, T.oid], [-1, T.int4])).toBe('integer');
    expect(ev('format_type', [1700, T.oid], [(10 << 16 | 2) + 4, T.int4])).toBe('numeric(10,2)');
    expect(ev('format_type', [1015, T.oid], [null, T.int4])).toBe('character varying[]');
  });
  it('pg_size_pretty and quote_ident', () => {
    expect(ev('pg_size_pretty', [0n, T.int8])).toBe('0 bytes');
    expect(ev('pg_size_pretty', [123456789n, T.int8])).toBe('118 MB');
    expect(ev('quote_ident', ['Mixed', T.text])).toBe('"Mixed"');
    expect(ev('quote_ident', ['select', T.text])).toBe('"select"');
    expect(ev('quote_ident', ['plain_1', T.text])).toBe('plain_1');
  });
});
