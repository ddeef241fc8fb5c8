/**
 * Property tests: every operator, and composed plans, rendered from MIR and fed random histories
 * (insertions and retractions at random times, out of order within the open frontier), must equal
 * batch evaluation of the inputs at every time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AggregateExpr, type MirRelationExpr, type MirScalarExpr, Mir, call, col, lit } from '../expr/index.ts';
import { type Row, T } from '../repr/index.ts';
import './test-funcs.ts';
import { InputOp, Worker } from '../dataflow/index.ts';
import { RenderContext } from './render.ts';
import { type History, checkAgainstBatch } from './test-harness.ts';
import { mulberry32 } from '../util/index.ts';

const I4 = T.int4;
const A: MirRelationExpr = Mir.get('a', [I4, I4]);
const B: MirRelationExpr = Mir.get('b', [I4, I4]);
const c = (i: number): MirScalarExpr => col(i, I4);
const agg = (func: AggregateExpr['func'], expr: MirScalarExpr, type = T.int8, distinct = false): AggregateExpr => ({ func, expr, distinct, type });


const small = fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 6, arbitrary: fc.integer({ min: -2, max: 3 }) });
const rowArb = fc.tuple(small, small).map((r) => r as Row);

/** A valid history: deletions only remove rows present at that time; many updates, few keys. */
const historyArb = fc
  .array(fc.record({ t: fc.integer({ min: 0, max: 8 }), ins: fc.boolean(), row: rowArb, pick: fc.nat() }), { maxLength: 40 })
  .map((ops) => {
    ops.sort((x, y) => x.t - y.t);
    const live: Row[] = [];
    const h: History = [];
    for (const op of ops) {
      if (op.ins || live.length === 0) {
        live.push(op.row);
        h.push([op.row, op.t, 1]);
      } else {
        const [r] = live.splice(op.pick % live.length, 1);
        h.push([r!, op.t, -1]);
      }
    }
    return h;
  });

function check(plan: MirRelationExpr, runs = 150): void {
  fc.assert(
    fc.property(historyArb, historyArb, fc.integer(), fc.integer({ min: 1, max: 9 }), (a, b, seed, budget) => {
      const msg = checkAgainstBatch(plan, new Map([['a', a], ['b', b]]), mulberry32(seed), { budget });
      if (msg !== undefined) throw new Error(msg);
    }),
    { numRuns: runs },
  );
}

const div = (x: MirScalarExpr, y: MirScalarExpr): MirScalarExpr => call('test_div', [x, y], I4);
const gt = (x: MirScalarExpr, y: MirScalarExpr): MirScalarExpr => call('test_gt', [x, y], T.bool);

