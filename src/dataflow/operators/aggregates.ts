/**
 * Aggregate state for reduce, one object per (group, aggregate), with PostgreSQL semantics:
 * NULL inputs are ignored (except count(*) and array_agg), sum/avg/min/max over no non-NULL input
 * are NULL, output representation follows the aggregate's result type.
 *
 * - Accumulable (count, sum, avg, bool_and/or): updated by adding value × diff, never rescanning the
 *   group. Exact integer sums stay in a JS number while safe and move to bigint after; numeric sums
 *   use Numeric; ±Infinity/NaN are counted separately so retracting them is exact.
 * - min/max: a sorted multiset of values per group.
 * - DISTINCT variants, string_agg, array_agg: a multiset of inputs per group, aggregated on output.
 */
import { type AggregateExpr, EvalError, type MirScalarExpr, stackArrays } from '../../expr/index.ts';
import { type Datum, Numeric, PgArray, type ScalarType, compareDatum, datumKey } from '../../repr/index.ts';
import { SqlState, unsupported } from '../../util/index.ts';
import { compareByOrder } from '../order.ts';
import { type CompiledScalar, compileScalar } from '../scalar.ts';
import { jsonbAgg, jsonbObjectAgg } from './jsonb-agg.ts';
import { VarianceState, type VarianceFunc, isVarianceFunc } from './variance.ts';

export interface Agg {
  add(v: Datum, diff: number): void;
  result(): Datum;
  isEmpty(): boolean;
}

/** How a reduce evaluates one aggregate: its argument extractor and its state factory. */
export interface AggPlan {
  /** Evaluates the aggregate's input from the row (undefined: count(*), no input). */
  readonly arg: CompiledScalar | undefined;
  create(): Agg;
}

class CountStar implements Agg {
  n = 0;
  add(_v: Datum, d: number): void {
    this.n += d;
  }
  result(): Datum {
    return BigInt(this.n);
  }
  isEmpty(): boolean {
    return this.n === 0;
  }
}

class Count implements Agg {
  n = 0;
  add(v: Datum, d: number): void {
    if (v !== null) this.n += d;
  }
  result(): Datum {
    return BigInt(this.n);
  }
  isEmpty(): boolean {
    return this.n === 0;
  }
}

type OutKind = 'int' | 'big' | 'numeric' | 'float';

function outKind(t: ScalarType): OutKind {
  switch (t.name) {
    case 'int2': case 'int4': return 'int';
    case 'int8': return 'big';
    case 'float4': case 'float8': return 'float';
    default: return 'numeric';
  }
}

/** Exact running sum of numbers, bigints and Numerics with counted specials. */
class Sum implements Agg {
  nonNull = 0;
  private intSum = 0;
  private big = 0n;
  private dec: Numeric | undefined;
  private flt = 0;
  private sawFloat = false;
  private nan = 0;
  private pinf = 0;
  private ninf = 0;
  protected readonly kind: OutKind;
  constructor(kind: OutKind) {
    this.kind = kind;
  }

  add(v: Datum, d: number): void {
    if (v === null) return;
    this.nonNull += d;
    switch (typeof v) {
      case 'number': {
        if (!Number.isFinite(v)) {
          if (Number.isNaN(v)) this.nan += d;
          else if (v > 0) this.pinf += d;
          else this.ninf += d;
          return;
        }
        if (this.kind === 'float' || !Number.isInteger(v)) {
          this.sawFloat = true;
          this.flt += v * d;
          return;
        }
        const x = this.intSum + v * d;
        if (Number.isSafeInteger(x)) this.intSum = x;
        else {
          this.big += BigInt(this.intSum) + BigInt(v) * BigInt(d);
          this.intSum = 0;
        }
        return;
      }
      case 'bigint':
        this.big += v * BigInt(d);
        return;
      default:
        if (v instanceof Numeric) {
          if (v.special === 'nan') this.nan += d;
          else if (v.special === 'inf') this.pinf += d;
          else if (v.special === '-inf') this.ninf += d;
          else {
            const term = new Numeric(v.coef * BigInt(d), v.scale);
            this.dec = this.dec === undefined ? term : this.dec.add(term);
          }
          return;
        }
        throw new EvalError(SqlState.datatypeMismatch, 'sum/avg: unsupported input value');
    }
  }

