/** Planning tests: results through compute's batch evaluator, plan shapes, and each bad-input error. */
import { beforeEach, describe, expect, it } from 'vitest';
import { hasFunc } from '../../expr/index.ts';
import { T } from '../../repr/index.ts';
import { SqlError } from '../../util/index.ts';
import { parseStatements } from '../parser/index.ts';
import { allOverloadFuncs } from './overloads.ts';
import { describeStatement, planStatement } from './statement.ts';
import { type TestCatalog, newTestCatalog } from './test-catalog.ts';
import { allCastFuncs } from './types.ts';

let c: TestCatalog;
beforeEach(async () => {
  c = await newTestCatalog();
  c.run("create table t (a int not null, b text, c numeric(10,2) default 1.5); insert into t values (1, 'x', 2.345), (2, 'y', default), (3, null, null)");
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

describe('queries', () => {
  it('select with where, order, limit', () => {
    expect(c.run('select a, b from t where a > 1 order by a desc')).toEqual([['3', 'NULL'], ['2', 'y']]);
    expect(c.run('select a from t order by a limit 1 offset 1')).toEqual([['2']]);
    expect(c.run('select * from t order by 1')).toEqual([['1', 'x', '2.35'], ['2', 'y', '1.50'], ['3', 'NULL', 'NULL']]);
  });
  it('aggregates, group by, having, empty global aggregate', () => {
    expect(c.run('select count(*), sum(a), avg(a), min(b), max(c) from t')).toEqual([['3', '6', '2.0000000000000000', 'x', '2.35']]);
    expect(c.run('select count(*), sum(a), max(b) from t where a > 10')).toEqual([['0', 'NULL', 'NULL']]);
    expect(c.run('select b, count(*) from t group by b having count(*) >= 1 order by 1 nulls first')).toEqual([['NULL', '1'], ['x', '1'], ['y', '1']]);
    expect(c.run('select a % 2 as k, sum(a) from t group by 1 order by k')).toEqual([['0', '2'], ['1', '4']]);
  });
  it('joins, subqueries, views, set operations, values', () => {
    expect(c.run('select t1.a, t2.b from t t1, t t2 where t1.a = t2.a and t1.a < 3 order by 1')).toEqual([['1', 'x'], ['2', 'y']]);
    expect(c.run('select a from t join (select a as z from t) s on t.a = s.z order by a')).toEqual([['1'], ['2'], ['3']]);
    expect(c.run('select count(*) from t join t u using (a)')).toEqual([['3']]);
    c.run('create view v as select a * 10 as x from t');
    expect(c.run('select x from v where x > 10 order by x')).toEqual([['20'], ['30']]);
    expect(c.run('select a from t union all select 1 order by 1')).toEqual([['1'], ['1'], ['2'], ['3']]);
    expect(c.run('select a from t except select 1 order by 1')).toEqual([['2'], ['3']]);
    expect(c.run('select a from t intersect select 2')).toEqual([['2']]);
    expect(c.run("values (1, 'a'), (2, null) order by 1 desc")).toEqual([['2', 'NULL'], ['1', 'a']]);
    expect(c.run('select distinct a > 1 from t order by 1')).toEqual([['f'], ['t']]);
  });
  it('scalar semantics: three-valued logic, NULL handling, strings, casts', () => {
    expect(c.run("select null and false, null or true, not null::bool, 1 in (1, null), 3 not in (1, null), 2 between 1 and 3")).toEqual([['f', 't', 'NULL', 't', 'NULL', 't']]);
    expect(c.run("select 1 is distinct from null, null is not distinct from null, coalesce(null, 2, 3), nullif(1, 1), case 2 when 1 then 'a' when 2 then 'b' end")).toEqual([['t', 't', '2', 'NULL', 'b']]);
    expect(c.run("select 'a' || 'b', 'a' || 1, length('héllo'), upper('x'), substr('abcdef', 2, 3), 'abc' like 'a_c', 'ABC' ilike 'a%'")).toEqual([['ab', 'a1', '5', 'X', 'bcd', 't', 't']]);
    expect(c.run("select 1/2, 7 % 3, 1.0/3, 2^10, abs(-5), round(2.5), round(2.345, 2), '12'::int + 1, 3::float8 / 2")).toEqual([['0', '1', '0.33333333333333333333', '1024', '5', '3', '2.35', '13', '1.5']]);
    expect(c.run("select date '2020-01-31' + interval '1 month', timestamp '2020-01-01 12:00' - timestamp '2019-12-31', date '2020-03-01' - date '2020-02-01'")).toEqual([['2020-02-29 00:00:00', '1 day 12:00:00', '29']]);
  });
  it('result types follow PostgreSQL', () => {
    const types = (sql: string): string[] => describeStatement(parseStatements(sql)[0]!, c.ctx()).columns!.map((col) => col.type.name);
    expect(types('select 1 + 1, 1 + 1::int8, 1 + 1.5, 1.5, 1::int2 + 1::int2, 1 + 1::float4, count(*), sum(a), sum(a::int8), avg(a) from t')).toEqual(
      ['int4', 'int8', 'numeric', 'numeric', 'int2', 'float8', 'int8', 'int8', 'numeric', 'numeric']);
    expect(types("select 'x', null, now()")).toEqual(['text', 'text', 'timestamptz']);
  });
  it('output column names', () => {
    const names = (sql: string): string[] => describeStatement(parseStatements(sql)[0]!, c.ctx()).columns!.map((col) => col.name);
    expect(names("select a, t.b, 1, a + 1, count(*), sum(a) as s, a::text, '1'::int, case when true then 1 end, coalesce(a, 1) from t group by a, b"))
      .toEqual(['a', 'b', '?column?', '?column?', 'count', 's', 'a', 'int4', 'case', 'coalesce']);
  });
});

describe('parameters', () => {
  it('infers types from context and substitutes values', () => {
    const stmt = parseStatements('select b from t where a = $1 and b = $2')[0]!;
    expect(describeStatement(stmt, c.ctx()).paramTypes).toEqual([T.int4, T.text]);
    expect(c.run('select b from t where a = $1', [2])).toEqual([['y']]);
    expect(describeStatement(parseStatements('select $1')[0]!, c.ctx()).paramTypes).toEqual([T.text]);
    expect(describeStatement(parseStatements('select $1::int8')[0]!, c.ctx()).paramTypes).toEqual([T.int8]);
  });
  it('LIMIT and OFFSET parameters are bigint, as in PostgreSQL', () => {
    expect(describeStatement(parseStatements('select a from t order by a limit $1 offset $2')[0]!, c.ctx()).paramTypes).toEqual([T.int8, T.int8]);
    expect(describeStatement(parseStatements('select a from t order by a limit $1::int4')[0]!, c.ctx()).paramTypes).toEqual([T.int4]);
    expect(c.run('select a from t order by a limit $1 offset $2', [2n, 1n])).toEqual(c.run('select a from t order by a limit 2 offset 1'));
    expect(() => describeStatement(parseStatements("select a from t where b = $1 limit $1")[0]!, c.ctx())).toThrow(/argument of LIMIT must be type bigint, not type text/);
  });
  it('insert with parameters', () => {
    c.run('insert into t (a, b) values ($1, $2)', [9, 'p']);
    expect(c.run('select a, b, c from t where a = 9')).toEqual([['9', 'p', '1.50']]);
  });
});

describe('DML', () => {
  it('insert with defaults, column lists, select; update; delete', () => {
    c.run('insert into t (a) values (4)');
    c.run('insert into t select a + 10, b from t where a < 3');
    c.run("update t set b = 'z', c = c + 1 where a = 1");
    c.run('delete from t where a = 3');
    expect(c.run('select * from t order by a')).toEqual([['1', 'z', '3.35'], ['2', 'y', '1.50'], ['4', 'NULL', '1.50'], ['11', 'x', '1.50'], ['12', 'y', '1.50']]);
  });
  it('plans returning', () => {
    const p = planStatement(parseStatements('insert into t values (5) returning a + 1 as x, *')[0]!, c.ctx());
    expect(p.kind === 'insert' && p.returning?.desc.columns.map((x) => x.name)).toEqual(['x', 'a', 'b', 'c']);
  });
});

describe('errors', () => {
  const cases: [string, string, string][] = [
    ['select * from nope', '42P01', 'relation "nope" does not exist'],
    ['select nope from t', '42703', 'column "nope" does not exist'],
    ['select t.a from t, t', '42702', 'column reference "t.a" is ambiguous'],
    ['select 1 + true', '42883', 'operator does not exist: integer + boolean'],
    ['select foo(1)', '42883', 'function foo(integer) does not exist'],
    ['insert into t values (true)', '42804', 'column "a" is of type integer but expression is of type boolean'],
    ["insert into t values ('abc')", '22P02', 'invalid input syntax for type integer: "abc"'],
    ['insert into t (b) values (null)', '23502', 'null value in column "a" violates not-null constraint'],
    ['insert into t (a, b) values (1)', '42601', 'INSERT has more target columns than expressions'],
    ['select 2147483647 + 1', '22003', 'integer out of range'],
    ['select 9223372036854775807 + 1', '22003', 'bigint out of range'],
    ['select 32767::int2 + 1::int2', '22003', 'smallint out of range'],
    ['select 1 / 0', '22012', 'division by zero'],
    ['select 1.0 / 0', '22012', 'division by zero'],
    ['select b from t group by a', '42803', 'column "t.b" must appear in the GROUP BY clause or be used in an aggregate function'],
    ['select a from t where count(*) > 1', '42803', 'aggregate functions are not allowed in WHERE'],
    ['select a from t group by a having exists (select 1 from t t2 where t2.a = max(t.a))', '0A000', 'aggregate functions that refer exclusively to outer columns not yet supported'],
    ['select (select max(t.a) from t t2) from t', '0A000', 'aggregate functions that refer exclusively to outer columns not yet supported'],
    ['select a from t where a', '42804', 'argument of WHERE must be type boolean, not type integer'],
    ["select case when true then 1 else true end", '42804', 'CASE types integer and boolean cannot be matched'],
    ['select a from t order by 5', '42P10', 'ORDER BY position 5 is not in select list'],
    ["select 12345678.9::numeric(5,2)", '22003', 'numeric field overflow'],
    ["select 'abcdef'::varchar(3)", '', ''],
  ];
  for (const [sql, code, message] of cases) {
    it(sql, () => {
      if (code === '') {
        expect(c.run(sql)).toEqual([['abc']]);
        return;
      }
      expect(err(sql)).toEqual([code, message]);
    });
  }
  it('DROP of the wrong kind explains itself', () => {
    c.run('create view v as select 1');
    try {
      planStatement(parseStatements('drop table v')[0]!, c.ctx());
      throw new Error('expected an error');
    } catch (e) {
      expect((e as SqlError).message).toBe('materialize.public.v is not a table');
      expect((e as SqlError).hint).toBe('Use DROP VIEW to remove a view.');
    }
  });
});

describe('plan shapes', () => {
  const plan = (sql: string) => planStatement(parseStatements(sql)[0]!, c.ctx());
  it('lowers joins to equivalences', () => {
    const p = plan('select * from t t1, t t2 where t1.a = t2.a');
    expect(p.kind === 'select' && p.plan.kind === 'project' && p.plan.input.kind === 'map' && p.plan.input.input.kind).toBe('join');
  });
  it('DDL plans', () => {
    expect(plan('create index on t (a)')).toMatchObject({ kind: 'createIndex', name: { item: 't_a_idx' } });
    expect(plan('create default index on t')).toMatchObject({ kind: 'createIndex', name: { item: 't_primary_idx' } });
    expect(plan('drop table if exists nope')).toMatchObject({ kind: 'noop' });
    expect(plan('create materialized view mv as select a from t')).toMatchObject({ kind: 'createMaterializedView', name: { item: 'mv' } });
    expect(plan('create cluster c (size = \'25cc\', replication factor 2)')).toMatchObject({ kind: 'createCluster', name: 'c', config: { managed: true, size: '25cc', replicationFactor: 2 } });
    expect(plan("create cluster c replicas (r1 (size '1'), r2 (size = '2'))")).toMatchObject({ kind: 'createCluster', config: { managed: false, replicas: [{ name: 'r1', size: '1' }, { name: 'r2', size: '2' }] } });
    expect(plan("create cluster c size = '2xsmall'")).toMatchObject({ kind: 'createCluster', config: { managed: true, size: '2xsmall', replicationFactor: 1 } });
    expect(plan("create cluster replica c.r3 size '1'")).toMatchObject({ kind: 'createClusterReplica', cluster: 'c', replica: 'r3', size: '1' });
    expect(plan('drop cluster if exists c, d cascade')).toMatchObject({ kind: 'dropClusters', names: ['c', 'd'], ifExists: true, cascade: true });
    expect(plan('drop cluster replica c.r1')).toMatchObject({ kind: 'dropClusterReplicas', names: [['c', 'r1']] });
    expect(plan('alter cluster c set (replication factor 0)')).toMatchObject({ kind: 'alterCluster', action: { kind: 'set', replicationFactor: 0 } });
    expect(plan('alter cluster c rename to d')).toMatchObject({ kind: 'alterCluster', action: { kind: 'rename', to: 'd' } });
    expect(plan('create materialized view mv2 in cluster c as select a from t')).toMatchObject({ kind: 'createMaterializedView', inCluster: 'c' });
    expect(() => plan('create cluster c (replication factor 1)')).toThrow(/SIZE option must be specified/);
    expect(() => plan("create cluster c (size '1', bogus 2)")).toThrow(/unexpected cluster option BOGUS/);
    expect(plan('set transaction_isolation = serializable')).toMatchObject({ kind: 'setVariable', name: 'transaction_isolation', value: 'serializable' });
    expect(plan('begin isolation level serializable')).toMatchObject({ kind: 'startTransaction', isolation: 'serializable' });
    expect(plan('end')).toMatchObject({ kind: 'commit' });
    expect(plan('discard all')).toMatchObject({ kind: 'emptyCommand', tag: 'DISCARD ALL' });
    expect(plan('select 1 as of 5')).toMatchObject({ kind: 'select', asOf: { ts: 5, atLeast: false } });
    expect(plan('subscribe t with (progress)')).toMatchObject({ kind: 'subscribe', progress: true, snapshot: true });
  });
});

describe('function registry', () => {
  it('registers every function and cast the binder can emit', () => {
    const missing = [...allOverloadFuncs(), ...allCastFuncs()].filter((f) => !hasFunc(f));
    expect(missing).toEqual([]);
  });
});
