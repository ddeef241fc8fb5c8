/**
 * Batch evaluation of MIR over multisets: the from-scratch oracle that incremental dataflows are
 * checked against (and reusable by other layers' tests). Straightforward recursion; no attempt at
 * efficiency. Semantics match rendering exactly, including which errors appear: an evaluation error
 * on a row produces an errors-collection row [sqlstate, message, detail] with that row's
 * multiplicity, and the row produces no output.
 */
import {
  type AggregateExpr, type GlobalId, type MirRelationExpr, type MirScalarExpr, evalPredicate, evalScalar, stackArrays,
} from '../expr/index.ts';
import {
  VarianceState, compareByOrder, datumsIdentical, errorRow, jsonbAgg, jsonbObjectAgg, lookupTableFunc, rowComparator,
} from '../dataflow/index.ts';
import { type Datum, Numeric, PgArray, type Row, compareDatum, rowKey } from '../repr/index.ts';
import { SqlError, SqlState, assertNever, unsupported } from '../util/index.ts';
import { planJoin } from './join-plan.ts';

/** A multiset as (row, multiplicity) pairs. */
export type Multiset = [Row, number][];

export interface BatchResult {
  readonly oks: Multiset;
  readonly errs: Multiset;
}

export interface BatchInputs {
  readonly collections: ReadonlyMap<GlobalId, Multiset>;
  /** Errors already present in inputs (e.g. an imported index's errors). */
  readonly errors?: ReadonlyMap<GlobalId, Multiset>;
  /** The evaluation time: mz_now() in filter predicates (temporal filters). */
  readonly time?: number;
}

/** Sums multiplicities per distinct row and drops zeros. */
export function consolidate(ms: Iterable<readonly [Row, number]>): Multiset {
  const acc = new Map<string, [Row, number]>();
  for (const [r, d] of ms) {
    const k = rowKey(r);
    const cur = acc.get(k);
    if (cur === undefined) acc.set(k, [r, d]);
    else cur[1] += d;
  }
  return [...acc.values()].filter(([, d]) => d !== 0);
}

export function evaluateMir(e: MirRelationExpr, inputs: BatchInputs): BatchResult {
  const errs: [Row, number][] = [];
  const oks = new BatchEvaluator(inputs, errs).eval(e);
  return { oks: consolidate(oks), errs: consolidate(errs) };
}

class BatchEvaluator {
  private readonly inputs: BatchInputs;
  private readonly errs: [Row, number][];
  private readonly locals = new Map<number, Multiset>();

  constructor(inputs: BatchInputs, errs: [Row, number][]) {
    this.inputs = inputs;
    this.errs = errs;
  }

  private fail(err: unknown, diff: number): void {
    this.errs.push([errorRow(err), diff]);
  }

  eval(e: MirRelationExpr): Multiset {
    switch (e.kind) {
      case 'constant': return e.rows.map(([r, d]) => [r, d]);
      case 'get': {
        if (typeof e.id !== 'string') {
          const l = this.locals.get(e.id.local);
          if (l === undefined) throw new Error(`unbound local ${e.id.local}`);
          return l;
        }
        const c = this.inputs.collections.get(e.id);
        if (c === undefined) throw new Error(`batch eval: no input ${e.id}`);
        for (const err of this.inputs.errors?.get(e.id) ?? []) this.errs.push(err);
        return c;
      }
      case 'let':
        this.locals.set(e.id, this.eval(e.value));
        return this.eval(e.body);
      case 'letRec': return this.letRec(e);
      case 'project':
        return this.eval(e.input).map(([r, d]) => [e.outputs.map((i) => r[i] ?? null), d]);
      case 'map':
        return this.rowwise(this.eval(e.input), (r) => {
          const out: Datum[] = r.slice();
          for (const s of e.scalars) out.push(evalScalar(s, out));
          return out;
        });
      case 'filter': {
        const ctx = this.inputs.time === undefined ? {} : { mzNow: BigInt(this.inputs.time) };
        return this.rowwise(this.eval(e.input), (r) => (e.predicates.every((p) => evalPredicate(p, r, ctx)) ? r : null));
      }
      case 'flatMap': {
        const out: Multiset = [];
        for (const [r, d] of this.eval(e.input)) {
          try {
            const produced = lookupTableFunc(e.func)(e.exprs.map((x) => evalScalar(x, r)));
            for (const p of produced) out.push([r.concat(p), d]);
          } catch (err) {
            this.fail(err, d);
          }
        }
        return out;
      }
      case 'join': return this.join(e.inputs, e.equivalences);
      case 'reduce': return this.reduce(this.eval(e.input), e.groupKey, e.aggregates);
      case 'topK': {
        const groups = new Map<string, Multiset>();
        for (const [r, d] of consolidate(this.eval(e.input))) {
          const k = rowKey(e.groupKey.map((c) => r[c] ?? null));
          let g = groups.get(k);
          if (g === undefined) groups.set(k, (g = []));
          g.push([r, d]);
        }
        const out: Multiset = [];
        const cmp = rowComparator(e.order);
        for (const g of groups.values()) {
          const expanded: Row[] = [];
          for (const [r, d] of g.sort((a, b) => cmp(a[0], b[0]))) for (let i = 0; i < d; i++) expanded.push(r);
          const end = e.limit === undefined ? expanded.length : e.offset + e.limit;
          for (const r of expanded.slice(e.offset, end)) out.push([r, 1]);
        }
        return out;
      }
      case 'negate': return this.eval(e.input).map(([r, d]) => [r, -d]);
      case 'threshold': return consolidate(this.eval(e.input)).filter(([, d]) => d > 0);
      case 'union': return [e.base, ...e.inputs].flatMap((i) => this.eval(i));
      case 'arrangeBy': return this.eval(e.input);
      default: return assertNever(e, 'relation expression');
    }
  }

