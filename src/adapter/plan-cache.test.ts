/**
 * The plan cache must give exactly the plan fresh planning gives, for every parameter value, and
 * must not reuse plans that depend on a parameter's value, the clock, or a changed catalog.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTributary, type Tributary } from '../main.ts';
import type { Datum } from '../repr/index.ts';
import { type Plan, type Statement, planStatement } from '../sql/index.ts';
import { dependsOn } from '../expr/index.ts';
import { PlanCache, preOptimized } from './plan-cache.ts';
import type { SessionImpl } from './session.ts';

describe('PlanCache', () => {
  let server: Tributary;
  let client: pg.Client;
  beforeAll(async () => {
    server = await startTributary({ host: '127.0.0.1', port: 0, dataDir: undefined });
    client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'materialize' });
    await client.connect();
    await client.query('CREATE TABLE kv (k int4, v text)');
    await client.query("INSERT INTO kv VALUES (1, 'one'), (-5, 'minus five'), (5, 'five'), (3, 'three')");
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await server?.close();
  });

  const session = (): SessionImpl => server.coordinator.startSession({ user: 'materialize', database: 'materialize', other: new Map() }) as SessionImpl;
  const statement = (s: SessionImpl, sql: string): Statement => (s.parse(sql)[0] as unknown as { stmt: Statement }).stmt;
  const gens = (s: SessionImpl) => ({ catalog: server.coordinator.catalog.generation, vars: s.vars.generation });
  const newCache = (): PlanCache => new PlanCache((plan, indexed) => server.coordinator.optimizeRead(plan, indexed));
  /** The cached plan equals fresh planning, and its optimized read (if cached) fresh optimization. */
  const expectFresh = (s: SessionImpl, stmt: Statement, cached: Plan, params: Datum[], label?: string): void => {
    const fresh = planStatement(stmt, { ...s.planContext(), now: 0n }, params);
    expect(cached, label).toEqual(fresh);
    const read = cached.kind === 'select' ? cached.plan : cached.kind === 'insert' ? cached.values : undefined;
    const freshRead = fresh.kind === 'select' ? fresh.plan : fresh.kind === 'insert' ? fresh.values : undefined;
    if (read === undefined || freshRead === undefined) return;
    const indexed = dependsOn(read).size > 0;
    const pre = preOptimized(read, indexed);
    if (pre !== undefined) expect(pre, label).toEqual(server.coordinator.optimizeRead(freshRead, indexed));
  };
  const viaCache = (cache: PlanCache, s: SessionImpl, stmt: Statement, params: Datum[]): Plan => cache.plan(stmt, () => s.planContext(), params, gens(s));

  it('reuses the plan of a parameterized point SELECT and INSERT, equal to fresh planning for every value', () => {
    const s = session();
    const cache = newCache();
    for (const sql of ['SELECT v FROM kv WHERE k = $1', 'INSERT INTO kv VALUES ($1, $2)', "SELECT k FROM kv WHERE v = $1 AND k > $2"]) {
      const stmt = statement(s, sql);
      const samples: Datum[][] = sql.startsWith('INSERT') ? [[1, 'a'], [-7, ''], [2147483647, 'x y']] : sql.includes('v = $1') ? [['one', 0], ['', -3]] : [[1], [-5], [0], [2147483647]];
      const plans = samples.map((p) => viaCache(cache, s, stmt, p));
      samples.forEach((p, i) => expectFresh(s, stmt, plans[i]!, p));
      const read = plans[0]!.kind === 'select' ? plans[0]!.plan : plans[0]!.kind === 'insert' ? plans[0]!.values : undefined;
      expect(preOptimized(read!, dependsOn(read!).size > 0), `${sql}: optimized read cached`).toBeDefined();
      // Reused: the parts that do not hold a parameter are shared between executions.
      const shared = (p: Plan): unknown => (p.kind === 'select' ? p.desc : p.kind === 'insert' && p.values.kind === 'constant' ? p.values.types : undefined);
      expect(shared(plans[0]!), sql).toBeDefined();
      expect(shared(plans[0]!), sql).toBe(shared(plans[1]!));
    }
    s.close();
  });

  it('plans afresh what depends on a value: folded calls, LIMIT, now()', () => {
    const s = session();
    const cache = newCache();
    const cases: [string, Datum[][]][] = [
      ['SELECT v FROM kv WHERE k = abs($1)', [[-5], [5]]],
      ['SELECT v FROM kv WHERE k = greatest($1, -3)', [[-5], [1]]],
      ['SELECT k FROM kv ORDER BY k LIMIT $1::int8', [[1n], [3n]]],
      ["SELECT k FROM kv WHERE k = $1 + 2", [[-7], [1]]],
    ];
    for (const [sql, samples] of cases) {
      const stmt = statement(s, sql);
      for (const p of samples) expectFresh(s, stmt, viaCache(cache, s, stmt, p), p, sql);
    }
    const nowStmt = statement(s, 'SELECT now() AS t, v FROM kv WHERE k = $1');
    const a = viaCache(cache, s, nowStmt, [1]);
    const b = viaCache(cache, s, nowStmt, [1]);
    expect(a.kind === 'select' && b.kind === 'select' && a.desc === b.desc).toBe(false);
    s.close();
  });

  it('is invalidated by catalog and session variable changes', async () => {
    const s = session();
    const cache = newCache();
    await client.query('CREATE TABLE t (a int4)');
    const stmt = statement(s, 'SELECT a FROM t WHERE a = $1');
    const before = viaCache(cache, s, stmt, [1]);
    await client.query('DROP TABLE t');
    await client.query('CREATE TABLE t (a int4, b text)');
    const after = viaCache(cache, s, stmt, [1]);
    expect(after).toEqual(planStatement(stmt, s.planContext(), [1]));
    expect(after).not.toEqual(before);
    const g = s.vars.generation;
    s.vars.set('search_path', 'public');
    expect(s.vars.generation).toBeGreaterThan(g);
    s.close();
  });

  it('answers prepared statements correctly over the wire with values of every sign', async () => {
    const name = 'point';
    for (const k of [1, -5, 5, 3, 42]) {
      const r = await client.query({ name, text: 'SELECT v FROM kv WHERE k = $1', values: [k] });
      const expected = (await client.query(`SELECT v FROM kv WHERE k = ${k}`)).rows;
      expect(r.rows).toEqual(expected);
    }
    for (const k of [100, -100]) await client.query({ name: 'ins', text: 'INSERT INTO kv VALUES ($1, $2)', values: [k, `v${k}`] });
    expect((await client.query({ name, text: 'SELECT v FROM kv WHERE k = $1', values: [-100] })).rows).toEqual([{ v: 'v-100' }]);
  });
});