describe('operators vs batch evaluation', () => {
  it('map/filter/project with evaluation errors', () => {
    check(Mir.project(Mir.filter(Mir.map(A, [div(lit(6, I4), c(1))]), [gt(c(2), lit(0, I4))]), [2, 0]));
  });
  it('flatMap generate_series', () => {
    check({ kind: 'flatMap', input: A, func: 'generate_series_int4', exprs: [lit(0, I4), c(1)], types: [I4] });
  });
  it('union, negate, threshold (EXCEPT ALL)', () => {
    check(Mir.threshold(Mir.union(A, [Mir.negate(B)])));
  });
  it('equi-join with NULL keys', () => {
    check(Mir.join([A, B], [[c(0), c(2)]]));
  });
  it('cross join', () => {
    check(Mir.join([A, B], []));
  });
  it('three-way join with a residual equivalence and a self-join', () => {
    check(Mir.join([A, B, A], [[c(0), c(2), c(4)], [c(1), c(5), c(3)]]));
  });
  it('delta joins: 3- and 4-way on one shared key, extra classes as residuals, failing keys', () => {
    check(Mir.join([A, B, A], [[c(0), c(2), c(4)], [c(1), c(3)]]));
    check(Mir.join([A, B, A, B], [[c(0), c(2), c(4), c(6)]]), 80);
    check(Mir.join([B, A, B], [[div(lit(6, I4), c(0)), c(2), c(5)], [c(1), c(3), c(4)]]));
  });
  it('general delta joins: chains and cycles of different keys, secondary arrangements', () => {
    check(Mir.join([A, B, A], [[c(0), c(2)], [c(3), c(4)]]));
    check(Mir.join([A, B, A, B], [[c(0), c(2)], [c(3), c(4)], [c(5), c(6)], [c(1), c(7)]]), 80);
    check(Mir.join([A, B, B], [[c(0), c(2), c(4)], [c(1), c(5)]]));
  });
  it('delta joins are chosen only when one key connects every input', () => {
    const ops = (plan: MirRelationExpr): string[] => {
      const worker = new Worker();
      const ctx = new RenderContext(worker, 0);
      for (const id of ['a', 'b']) ctx.collections.set(id, { oks: new InputOp(worker, id).output, errs: [] });
      ctx.render(plan);
      return ctx.operators.map((o) => o.constructor.name);
    };
    expect(ops(Mir.join([A, B, A], [[c(0), c(2), c(4)]]))).toContain('DeltaJoinOp');
    expect(ops(Mir.join([A, B, A], [[c(0), c(2)], [c(3), c(4)]]))).toContain('DeltaPathsJoinOp');
    expect(ops(Mir.join([A, B, A], [[c(0), c(2)], [c(3), c(4)]]))).not.toContain('DeltaJoinOp');
    expect(ops(Mir.join([A, B, A], [[c(0), c(2)]]))).not.toContain('DeltaPathsJoinOp');
    expect(ops(Mir.join([A, B], [[c(0), c(2)]]))).not.toContain('DeltaJoinOp');
  });
  it('join keyed by expressions that fail', () => {
    check(Mir.join([A, B], [[div(lit(6, I4), c(0)), c(3)]]));
  });
  it('reduce: count, sum, min, max, avg, bool_and/or', () => {
    check(Mir.reduce(A, [c(0)], [
      agg('count_star', lit(null, I4)), agg('count', c(1)), agg('sum', c(1)),
      agg('min', c(1), I4), agg('max', c(1), I4), agg('avg', c(1), T.numeric),
      agg('bool_and', gt(c(1), lit(0, I4)), T.bool), agg('bool_or', gt(c(1), lit(1, I4)), T.bool),
    ]));
  });
  it('reduce: variance family, jsonb_agg and jsonb_object_agg', () => {
    const pair = call('record_create', [call('test_to_text', [c(1)], T.text), c(0)], { name: 'record', fields: [{ name: 'k', type: T.text }, { name: 'v', type: I4 }] });
    check(Mir.reduce(A, [c(0)], [
      agg('var_samp', c(1), T.numeric), agg('stddev_pop', c(1), T.numeric), agg('variance', c(1), T.numeric, true),
      agg('jsonb_agg', c(1), T.jsonb), agg('jsonb_object_agg', pair, T.jsonb),
    ]), 100);
  });
  it('reduce with an empty key and distinct aggregates', () => {
    check(Mir.reduce(A, [], [agg('count', c(1), T.int8, true), agg('sum', c(0), T.int8, true), agg('count_star', lit(null, I4))]));
  });
  it('distinct', () => {
    check(Mir.reduce(A, [c(1)], []));
  });
  it('reduce with errors in the aggregate input', () => {
    check(Mir.reduce(A, [c(0)], [agg('sum', div(lit(12, I4), c(1)))]));
  });
  it('string_agg and array_agg with ORDER BY', () => {
    const textv = call('test_to_text', [c(1)], T.text);
    check(Mir.reduce(A, [c(0)], [
      { func: 'string_agg', expr: { kind: 'call', func: 'test_pair', args: [textv, lit(',', T.text)], type: T.text }, distinct: false, type: T.text, orderBy: [{ column: 0, desc: true, nullsLast: false }], orderByExprs: [c(1)] },
      { func: 'array_agg', expr: c(1), distinct: false, type: { name: 'array', elem: I4 } },
    ]));
  });
  it('topK with ties, offset and limit', () => {
    check({ kind: 'topK', input: A, groupKey: [0], order: [{ column: 1, desc: true, nullsLast: true }], limit: 2, offset: 1 });
    check({ kind: 'topK', input: A, groupKey: [], order: [{ column: 1, desc: false, nullsLast: false }], limit: 3, offset: 0 });
  });
  it('composed: reduce over a join with errors, let-bound and reused', () => {
    const joined = Mir.join([A, B], [[c(0), c(2)]]);
    const body = Mir.union(
      Mir.reduce(Mir.get({ local: 1 }, [I4, I4, I4, I4]), [c(0)], [agg('sum', div(c(1), c(3))), agg('count_star', lit(null, I4))]),
      [Mir.reduce(Mir.get({ local: 1 }, [I4, I4, I4, I4]), [c(2)], [agg('max', c(3), I4), agg('count', c(1))])],
    );
    check({ kind: 'let', id: 1, value: joined, body });
  });
});

describe('WITH MUTUALLY RECURSIVE', () => {
  const R = Mir.get({ local: 7 }, [I4, I4]);
  const step = Mir.project(Mir.join([R, B], [[c(1), c(2)]]), [0, 3]);
  it('transitive closure, recomputed per changed time', () => {
    check({ kind: 'letRec', ids: [7], values: [Mir.reduce(Mir.union(B, [step]), [c(0), c(1)], [])], body: Mir.join([R, A], [[c(0), c(2)]]) }, 60);
  });
  it('recursion limit and references to an enclosing let', () => {
    const body: MirRelationExpr = { kind: 'letRec', ids: [7], values: [Mir.union(Mir.get({ local: 3 }, [I4, I4]), [step])], limits: [3], body: R };
    check({ kind: 'let', id: 3, value: Mir.filter(A, [gt(c(0), lit(0, I4))]), body }, 60);
  });
});

describe('temporal filters', () => {
  const now = { kind: 'mzNow', type: T.mzTimestamp } as const;
  const ms = (e: MirScalarExpr): MirScalarExpr => call('test_to_int8', [e], T.mzTimestamp);
  it('insert rows at their lower bound and retract them at their upper bound', () => {
    // Valid while v <= mz_now() < v + k (k = column 0), plus an ordinary predicate.
    check(Mir.filter(A, [
      call('lte', [ms(c(1)), now], T.bool),
      call('and', [call('lt', [now, ms(call('test_add', [c(1), c(0)], I4))], T.bool), gt(c(0), lit(-1, I4))], T.bool),
    ]));
    check(Mir.filter(A, [call('eq', [now, ms(c(1))], T.bool)]));
  });
  it('compose with reduce over the filtered rows', () => {
    check(Mir.reduce(Mir.filter(A, [call('gt', [now, ms(c(1))], T.bool)]), [c(0)], [agg('count_star', lit(null, I4))]));
  });
});

describe('errors', () => {
  it('appear and retract with their cause', () => {
    const plan = Mir.map(A, [div(lit(1, I4), c(1))]);
    const h: History = [[[1, 0], 1, 1], [[1, 0], 3, -1]];
    expect(checkAgainstBatch(plan, new Map([['a', h], ['b', []]]), mulberry32(1))).toBeUndefined();
  });
});
