/** Plan shapes before/after each rule, plus a randomized check that optimizing never changes results. */
import { describe, expect, it } from 'vitest';
import { type AggregateExpr, type MirRelationExpr, type MirScalarExpr, Mir, call, col, lit } from '../../expr/index.ts';
import { T } from '../../repr/index.ts';
import { explainText } from '../../sql/index.ts';
import { optimize } from '../index.ts';
import { chooseJoinOrder } from './join-order.ts';
import { predicatePushdown } from './predicate-pushdown.ts';
import { projectionPushdown } from './projection-pushdown.ts';
import { fuseProjects } from './fuse-projects.ts';
import { reduceElision } from './reduce-elision.ts';
import { outerJoinSimplification } from './outer-join-simplification.ts';
import { inlineLets } from './inline-lets.ts';
import { foldConstants } from './fold-constants.ts';
import { consolidate, evaluateMir } from '../../compute/index.ts';
import { rowKey } from '../../repr/index.ts';

/** Batch evaluation (compute's oracle), consolidated and sorted for comparison. */
function evalMir(e: MirRelationExpr, tables: ReadonlyMap<string, (number | null)[][]>): unknown {
  const collections = new Map([...tables].map(([id, rows]) => [id, rows.map((r) => [r, 1] as [(number | null)[], number])]));
  const out = evaluateMir(e, { collections });
  return consolidate(out.oks).map(([r, d]) => `${rowKey(r)}×${d}`).sort();
}

const I = T.int4;
const t1 = Mir.get('u1', [I, I]);
const t2 = Mir.get('u2', [I, I]);
const t3 = Mir.get('u3', [I, I]);
const eq = (a: MirScalarExpr, b: MirScalarExpr): MirScalarExpr => call('eq', [a, b], T.bool);
const c = (i: number): MirScalarExpr => col(i, I);
const n = (v: number): MirScalarExpr => lit(v, I);
const plan = (e: MirRelationExpr): string => explainText(e);

describe('predicate_pushdown', () => {
  it('moves single-input predicates into join inputs and cross-input equalities into equivalences', () => {
    const before = Mir.filter(Mir.join([t1, t2], []), [eq(c(0), n(5)), eq(c(1), c(2)), call('lt', [c(3), call('add_int4', [c(0), c(2)], I)], T.bool)]);
    const after = predicatePushdown.apply(before);
    expect(plan(after)).toBe([
      'Filter lt(#3, add_int4(#0, #2))',
      '  Join on=(#1 = #2)',
      '    Filter eq(#0, 5)',
      '      Get u1',
      '    Get u2',
      '',
    ].join('\n'));
  });

  it('passes through projections, unions and reductions on grouping columns, not aggregates', () => {
    const red = Mir.reduce(t1, [c(1)], [{ func: 'count_star', expr: lit(null, I), distinct: false, type: T.int8 }]);
    const before = Mir.filter(Mir.project(Mir.union(red, [red]), [1, 0]), [eq(c(1), n(3)), call('gt', [c(0), lit(1n, T.int8)], T.bool)]);
    expect(plan(predicatePushdown.apply(before))).toBe([
      'Project (#1, #0)',
      '  Union',
      '    Filter gt(#1, 1)',
      '      Reduce group_by=[#1] aggregates=[count_star(*)]',
      '        Filter eq(#1, 3)',
      '          Get u1',
      '    Filter gt(#1, 1)',
      '      Reduce group_by=[#1] aggregates=[count_star(*)]',
      '        Filter eq(#1, 3)',
      '          Get u1',
      '',
    ].join('\n'));
  });

  it('returns the same object when nothing can move', () => {
    const p = Mir.filter(t1, [eq(c(0), n(1))]);
    expect(predicatePushdown.apply(p)).toBe(p);
  });
});

