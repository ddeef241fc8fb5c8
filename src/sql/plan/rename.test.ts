import { beforeAll, describe, expect, it } from 'vitest';
import { initParser } from '../parser/index.ts';
import { renameInCreateSql } from './rename.ts';

beforeAll(async () => {
  await initParser();
});

const NEW = { database: 'materialize', schema: 'public', item: 't2' };
/** Resolves `t`, `public.t` and `materialize.public.t` to the renamed item, as a definition in schema public would. */
const isT = (parts: readonly string[]): boolean => {
  const p = [...parts];
  if (p.length === 3 && p[0] !== 'materialize') return false;
  if (p.length >= 2 && p[p.length - 2] !== 'public') return false;
  return p[p.length - 1] === 't';
};

describe('renameInCreateSql', () => {
  it('qualifies FROM references and keeps the old name as the alias', () => {
    expect(renameInCreateSql('CREATE VIEW v AS SELECT t.a, b FROM t WHERE a > 0', isT, NEW))
      .toBe('CREATE VIEW v AS SELECT t.a, b FROM "materialize"."public"."t2" AS "t" WHERE a > 0');
  });

  it('keeps an existing alias and rewrites qualified and quoted names', () => {
    expect(renameInCreateSql('create view v as select x.a from public.t x join "t" as y on x.a = y.a', isT, NEW))
      .toBe('create view v as select x.a from "materialize"."public"."t2" x join "materialize"."public"."t2" as y on x.a = y.a');
  });

  it('rewrites comma-separated FROM items and subqueries, but not columns named like the relation', () => {
    expect(renameInCreateSql('create view v as select a, t from u, t where a in (select a from t)', isT, NEW))
      .toBe('create view v as select a, t from u, "materialize"."public"."t2" AS "t" where a in (select a from "materialize"."public"."t2" AS "t")');
  });

  it('rewrites the item\'s own name and an index\'s relation (index names stay bare)', () => {
    expect(renameInCreateSql('CREATE TABLE t (a int)', isT, NEW)).toBe('CREATE TABLE "materialize"."public"."t2" (a int)');
    expect(renameInCreateSql('create materialized view if not exists t as select 1', isT, NEW)).toBe('create materialized view if not exists "materialize"."public"."t2" as select 1');
    expect(renameInCreateSql('create index t on u (a)', isT, NEW)).toBe('create index "t2" on u (a)');
    expect(renameInCreateSql('create index i in cluster c on t (a)', isT, NEW)).toBe('create index i in cluster c on "materialize"."public"."t2" (a)');
  });

  it('leaves definitions that do not name the item alone', () => {
    const sql = 'CREATE VIEW v AS SELECT a FROM other.t, u';
    expect(renameInCreateSql(sql, isT, NEW)).toBe(sql);
  });
});