  /**
   * Iterates the bindings to a fixed point, in declaration order (each binding sees the values of
   * earlier bindings from this iteration and of later ones from the previous iteration), stopping
   * early at the least recursion limit. Only the last iteration's errors count.
   */
  private letRec(e: Extract<MirRelationExpr, { kind: 'letRec' }>): Multiset {
    for (const id of e.ids) this.locals.set(id, []);
    const limits = (e.limits ?? []).filter((l): l is number => l !== undefined);
    const limit = limits.length === 0 ? undefined : Math.min(...limits);
    const base = this.errs.length;
    for (let iter = 1; ; iter++) {
      this.errs.length = base;
      let changed = false;
      e.ids.forEach((id, i) => {
        const next = consolidate(this.eval(e.values[i]!));
        if (!sameMultiset(this.locals.get(id)!, next)) changed = true;
        this.locals.set(id, next);
      });
      if (!changed || (limit !== undefined && iter >= limit)) break;
      if (iter >= MAX_ITERATIONS) {
        throw new SqlError(SqlState.programLimitExceeded, `WITH MUTUALLY RECURSIVE did not reach a fixed point after ${MAX_ITERATIONS} iterations`);
      }
    }
    return this.eval(e.body);
  }

  private rowwise(input: Multiset, f: (r: Row) => Row | null): Multiset {
    const out: Multiset = [];
    for (const [r, d] of input) {
      try {
        const o = f(r);
        if (o !== null) out.push([o, d]);
      } catch (err) {
        this.fail(err, d);
      }
    }
    return out;
  }

  private keyed(input: Multiset, keys: readonly MirScalarExpr[]): { key: Row; row: Row; d: number }[] {
    const out: { key: Row; row: Row; d: number }[] = [];
    for (const [row, d] of input) {
      try {
        const key = keys.map((k) => evalScalar(k, row));
        if (key.some((x) => x === null)) continue;
        out.push({ key, row, d });
      } catch (err) {
        this.fail(err, d);
      }
    }
    return out;
  }

  private join(inputs: readonly MirRelationExpr[], equivalences: readonly (readonly MirScalarExpr[])[]): Multiset {
    if (inputs.length === 0) return [[[], 1]];
    const plan = planJoin(inputs, equivalences);
    let acc = this.eval(inputs[0]!);
    for (let i = 1; i < inputs.length; i++) {
      const step = plan.steps[i - 1]!;
      const left = this.keyed(acc, step.leftKey);
      const right = this.keyed(this.eval(inputs[i]!), step.rightKey);
      const next: Multiset = [];
      for (const l of left) {
        for (const r of right) {
          if (l.key.every((x, j) => datumsIdentical(x, r.key[j]!))) next.push([l.row.concat(r.row), l.d * r.d]);
        }
      }
      acc = next;
    }
    if (plan.residual.length === 0) return acc;
    return this.rowwise(acc, (r) => {
      for (const exprs of plan.residual) {
        const vals = exprs.map((x) => evalScalar(x, r));
        if (vals[0] === null || vals.some((v) => !datumsIdentical(v, vals[0]!))) return null;
      }
      return r;
    });
  }

  private reduce(input: Multiset, groupKey: readonly MirScalarExpr[], aggs: readonly AggregateExpr[]): Multiset {
    const groups = new Map<string, { key: Row; rows: { args: Datum[]; d: number }[] }>();
    for (const [row, d] of input) {
      let key: Row;
      let args: Datum[];
      try {
        key = groupKey.map((k) => evalScalar(k, row));
        args = aggs.map((a) => (a.func === 'count_star' ? null : aggInput(a, row)));
      } catch (err) {
        this.fail(err, d);
        continue;
      }
      const k = rowKey(key);
      let g = groups.get(k);
      if (g === undefined) groups.set(k, (g = { key, rows: [] }));
      g.rows.push({ args, d });
    }
    const out: Multiset = [];
    for (const g of groups.values()) {
      const total = g.rows.reduce((s, r) => s + r.d, 0);
      if (total <= 0) continue;
      try {
        out.push([[...g.key, ...aggs.map((a, i) => aggregate(a, g.rows.map((r) => [r.args[i]!, r.d] as [Datum, number])))], 1]);
      } catch (err) {
        this.fail(err, 1);
      }
    }
    return out;
  }
}