describe('join_order', () => {
  it('starts from the most filtered input and follows equivalences instead of cross products', () => {
    // t1 × t2 × t3 with t1.a = t3.a and a selective filter on t3: order t3, t1, then t2 (cross).
    const inputs = [t1, t2, Mir.filter(t3, [eq(c(1), n(7))])];
    expect(chooseJoinOrder(inputs, [[c(0), c(4)]])).toEqual([2, 0, 1]);
  });

  it('prefers a connected input with an index on its key', () => {
    const inputs = [Mir.filter(t1, [eq(c(1), n(1))]), t2, t3];
    const classes = [[c(0), c(2), c(4)]];
    expect(chooseJoinOrder(inputs, classes)).toEqual([0, 1, 2]);
    expect(chooseJoinOrder(inputs, classes, (id) => (id === 'u3' ? [[c(0)]] : []))).toEqual([0, 2, 1]);
  });

  it('keeps column order with a projection and is idempotent', () => {
    const before = Mir.join([t1, t2, Mir.filter(t3, [eq(c(1), n(7))])], [[c(0), c(4)]]);
    const once = optimize(before, { disabled: new Set(['projection_pushdown']) });
    expect(plan(once)).toBe([
      'Project (#2, #3, #4, #5, #0, #1)',
      '  Join on=(#2 = #0)',
      '    Filter eq(#1, 7)',
      '      Get u3',
      '    Get u1',
      '    Get u2',
      '',
    ].join('\n'));
    expect(optimize(once, { disabled: new Set(['projection_pushdown']) })).toBe(once);
  });
});

describe('projection_pushdown', () => {
  it('narrows join inputs to the columns used above and by the join keys', () => {
    const before = Mir.project(Mir.join([Mir.filter(t1, [eq(c(1), n(5))]), t2], [[c(0), c(2)]]), [3]);
    expect(plan(fuseProjects.apply(projectionPushdown.apply(before)))).toBe([
      'Project (#2)',
      '  Join on=(#0 = #1)',
      '    Project (#0)',
      '      Filter eq(#1, 5)',
      '        Get u1',
      '    Get u2',
      '',
    ].join('\n'));
    // A collection read directly stays whole (its index stays usable).
    const direct = Mir.project(Mir.join([t1, t2], [[c(0), c(2)]]), [3]);
    expect(projectionPushdown.apply(direct)).toBe(direct);
  });

  it('drops unused mapped scalars and aggregates', () => {
    const aggs: AggregateExpr[] = [
      { func: 'sum', expr: c(1), distinct: false, type: T.int8 },
      { func: 'max', expr: c(1), distinct: false, type: I },
    ];
    const before = Mir.project(Mir.map(Mir.reduce(t1, [c(0)], aggs), [n(1), call('add_int4', [c(0), n(2)], I)]), [0, 2, 4]);
    expect(plan(optimize(before))).toBe([
      'Map (add_int4(#0, 2))',
      '  Reduce group_by=[#0] aggregates=[max(#1)]',
      '    Get u1',
      '',
    ].join('\n'));
  });
});

describe('outer join simplification', () => {
  it('a NULL-rejecting predicate on the padded side removes the padded branch', () => {
    // LEFT JOIN lowered: inner ∪ (unmatched left padded with NULL); WHERE right.col = 3.
    const inner = Mir.join([t1, t2], [[c(0), c(2)]]);
    const padded = Mir.map(Mir.project(t1, [0, 1]), [lit(null, I), lit(null, I)]);
    const lowered: MirRelationExpr = { kind: 'let', id: 1, value: inner, body: Mir.union(Mir.get({ local: 1 }, [I, I, I, I]), [padded]) };
    const after = optimize(Mir.filter(lowered, [eq(c(3), n(3))]), { disabled: new Set(['join_order']) });
    expect(plan(after)).toBe([
      'Join on=(#0 = #2)',
      '  Get u1',
      '  Filter eq(#1, 3)',
      '    Get u2',
      '',
    ].join('\n'));
    expect(outerJoinSimplification.apply(t1)).toBe(t1);
    expect(inlineLets.apply(t1)).toBe(t1);
  });
});