  protected special(): 'nan' | 'inf' | '-inf' | undefined {
    if (this.nan !== 0 || (this.pinf !== 0 && this.ninf !== 0)) return 'nan';
    if (this.pinf !== 0) return 'inf';
    if (this.ninf !== 0) return '-inf';
    return undefined;
  }

  /** The exact sum as a Numeric (specials included). */
  protected numericSum(): Numeric {
    const s = this.special();
    if (s !== undefined) return new Numeric(0n, 0, s);
    let n = new Numeric(this.big + BigInt(this.intSum), 0);
    if (this.dec !== undefined) n = n.add(this.dec);
    if (this.sawFloat) n = n.add(Numeric.fromNumber(this.flt));
    return n;
  }

  protected floatSum(): number {
    const s = this.special();
    if (s !== undefined) return s === 'nan' ? NaN : s === 'inf' ? Infinity : -Infinity;
    return this.flt + this.intSum + Number(this.big) + (this.dec === undefined ? 0 : this.dec.toNumber());
  }

  result(): Datum {
    if (this.nonNull === 0) return null;
    switch (this.kind) {
      case 'int': return this.intSum + Number(this.big);
      case 'big': return this.big + BigInt(this.intSum);
      case 'float': return this.floatSum();
      case 'numeric': return this.numericSum();
    }
  }

  /** Empty only when every component is zero (a transiently negative group is not empty). */
  isEmpty(): boolean {
    return this.nonNull === 0 && this.intSum === 0 && this.big === 0n && this.flt === 0 && this.nan === 0 && this.pinf === 0 && this.ninf === 0 &&
      (this.dec === undefined || this.dec.coef === 0n);
  }
}

class Avg extends Sum {
  override result(): Datum {
    if (this.nonNull === 0) return null;
    if (this.kind === 'float') return this.floatSum() / this.nonNull;
    const s = this.numericSum();
    if (s.special !== undefined) return s;
    return s.div(new Numeric(BigInt(this.nonNull), 0));
  }
}

class BoolAgg implements Agg {
  trues = 0;
  falses = 0;
  private readonly and: boolean;
  constructor(and: boolean) {
    this.and = and;
  }
  add(v: Datum, d: number): void {
    if (v === true) this.trues += d;
    else if (v === false) this.falses += d;
  }
  result(): Datum {
    if (this.trues + this.falses === 0) return null;
    return this.and ? this.falses === 0 : this.trues > 0;
  }
  isEmpty(): boolean {
    return this.trues === 0 && this.falses === 0;
  }
}

/** min/max: a sorted multiset of non-NULL values. */
class MinMax implements Agg {
  private readonly vals: Datum[] = [];
  private readonly counts: number[] = [];
  private readonly max: boolean;
  constructor(max: boolean) {
    this.max = max;
  }
  add(v: Datum, d: number): void {
    if (v === null) return;
    const vals = this.vals;
    let lo = 0;
    let hi = vals.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareDatum(vals[mid]!, v) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < vals.length && compareDatum(vals[lo]!, v) === 0) {
      const c = this.counts[lo]! + d;
      if (c === 0) {
        vals.splice(lo, 1);
        this.counts.splice(lo, 1);
      } else this.counts[lo] = c;
    } else {
      vals.splice(lo, 0, v);
      this.counts.splice(lo, 0, d);
    }
  }
  result(): Datum {
    const n = this.vals.length;
    if (n === 0) return null;
    // Only values with positive multiplicity count (negatives only arise from invalid input).
    if (this.max) {
      for (let i = n - 1; i >= 0; i--) if (this.counts[i]! > 0) return this.vals[i]!;
    } else {
      for (let i = 0; i < n; i++) if (this.counts[i]! > 0) return this.vals[i]!;
    }
    return null;
  }
  isEmpty(): boolean {
    return this.vals.length === 0;
  }
}

interface Collected {
  readonly v: Datum;
  count: number;
}

/** A multiset of inputs, aggregated from scratch on output by `finalize`. */
class Collect implements Agg {
  private readonly items = new Map<string, Collected>();
  private readonly finalize: (items: Collected[]) => Datum;
  constructor(finalize: (items: Collected[]) => Datum) {
    this.finalize = finalize;
  }
  add(v: Datum, d: number): void {
    const k = datumKey(v);
    const cur = this.items.get(k);
    if (cur === undefined) this.items.set(k, { v, count: d });
    else {
      cur.count += d;
      if (cur.count === 0) this.items.delete(k);
    }
  }
  result(): Datum {
    const live: Collected[] = [];
    for (const it of this.items.values()) if (it.count > 0) live.push(it);
    return this.finalize(live);
  }
  isEmpty(): boolean {
    return this.items.size === 0;
  }
}

