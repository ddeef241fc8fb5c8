/**
 * Window function evaluation over one partition, as Materialize lowers windows: a reduce collects each
 * partition's rows (in window order) into an array, and the `window_eval` table function computes every
 * row's result in one go and emits (row record, result) pairs. Frames: ROWS, RANGE and GROUPS with
 * UNBOUNDED, CURRENT ROW and offset bounds (RANGE offsets compare ORDER BY values; GROUPS count peer groups),
 * and EXCLUDE CURRENT ROW / GROUP / TIES.
 */
import { type Datum, Interval, Numeric, type PgArray, type Row, compareDatum } from '../../repr/index.ts';
import { EvalError, SqlState } from './util.ts';

export type FrameBound = { readonly kind: 'unbounded' | 'current' } | { readonly kind: 'preceding' | 'following'; readonly n: number };

export interface WindowSpec {
  /** row_number, rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead, first_value, last_value, nth_value, or an aggregate. */
  readonly fn: string;
  readonly mode: 'rows' | 'range' | 'groups';
  /**
   * RANGE with offsets: argument positions (after the call's own arguments) of the row's ORDER BY
   * value and of its frame bound values (`value ∓ offset`, computed by the plan in the value's type),
   * and whether the order is descending (then PRECEDING means larger values).
   */
  readonly range?: { readonly key: number; readonly start?: number; readonly end?: number; readonly desc: boolean };
  /** EXCLUDE CURRENT ROW | GROUP | TIES: rows of the frame left out (absent: EXCLUDE NO OTHERS). */
  readonly exclude?: 'current' | 'group' | 'ties';
  readonly start: FrameBound;
  readonly end: FrameBound;
  /** Result type name (sum/avg need it). */
  readonly type: string;
  /** count(*) */
  readonly star?: boolean;
  /** Number of arguments (lag/lead defaults). */
  readonly nargs?: number;
}

/** An element of the partition array: [row record, order key record, ...arguments]. */
type Elem = readonly Datum[];

function peers(a: Elem, b: Elem): boolean {
  const x = a[1] as readonly Datum[];
  const y = b[1] as readonly Datum[];
  for (let i = 0; i < x.length; i++) {
    const p = x[i] ?? null;
    const q = y[i] ?? null;
    if (p === null || q === null) {
      if (p !== q) return false;
    } else if (compareDatum(p, q) !== 0) return false;
  }
  return true;
}

function toNumeric(v: Datum): Numeric {
  return v instanceof Numeric ? v : typeof v === 'bigint' ? Numeric.fromBigInt(v) : Numeric.fromNumber(v as number);
}

function aggregate(fn: string, type: string, vals: readonly Datum[], star: boolean): Datum {
  if (fn === 'count') return BigInt(star ? vals.length : vals.filter((v) => v !== null).length);
  const xs = vals.filter((v) => v !== null);
  if (xs.length === 0) return null;
  switch (fn) {
    case 'min': case 'max': {
      let best = xs[0]!;
      for (const v of xs) if ((fn === 'min' ? compareDatum(v, best) < 0 : compareDatum(v, best) > 0)) best = v;
      return best;
    }
    case 'bool_and': return xs.every((v) => v === true);
    case 'bool_or': return xs.some((v) => v === true);
    case 'sum': case 'avg': {
      if (xs[0] instanceof Interval) {
        let acc = new Interval(0, 0, 0n);
        for (const v of xs as Interval[]) acc = new Interval(acc.months + v.months, acc.days + v.days, acc.micros + v.micros);
        if (fn === 'sum') return acc;
        throw new EvalError(SqlState.featureNotSupported, 'avg(interval) over a window not yet supported');
      }
      if (type === 'float8' || type === 'float4') {
        const s = xs.reduce<number>((a, v) => a + Number(v instanceof Numeric ? v.toNumber() : (v as number)), 0);
        return fn === 'avg' ? s / xs.length : s;
      }
      let s = new Numeric(0n, 0);
      for (const v of xs) s = s.add(toNumeric(v));
      if (fn === 'avg') return s.special !== undefined ? s : s.div(new Numeric(BigInt(xs.length), 0));
      if (type === 'int8') return s.coef;
      return s;
    }
    default: throw new EvalError(SqlState.featureNotSupported, `window aggregate ${fn} not yet supported`);
  }
}

