/**
 * Planning tests for the query surface of issue 4: outer joins, subqueries (decorrelated), CTEs,
 * table functions, DISTINCT ON, window functions. Results come from compute's batch evaluator; the
 * expected values were checked against PostgreSQL (the same queries live in sql-tests/*.slt).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { MirRelationExpr } from '../../expr/index.ts';
import { relationChildren } from '../../expr/index.ts';
import { SqlError } from '../../util/index.ts';
import { parseStatements } from '../parser/index.ts';
import { planStatement } from './statement.ts';
import { type TestCatalog, newTestCatalog } from './test-catalog.ts';

let c: TestCatalog;
beforeEach(async () => {
  c = await newTestCatalog();
  c.run("create table t (a int, b text); insert into t values (1, 'x'), (2, 'y'), (2, 'y'), (3, null), (null, 'z')");
  c.run('create table s (a int, c int); insert into s values (1, 10), (1, 11), (3, 30), (null, 40), (5, 50)');
});

function err(sql: string): [string, string] {
  try {
    c.run(sql);
  } catch (e) {
    if (e instanceof SqlError) return [e.code, e.message];
    throw e;
  }
  throw new Error(`no error for ${sql}`);
}

function plan(sql: string): MirRelationExpr {
  const p = planStatement(parseStatements(sql)[0]!, c.ctx());
  if (p.kind !== 'select') throw new Error(`not a select: ${p.kind}`);
  return p.plan;
}

function kinds(e: MirRelationExpr, into: string[] = []): string[] {
  into.push(e.kind);
  for (const ch of relationChildren(e)) kinds(ch, into);
  return into;
}

const sorted = (rows: string[][]): string[] => rows.map((r) => r.join('|')).sort();

describe('outer joins', () => {
  it('LEFT/RIGHT/FULL with NULL keys and duplicates', () => {
    expect(sorted(c.run('select t.a, s.c from t left join s on t.a = s.a'))).toEqual(['1|10', '1|11', '2|NULL', '2|NULL', '3|30', 'NULL|NULL']);
    expect(sorted(c.run('select t.a, s.c from t right join s on t.a = s.a and s.c > 10'))).toEqual(['1|11', '3|30', 'NULL|10', 'NULL|40', 'NULL|50']);
    expect(sorted(c.run('select * from t full join s using (a)'))).toEqual([
      '1|x|10', '1|x|11', '2|y|NULL', '2|y|NULL', '3|NULL|30', '5|NULL|50', 'NULL|NULL|40', 'NULL|z|NULL',
    ]);
  });
  it('USING puts the join column first and keeps qualified access to both copies', () => {
    expect(c.run('select * from t right join s using (a) where s.c = 50')).toEqual([['5', 'NULL', '50']]);
    expect(c.run('select a, t.a, s.a from t right join s using (a) where s.c = 50')).toEqual([['5', 'NULL', '5']]);
    expect(c.run('select t.* from t natural join s where c = 30')).toEqual([['3', 'NULL']]);
  });
  it('non-equi ON conditions and ON conditions on one side only', () => {
    expect(sorted(c.run('select t.a, s.c from t left join s on s.c > 45'))).toEqual(['1|50', '2|50', '2|50', '3|50', 'NULL|50']);
    expect(sorted(c.run('select t.a, s.c from t left join s on false where t.a = 2'))).toEqual(['2|NULL', '2|NULL']);
  });
});

describe('subqueries', () => {
  it('scalar, EXISTS, IN/NOT IN and ANY/ALL with three-valued logic', () => {
    expect(sorted(c.run('select a, (select max(c) from s where s.a = t.a) from t'))).toEqual(['1|11', '2|NULL', '2|NULL', '3|30', 'NULL|NULL']);
    expect(sorted(c.run('select a, exists (select 1 from s where s.a = t.a) from t'))).toEqual(['1|t', '2|f', '2|f', '3|t', 'NULL|f']);
    expect(sorted(c.run('select a, a in (select a from s), a not in (select a from s where a is not null) from t'))).toEqual([
      '1|t|f', '2|NULL|t', '2|NULL|t', '3|t|f', 'NULL|NULL|NULL',
    ]);
    expect(sorted(c.run('select a, a < all (select a from s where a is not null), a > any (select a from s) from t'))).toEqual([
      '1|f|NULL', '2|f|t', '2|f|t', '3|f|t', 'NULL|NULL|NULL',
    ]);
    expect(c.run('select count(*) from t where a > all (select a from s where false)')).toEqual([['5']]);
  });
  it('counts per outer key include keys with no rows (default rows per key)', () => {
    expect(sorted(c.run('select a, (select count(*) from s where s.a = t.a) from t'))).toEqual(['1|2', '2|0', '2|0', '3|1', 'NULL|0']);
  });
  it('a scalar subquery with several rows is an evaluation error (21000), only when evaluated', () => {
    expect(err('select a, (select c from s where s.a = t.a) from t')).toEqual(['21000', 'more than one row returned by a subquery used as an expression']);
    expect(c.run('select (select c from s) from t where false')).toEqual([]);
  });
  it('nested correlation, HAVING, grouped outer references, LATERAL, ARRAY', () => {
    expect(c.run('select a from t where exists (select 1 from s where s.a = t.a and s.c > (select min(c) from s s2 where s2.a = t.a))')).toEqual([['1']]);
    expect(sorted(c.run('select a from t group by a having a > (select min(a) from s)'))).toEqual(['2', '3']);
    expect(sorted(c.run('select (select sum(s.c) from s where s.a = t.a) + a from t group by a'))).toEqual(['22', '33', 'NULL', 'NULL']);
    expect(err('select (select b from s) from t group by a')[0]).toBe('42803');
    expect(sorted(c.run('select t.a, q.c from t left join lateral (select c from s where s.a = t.a order by c desc limit 1) q on true'))).toEqual([
      '1|11', '2|NULL', '2|NULL', '3|30', 'NULL|NULL',
    ]);
    expect(c.run('select array(select c from s where s.a = 1 order by c desc), array(select 1 where false)')).toEqual([['{11,10}', '{}']]);
  });
  it('is decorrelated: the subquery reads the distinct outer keys, joined back NULL-safely', () => {
    const k = kinds(plan('select a, (select max(c) from s where s.a = t.a) from t'));
    expect(k).toContain('join');
    expect(k).toContain('reduce');
    expect(k).not.toContain('flatMap');
  });
});

describe('CTEs', () => {
  it('are planned once and shared', () => {
    expect(c.run('with x as (select a from t) select count(*) from x, x y')).toEqual([['25']]);
    const k = kinds(plan('with x as (select a from t) select count(*) from x, x y'));
    expect(k.filter((x) => x === 'let').length).toBeGreaterThanOrEqual(1);
  });
  it('WITH RECURSIVE lowers to LetRec', () => {
    const k = kinds(plan('with recursive r(n) as (select 1 union all select n + 1 from r where n < 5) select * from r'));
    expect(k[0]).toBe('letRec');
    expect(err('with recursive r(n) as (select 1 union all select n from r) select * from r')[0]).not.toBe('');
  });
});

describe('table functions, DISTINCT ON, windows', () => {
  it('generate_series and unnest in FROM and SELECT', () => {
    expect(c.run('select * from generate_series(1, 3) g where g > 1')).toEqual([['2'], ['3']]);
    expect(sorted(c.run('select a, generate_series(1, a) from t where a < 3'))).toEqual(['1|1', '2|1', '2|1', '2|2', '2|2']);
    expect(sorted(c.run('select a, g from t, generate_series(a, 2) g'))).toEqual(['1|1', '1|2', '2|2', '2|2']);
    expect(c.run("select * from generate_series(timestamp '2020-01-31', timestamp '2020-04-01', interval '1 month')")).toEqual([
      // Each step adds to the previous value, as PostgreSQL does.
      ['2020-01-31 00:00:00'], ['2020-02-29 00:00:00'], ['2020-03-29 00:00:00'],
    ]);
    expect(c.run('select * from unnest(array[1, null]) with ordinality')).toEqual([['1', '1'], ['NULL', '2']]);
    expect(err('select * from t where generate_series(1, 2) > 1')[0]).toBe('0A000');
  });
  it('DISTINCT ON keeps the first row per key in ORDER BY order', () => {
    expect(c.run('select distinct on (b) b, a from t order by b, a desc')).toEqual([['x', '1'], ['y', '2'], ['z', 'NULL'], ['NULL', '3']]);
    expect(err('select distinct on (b) a, b from t order by a')[0]).toBe('42P10');
  });
  it('window functions over partitions with peers and frames', () => {
    expect(sorted(c.run('select a, rank() over (order by a), dense_rank() over (order by a), sum(a) over (order by a), count(*) over () from t'))).toEqual([
      '1|1|1|1|5', '2|2|2|5|5', '2|2|2|5|5', '3|4|3|8|5', 'NULL|5|4|8|5',
    ]);
    expect(sorted(c.run('select b, a, row_number() over (partition by b order by a) from t'))).toEqual(['NULL|3|1', 'x|1|1', 'y|2|1', 'y|2|2', 'z|NULL|1']);
    expect(c.run('select a, sum(a) over (order by a rows between 1 preceding and current row) from t where a is not null order by a')).toEqual([
      ['1', '1'], ['2', '3'], ['2', '4'], ['3', '5'],
    ]);
    expect(err('select a from t where rank() over () > 1')[0]).toBe('42P20');
  });
});

describe('WITH MUTUALLY RECURSIVE', () => {
  it('parses the bindings and plans one LetRec over all of them', () => {
    const sql = 'WITH MUTUALLY RECURSIVE (RETURN AT RECURSION LIMIT 10) evens (n int) AS (SELECT 0 UNION SELECT n + 1 FROM odds WHERE n < 6), odds (n int) AS (SELECT n + 1 FROM evens) SELECT n FROM evens';
    const p = plan(sql);
    expect(p.kind).toBe('letRec');
    if (p.kind === 'letRec') {
      expect(p.ids.length).toBe(2);
      expect(p.limits).toEqual([10, 10]);
    }
    expect(() => parseStatements('WITH MUTUALLY RECURSIVE x (n int) AS SELECT 1 SELECT 1')).toThrow(SqlError);
    expect(err('WITH MUTUALLY RECURSIVE x (n int) AS (SELECT 1), x (n int) AS (SELECT 2) SELECT * FROM x')[0]).toBe('42712');
  });
  it('is the query of a view or a materialized view, and 0A000 inside a subquery', () => {
    const body = 'WITH MUTUALLY RECURSIVE evens (n int) AS (SELECT 0 UNION SELECT n + 1 FROM odds WHERE n < 6), odds (n int) AS (SELECT n + 1 FROM evens) SELECT n FROM evens';
    c.run(`create view ev as ${body}`);
    expect(sorted(c.run('select * from ev'))).toEqual(['0', '2', '4', '6']);
    const mv = parseStatements(`create materialized view evm (k) as ${body}`)[0]!.ast;
    expect(mv.kind === 'createMaterializedView' && mv.mutuallyRecursive?.bindings.map((b) => b.name)).toEqual(['evens', 'odds']);
    expect(err(`select * from (${body}) q`)).toEqual(['0A000', 'WITH MUTUALLY RECURSIVE in this position not yet supported']);
  });
});

describe('window aggregates with FILTER', () => {
  it('skip filtered rows in the aggregate, keep them in the output', () => {
    expect(sorted(c.run('select a, count(*) filter (where c > 10) over (partition by a), sum(c) filter (where c < 40) over () from s'))).toEqual(['1|1|51', '1|1|51', '3|1|51', '5|1|51', 'NULL|1|51']);
    expect(err('select row_number() filter (where a > 1) over () from s')[0]).toBe('0A000');
  });
});

describe('set operations with untyped literals', () => {
  it('a bare NULL or string literal takes the other branch type', () => {
    expect(sorted(c.run('select a from t union select null union select 7'))).toEqual(['1', '2', '3', '7', 'NULL']);
    expect(sorted(c.run("select a from s except select '1'"))).toEqual(['3', '5', 'NULL']);
    expect(err('select 1 union (select null union select null)')[0]).toBe('42804');
  });
});

describe('grouping sets', () => {
  it('ROLLUP, CUBE and GROUPING SETS with GROUPING()', () => {
    expect(sorted(c.run('select a, count(*), grouping(a) from t group by rollup (a)'))).toEqual(['1|1|0', '2|2|0', '3|1|0', 'NULL|1|0', 'NULL|5|1']);
    expect(c.run('select count(*) from t group by cube (a, b)').length).toBe(4 + 4 + 4 + 1);
    expect(c.run('select count(*) from t where false group by grouping sets ((), (a))')).toEqual([['0']]);
    expect(err('select grouping(b) from t group by a')[0]).toBe('42803');
  });
});