/** The variance family: exact accumulable sums (variance.ts). */
class Variance implements Agg {
  private readonly state = new VarianceState();
  private readonly func: VarianceFunc;
  private readonly floatOut: boolean;
  constructor(func: VarianceFunc, floatOut: boolean) {
    this.func = func;
    this.floatOut = floatOut;
  }
  add(v: Datum, d: number): void {
    this.state.add(v, d);
  }
  result(): Datum {
    return this.state.result(this.func, this.floatOut);
  }
  isEmpty(): boolean {
    return this.state.isEmpty();
  }
}

function simpleFactory(a: AggregateExpr): () => Agg {
  const func = a.func;
  if (isVarianceFunc(func)) {
    const floatOut = a.type.name === 'float8' || a.type.name === 'float4';
    return () => new Variance(func, floatOut);
  }
  switch (a.func) {
    case 'count_star': return () => new CountStar();
    case 'count': return () => new Count();
    case 'sum': { const k = outKind(a.type); return () => new Sum(k); }
    case 'avg': { const k = outKind(a.type); return () => new Avg(k); }
    case 'min': return () => new MinMax(false);
    case 'max': return () => new MinMax(true);
    case 'bool_and': return () => new BoolAgg(true);
    case 'bool_or': return () => new BoolAgg(false);
    default: throw unsupported(`aggregate ${a.func}`);
  }
}

/**
 * Builds the evaluation plan of one aggregate. With ORDER BY inside the aggregate, the input is
 * the record [value, ...orderValues] so the multiset keeps what ordering needs.
 */
export function planAggregate(a: AggregateExpr): AggPlan {
  const value = compileScalar(a.expr);
  const orderExprs: readonly MirScalarExpr[] = a.orderByExprs ?? [];
  const order = a.orderBy ?? [];
  const ordFns = orderExprs.map(compileScalar);
  const withOrder: CompiledScalar = ordFns.length === 0 ? (row) => [value(row)] : (row) => [value(row), ...ordFns.map((f) => f(row))];
  const sortItems = (items: Collected[]): Datum[][] => {
    const recs = items.map((i) => ({ rec: i.v as readonly Datum[], count: i.count }));
    recs.sort((x, y) => compareByOrder(order, x.rec.slice(1), y.rec.slice(1)) || compareDatum(x.rec[0]!, y.rec[0]!));
    const out: Datum[][] = [];
    // DISTINCT keeps each distinct input once (the multiset holds counts).
    for (const r of recs) for (let c = 0; c < (a.distinct ? Math.min(r.count, 1) : r.count); c++) out.push(r.rec as Datum[]);
    return out;
  };
  switch (a.func) {
    case 'string_agg':
      return {
        arg: withOrder,
        create: () => new Collect((items) => {
          let s: string | null = null;
          for (const rec of sortItems(items)) {
            const pair = rec[0];
            const [v, delim] = Array.isArray(pair) ? (pair as Datum[]) : [pair, null];
            if (v === null || v === undefined) continue;
            s = s === null ? String(v) : s + (typeof delim === 'string' ? delim : '') + String(v);
          }
          return s;
        }),
      };
    case 'array_agg':
      return {
        arg: withOrder,
        create: () => new Collect((items) => {
          if (items.length === 0) return null;
          const values = sortItems(items).map((r) => r[0] ?? null);
          // array_agg(anyarray) stacks its inputs into one more dimension.
          return a.expr.type.name === 'array' ? stackArrays(values) : new PgArray(values);
        }),
      };
    case 'jsonb_agg':
      return { arg: withOrder, create: () => new Collect((items) => jsonbAgg(sortItems(items).map((r) => r[0] ?? null), a.expr.type)) };
    case 'jsonb_object_agg':
      return { arg: withOrder, create: () => new Collect((items) => jsonbObjectAgg(sortItems(items).map((r) => r[0] ?? null), a.expr.type)) };
    default: break;
  }
  const factory = simpleFactory(a);
  if (a.distinct && a.func !== 'count_star') {
    return {
      arg: value,
      create: () => new Collect((items) => {
        const agg = factory();
        for (const it of items) agg.add(it.v, 1);
        return agg.result();
      }),
    };
  }
  return { arg: a.func === 'count_star' ? undefined : value, create: factory };
}
