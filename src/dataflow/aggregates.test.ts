/** Aggregate results follow PostgreSQL: types, NULL handling, exact sums, retraction of specials. */
import { describe, expect, it } from 'vitest';
import { type AggregateExpr, col } from '../expr/index.ts';
import { type Datum, Numeric, PgArray, T } from '../repr/index.ts';
import { planAggregate } from './index.ts';

function run(a: Omit<AggregateExpr, 'expr' | 'distinct'> & { distinct?: boolean }, values: [Datum, number][]): Datum {
  const plan = planAggregate({ expr: col(0, T.int4), distinct: false, ...a });
  const agg = plan.create();
  for (const [v, d] of values) agg.add(plan.arg === undefined ? null : plan.arg([v]), d);
  return agg.result();
}

describe('aggregates', () => {
  it('count, sum and avg over integers', () => {
    const vals: [Datum, number][] = [[1, 1], [2, 1], [null, 1], [5, 1], [5, -1]];
    expect(run({ func: 'count', type: T.int8 }, vals)).toBe(2n);
    expect(run({ func: 'count_star', type: T.int8 }, vals)).toBe(3n);
    expect(run({ func: 'sum', type: T.int8 }, vals)).toBe(3n);
    expect(String(run({ func: 'avg', type: T.numeric }, vals))).toBe('1.5000000000000000');
    expect(run({ func: 'sum', type: T.int8 }, [[null, 1]])).toBe(null);
    expect(run({ func: 'avg', type: T.numeric }, [])).toBe(null);
  });
  it('sums stay exact beyond 2^53 and for numerics', () => {
    expect(run({ func: 'sum', type: T.int8 }, [[2 ** 31 - 1, 2 ** 23], [2 ** 31 - 1, 2 ** 23]])).toBe(BigInt(2 ** 31 - 1) * BigInt(2 ** 24));
    expect(run({ func: 'sum', type: T.numeric }, [[9007199254740993n, 1], [1n, 1]])!.toString()).toBe('9007199254740994');
    const n = (s: string): Numeric => Numeric.fromString(s)!;
    expect(String(run({ func: 'sum', type: T.numeric }, [[n('0.1'), 1], [n('0.2'), 1], [n('0.1'), -1]]))).toBe('0.2');
  });
  it('retracting infinities and NaN restores finite sums', () => {
    const vals: [Datum, number][] = [[1.5, 1], [Infinity, 1], [NaN, 1]];
    expect(run({ func: 'sum', type: T.float8 }, vals)).toBeNaN();
    expect(run({ func: 'sum', type: T.float8 }, [...vals, [NaN, -1]])).toBe(Infinity);
    expect(run({ func: 'sum', type: T.float8 }, [...vals, [NaN, -1], [Infinity, -1]])).toBe(1.5);
  });
  it('min/max, bool_and/or, distinct, string_agg, array_agg', () => {
    const vals: [Datum, number][] = [[3, 1], [1, 2], [7, 1], [7, -1], [null, 1]];
    expect(run({ func: 'min', type: T.int4 }, vals)).toBe(1);
    expect(run({ func: 'max', type: T.int4 }, vals)).toBe(3);
    expect(run({ func: 'count', type: T.int8, distinct: true }, vals)).toBe(2n);
    expect(run({ func: 'bool_and', type: T.bool }, [[true, 1], [false, 1], [false, -1]])).toBe(true);
    expect(run({ func: 'bool_or', type: T.bool }, [[false, 1], [null, 1]])).toBe(false);
    expect(run({ func: 'string_agg', type: T.text }, [[['b', ','], 1], [['a', ';'], 1], [[null, ','], 1]])).toBe('a,b');
    const arr = run({ func: 'array_agg', type: { name: 'array', elem: T.int4 } }, [[2, 1], [null, 1], [1, 1]]);
    expect(arr).toBeInstanceOf(PgArray);
    expect((arr as PgArray).elems).toEqual([1, 2, null]);
  });
  it('variance family: PostgreSQL numeric scales, float8 for floats, exact under retraction', () => {
    const ints: [Datum, number][] = [[1, 1], [2, 1], [3, 1], [4, 1], [100, 1], [100, -1], [null, 1]];
    expect(String(run({ func: 'var_samp', type: T.numeric }, ints))).toBe('1.6666666666666667');
    expect(String(run({ func: 'variance', type: T.numeric }, ints))).toBe('1.6666666666666667');
    expect(String(run({ func: 'var_pop', type: T.numeric }, ints))).toBe('1.2500000000000000');
    expect(String(run({ func: 'stddev_samp', type: T.numeric }, ints))).toBe('1.2909944487358056');
    expect(String(run({ func: 'stddev_pop', type: T.numeric }, ints))).toBe('1.1180339887498948');
    const n = (s: string): Numeric => Numeric.fromString(s)!;
    expect(String(run({ func: 'var_samp', type: T.numeric }, [[n('1.5'), 1], [n('2.5'), 1]]))).toBe('0.50000000000000000000');
    expect(run({ func: 'var_samp', type: T.numeric }, [[5, 1]])).toBe(null);
    expect(String(run({ func: 'var_pop', type: T.numeric }, [[5, 1]]))).toBe('0');
    expect(run({ func: 'var_pop', type: T.numeric }, [[null, 1]])).toBe(null);
    const floats: [Datum, number][] = [[1, 1], [2, 1], [3, 1], [4, 1], [0.1, 1], [0.1, -1]];
    expect(run({ func: 'var_samp', type: T.float8 }, floats)).toBeCloseTo(5 / 3, 15);
    expect(run({ func: 'stddev', type: T.float8 }, floats)).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(run({ func: 'var_samp', type: T.float8 }, [...floats, [Infinity, 1]])).toBeNaN();
    expect(run({ func: 'var_samp', type: T.float8 }, [...floats, [Infinity, 1], [Infinity, -1]])).toBeCloseTo(5 / 3, 15);
  });
  it('jsonb_agg and jsonb_object_agg produce canonical jsonb text', () => {
    const agg = (func: 'jsonb_agg' | 'jsonb_object_agg', type: AggregateExpr['expr']['type'], values: [Datum, number][]): Datum => {
      const plan = planAggregate({ func, expr: col(0, type), distinct: false, type: T.jsonb });
      const st = plan.create();
      for (const [v, d] of values) st.add(plan.arg!([v]), d);
      return st.result();
    };
    expect(agg('jsonb_agg', T.int4, [[2, 1], [null, 1], [1, 1], [5, 1], [5, -1]])).toBe('[1, 2, null]');
    expect(agg('jsonb_agg', T.text, [['a"b', 1]])).toBe('["a\\"b"]');
    expect(agg('jsonb_agg', T.jsonb, [['{"a": 1}', 1]])).toBe('[{"a": 1}]');
    expect(agg('jsonb_agg', T.int4, [])).toBe(null);
    const rec = { name: 'record', fields: [{ name: 'k', type: T.text }, { name: 'v', type: T.int4 }] } as const;
    expect(agg('jsonb_object_agg', rec, [[['bb', 1], 1], [['a', 2], 1], [['c', null], 1]])).toBe('{"a": 2, "c": null, "bb": 1}');
    expect(() => agg('jsonb_object_agg', rec, [[[null, 1], 1]])).toThrow(/field name must not be null/);
  });
});