/** Peer groups of a partition: per row its group's [first, last] rows and the group's number. */
interface Peers {
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  readonly group: readonly number[];
  /** First and last row of each group. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** The frame [lo, hi] (inclusive, possibly empty) of row i. */
function frame(spec: WindowSpec, elems: readonly Elem[], i: number, peers: Peers, off: number, nargs: number): [number, number] {
  const n = elems.length;
  const bound = (b: FrameBound, isStart: boolean): number => {
    switch (b.kind) {
      case 'unbounded': return isStart ? 0 : n - 1;
      case 'current': return spec.mode === 'rows' ? i : isStart ? peers.lo[i]! : peers.hi[i]!;
      case 'preceding': case 'following': {
        const delta = b.kind === 'preceding' ? -b.n : b.n;
        if (spec.mode === 'rows') return i + delta;
        if (spec.mode === 'groups') {
          const g = peers.group[i]! + delta;
          if (g < 0) return isStart ? 0 : -1;
          if (g >= peers.starts.length) return isStart ? n : n - 1;
          return isStart ? peers.starts[g]! : peers.ends[g]!;
        }
        return rangeBound(spec, elems, i, peers, off + nargs, isStart);
      }
    }
  };
  return [Math.max(0, bound(spec.start, true)), Math.min(n - 1, bound(spec.end, false))];
}

/** The rows of row i's frame, in window order, without the excluded ones. */
function frameRows(spec: WindowSpec, elems: readonly Elem[], i: number, peers: Peers, off: number, nargs: number): number[] {
  const [a, b] = frame(spec, elems, i, peers, off, nargs);
  const out: number[] = [];
  const lo = peers.lo[i]!;
  const hi = peers.hi[i]!;
  for (let j = a; j <= b; j++) {
    if (spec.exclude === 'current' && j === i) continue;
    if (spec.exclude === 'group' && j >= lo && j <= hi) continue;
    if (spec.exclude === 'ties' && j !== i && j >= lo && j <= hi) continue;
    out.push(j);
  }
  return out;
}

/**
 * A RANGE offset bound: the first row whose ORDER BY value is not before the start value, or the
 * last row not after the end value. NULL values are peers of each other only, so a NULL row's frame
 * is its peer group and a non-NULL row's frame never reaches the NULLs.
 */
function rangeBound(spec: WindowSpec, elems: readonly Elem[], i: number, peers: Peers, base: number, isStart: boolean): number {
  const r = spec.range!;
  const key = (j: number): Datum => elems[j]![base + r.key] ?? null;
  const cur = key(i);
  if (cur === null) return isStart ? peers.lo[i]! : peers.hi[i]!;
  const limit = elems[i]![base + (isStart ? r.start! : r.end!)] ?? null;
  // In window order: before(v) is true when v sorts before the limit.
  const cmp = (v: Datum): number => (r.desc ? -1 : 1) * compareDatum(v!, limit!);
  const n = elems.length;
  if (isStart) {
    for (let j = 0; j < n; j++) { const v = key(j); if (v !== null && cmp(v) >= 0) return j; }
    return n;
  }
  for (let j = n - 1; j >= 0; j--) { const v = key(j); if (v !== null && cmp(v) <= 0) return j; }
  return -1;
}

/** Window functions sharing PARTITION BY and ORDER BY: evaluated over one ordering (as PostgreSQL does). */
export interface WindowGroupSpec {
  readonly fns: readonly (WindowSpec & { readonly argOffset: number })[];
}

/** Evaluates window functions over a partition array; one output row [row record, ...results] per element. */
export function evalWindow(arr: Datum, specText: Datum): Row[] {
  if (arr === null) return [];
  const elems = (arr as PgArray).elems as readonly Elem[];
  const group = JSON.parse(specText as string) as WindowGroupSpec;
  const n = elems.length;
  // Peer groups: [first, last] index per row.
  const lo: number[] = new Array(n);
  const hi: number[] = new Array(n);
  const gnum: number[] = new Array(n);
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && peers(elems[i]!, elems[j + 1]!)) j++;
    for (let k = i; k <= j; k++) {
      lo[k] = i;
      hi[k] = j;
      gnum[k] = starts.length;
    }
    starts.push(i);
    ends.push(j);
    i = j + 1;
  }
  const groups: Peers = { lo, hi, group: gnum, starts, ends };
  const out: Row[] = elems.map((e) => [e[0]!]);
  for (const spec of group.fns) {
    const results = evalOne(spec, elems, groups, spec.argOffset);
    for (let i = 0; i < n; i++) (out[i] as Datum[]).push(results[i]!);
  }
  return out;
}