describe('fold_constants', () => {
  it('folds strict calls with a NULL argument, AND/OR with a decisive literal, and maps over literal rows', () => {
    const f = foldConstants.apply(Mir.filter(t1, [call('eq', [c(0), lit(null, I)], T.bool)]));
    expect(f).toEqual({ kind: 'constant', rows: [], types: [I, I] });
    const g = foldConstants.apply(Mir.filter(t1, [call('or', [call('lt', [c(0), n(1)], T.bool), lit(true, T.bool)], T.bool)]));
    expect(g).toBe(t1);
    const m = foldConstants.apply(Mir.map(Mir.constant([[[1], 2]], [I]), [call('add_int4', [c(0), n(1)], I)]));
    expect(m).toEqual({ kind: 'constant', rows: [[[1, 2], 2]], types: [I, I] });
  });

  it('never folds nondeterministic calls or calls that fail', () => {
    const r = Mir.map(Mir.constant([[[], 1]], []), [call('random', [], T.float8)]);
    expect(foldConstants.apply(r)).toBe(r);
    const d = Mir.map(Mir.constant([[[1], 1]], [I]), [call('div_int4', [c(0), n(0)], I)]);
    expect(foldConstants.apply(d)).toBe(d);
  });
});

describe('reduce_elision', () => {
  it('replaces a reduction grouped by a unique key with a map', () => {
    const keyed = Mir.get('u9', [I, I]);
    const withKey: MirRelationExpr = { ...keyed, keys: [[0]] } as MirRelationExpr;
    const aggs: AggregateExpr[] = [
      { func: 'count_star', expr: lit(null, I), distinct: false, type: T.int8 },
      { func: 'max', expr: c(1), distinct: false, type: I },
    ];
    expect(plan(reduceElision.apply(Mir.reduce(withKey, [c(0)], aggs)))).toBe([
      'Project (#2, #3, #4)',
      '  Map (#0, 1, #1)',
      '    Get u9',
      '',
    ].join('\n'));
    const noKey = Mir.reduce(keyed, [c(0)], aggs);
    expect(reduceElision.apply(noKey)).toBe(noKey);
  });
});

describe('optimizing never changes results (randomized)', () => {
  const rng = (seed: number): (() => number) => {
    let s = seed >>> 0;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 4294967296;
    };
  };
  it('matches the unoptimized plan on random data', () => {
    const r = rng(42);
    const int = (k: number): number => Math.floor(r() * k);
    const val = (): number | null => (int(6) === 0 ? null : int(4));
    for (let trial = 0; trial < 150; trial++) {
      const tables = new Map<string, (number | null)[][]>();
      for (const id of ['u1', 'u2', 'u3']) tables.set(id, Array.from({ length: int(6) }, () => [val(), val()]));
      const gets = [t1, t2, t3];
      const k = 2 + int(2);
      const inputs = Array.from({ length: k }, () => {
        const g = gets[int(3)]!;
        return int(2) === 0 ? g : Mir.filter(g, [eq(c(int(2)), n(int(4)))]);
      });
      const width = k * 2;
      const classes = int(2) === 0 ? [] : [[c(int(width)), c(int(width))]];
      const preds = Array.from({ length: int(3) }, () => (int(2) === 0 ? eq(c(int(width)), c(int(width))) : call('lt', [c(int(width)), n(int(4))], T.bool)));
      let e: MirRelationExpr = Mir.filter(Mir.join(inputs, classes), preds);
      if (int(2) === 0) e = Mir.project(e, [int(width), int(width)]);
      if (int(3) === 0) e = Mir.reduce(e, [c(0)], [{ func: 'count_star', expr: lit(null, I), distinct: false, type: T.int8 }]);
      const expected = evalMir(e, tables);
      const o = optimize(e);
      const actual = evalMir(o, tables);
      expect(actual, explainText(e)).toEqual(expected);
      // A fixed point: the rules converge instead of undoing each other.
      expect(explainText(optimize(o)), explainText(e)).toBe(explainText(o));
    }
  });
});