/** Iterations after which a recursion without a fixed point is an error. */
const MAX_ITERATIONS = 100_000;

function sameMultiset(a: Multiset, b: Multiset): boolean {
  if (a.length !== b.length) return false;
  const counts = new Map<string, number>();
  for (const [r, d] of a) counts.set(rowKey(r), d);
  for (const [r, d] of b) if (counts.get(rowKey(r)) !== d) return false;
  return true;
}

function aggInput(a: AggregateExpr, row: Row): Datum {
  const v = evalScalar(a.expr, row);
  const collected = a.func === 'string_agg' || a.func === 'array_agg' || a.func === 'jsonb_agg' || a.func === 'jsonb_object_agg';
  if (collected && a.orderByExprs !== undefined && a.orderByExprs.length > 0) {
    return [v, ...a.orderByExprs.map((x) => evalScalar(x, row))];
  }
  if (collected) return [v];
  return v;
}

/** One aggregate over (value, multiplicity) pairs, from scratch. */
function aggregate(a: AggregateExpr, input: [Datum, number][]): Datum {
  let vals: [Datum, number][] = consolidateDatums(input).filter(([, d]) => d > 0);
  if (a.distinct && a.func !== 'count_star') vals = vals.map(([v]) => [v, 1]);
  const nonNull = vals.filter(([v]) => v !== null);
  const n = nonNull.reduce((s, [, d]) => s + d, 0);
  switch (a.func) {
    case 'count_star': return BigInt(vals.reduce((s, [, d]) => s + d, 0));
    case 'count': return BigInt(n);
    case 'sum': case 'avg': {
      if (n === 0) return null;
      const float = a.type.name === 'float4' || a.type.name === 'float8';
      if (float) {
        const s = nonNull.reduce((acc, [v, d]) => acc + Number(v instanceof Numeric ? v.toNumber() : (v as number)) * d, 0);
        return a.func === 'avg' ? s / n : s;
      }
      let s = new Numeric(0n, 0);
      for (const [v, d] of nonNull) {
        const x = v instanceof Numeric ? v : typeof v === 'bigint' ? Numeric.fromBigInt(v) : Numeric.fromNumber(v as number);
        s = s.add(x.mul(new Numeric(BigInt(d), 0)));
      }
      if (a.func === 'avg') return s.special !== undefined ? s : s.div(new Numeric(BigInt(n), 0));
      switch (a.type.name) {
        case 'int8': return s.coef;
        case 'int2': case 'int4': return Number(s.coef);
        default: return s;
      }
    }
    case 'min': case 'max': {
      if (nonNull.length === 0) return null;
      const sorted = nonNull.map(([v]) => v).sort(compareDatum);
      return a.func === 'min' ? sorted[0]! : sorted[sorted.length - 1]!;
    }
    case 'bool_and': case 'bool_or': {
      if (nonNull.length === 0) return null;
      return a.func === 'bool_and' ? nonNull.every(([v]) => v === true) : nonNull.some(([v]) => v === true);
    }
    case 'stddev': case 'stddev_pop': case 'stddev_samp': case 'variance': case 'var_pop': case 'var_samp': {
      const st = new VarianceState();
      for (const [v, d] of nonNull) st.add(v, d);
      return st.result(a.func, a.type.name === 'float8' || a.type.name === 'float4');
    }
    case 'string_agg': case 'array_agg': case 'jsonb_agg': case 'jsonb_object_agg': {
      const order = a.orderBy ?? [];
      const recs = vals.map(([v, d]) => [v as Datum[], d] as const)
        .sort((x, y) => compareByOrder(order, x[0].slice(1), y[0].slice(1)) || compareDatum(x[0][0]!, y[0][0]!));
      const items: Datum[] = [];
      for (const [r, d] of recs) for (let i = 0; i < d; i++) items.push(r[0]!);
      if (a.func === 'array_agg') return items.length === 0 ? null : a.expr.type.name === 'array' ? stackArrays(items) : new PgArray(items);
      if (a.func === 'jsonb_agg') return jsonbAgg(items, a.expr.type);
      if (a.func === 'jsonb_object_agg') return jsonbObjectAgg(items, a.expr.type);
      let s: string | null = null;
      for (const pair of items) {
        const [v, delim] = Array.isArray(pair) ? (pair as Datum[]) : [pair, null];
        if (v === null || v === undefined) continue;
        s = s === null ? String(v) : s + (typeof delim === 'string' ? delim : '') + String(v);
      }
      return s;
    }
    default:
      throw unsupported(`aggregate ${a.func} in batch evaluation`);
  }
}

function consolidateDatums(input: [Datum, number][]): [Datum, number][] {
  return consolidate(input.map(([v, d]) => [[v], d] as [Row, number])).map(([r, d]) => [r[0]!, d]);
}