function evalOne(spec: WindowSpec, elems: readonly Elem[], groups: Peers, off: number): Datum[] {
  const n = elems.length;
  const { lo, hi } = groups;
  const nargs = spec.nargs ?? 0;
  const res: Datum[] = [];
  const val = (j: number): Datum => elems[j]![off] ?? null;
  let dense = 0;
  for (let i = 0; i < n; i++) {
    const e = elems[i]!;
    if (lo[i] === i) dense++;
    const arg = (k: number): Datum => e[off + k] ?? null;
    let v: Datum;
    switch (spec.fn) {
      case 'row_number': v = BigInt(i + 1); break;
      case 'rank': v = BigInt(lo[i]! + 1); break;
      case 'dense_rank': v = BigInt(dense); break;
      case 'percent_rank': v = n <= 1 ? 0 : lo[i]! / (n - 1); break;
      case 'cume_dist': v = (hi[i]! + 1) / n; break;
      case 'ntile': {
        const k = arg(0);
        if (k === null) { v = null; break; }
        const buckets = Number(k);
        if (buckets <= 0) throw new EvalError(SqlState.invalidParameterValue, 'argument of ntile must be greater than zero');
        const per = Math.floor(n / buckets);
        const extra = n % buckets;
        // The first `extra` buckets hold per + 1 rows.
        const big = extra * (per + 1);
        v = BigInt(i < big ? Math.floor(i / (per + 1)) + 1 : extra + Math.floor((i - big) / Math.max(per, 1)) + 1);
        break;
      }
      case 'lag': case 'lead': {
        const nargs = spec.nargs ?? 1;
        const offset = nargs >= 2 ? arg(1) : 1;
        if (offset === null) { v = null; break; }
        const j = spec.fn === 'lag' ? i - Number(offset) : i + Number(offset);
        v = j >= 0 && j < n ? val(j) : (nargs >= 3 ? arg(2) : null);
        break;
      }
      case 'first_value': case 'last_value': case 'nth_value': {
        const rows = frameRows(spec, elems, i, groups, off, nargs);
        if (rows.length === 0) { v = null; break; }
        if (spec.fn === 'first_value') v = val(rows[0]!);
        else if (spec.fn === 'last_value') v = val(rows[rows.length - 1]!);
        else {
          const k = arg(1);
          if (k === null) { v = null; break; }
          if (Number(k) <= 0) throw new EvalError(SqlState.invalidParameterValue, 'argument of nth_value must be greater than zero');
          const j = rows[Number(k) - 1];
          v = j !== undefined ? val(j) : null;
        }
        break;
      }
      default: {
        const vals: Datum[] = [];
        for (const j of frameRows(spec, elems, i, groups, off, nargs)) vals.push(spec.star === true ? true : val(j));
        v = aggregate(spec.fn, spec.type, vals, spec.star === true);
      }
    }
    res.push(v);
  }
  return res;
}
