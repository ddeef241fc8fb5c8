/**
 * Array functions with PostgreSQL's semantics: subscripts and slices (any lower bound, NULL out of
 * range), multidimensional constructors, element-wise casts, array_length/lower/upper/ndims/dims,
 * cardinality, array_position(s), array_append/prepend/replace, string_to_array.
 */
import { type Datum, PgArray, type ScalarType, T, datumKey, formatText, parseText } from '../../repr/index.ts';
import { lookupFunc } from '../func.ts';
import { eager } from '../func.ts';
import { EvalError, SqlState, asEval } from './util.ts';

const arr = (d: Datum | undefined): PgArray => d as PgArray;
const MAX_DIMS = 6;

/** Row-major offset of a subscript tuple, or undefined when out of range (or the wrong number of subscripts). */
function offsetOf(a: PgArray, subs: readonly number[]): number | undefined {
  if (subs.length !== a.dims.length) return undefined;
  let off = 0;
  for (let d = 0; d < subs.length; d++) {
    const dim = a.dims[d]!;
    const i = subs[d]! - dim.lower;
    if (i < 0 || i >= dim.length) return undefined;
    off = off * dim.length + i;
  }
  return off;
}

/** a[i][j]...: NULL when out of range, as PostgreSQL. */
eager('array_subscript', ([a, ...subs]) => {
  if (a === null || subs.some((s) => s === null)) return null;
  const off = offsetOf(arr(a), subs as number[]);
  return off === undefined ? null : arr(a).elems[off] ?? null;
}, false);

/**
 * a[lo:hi]...: `omitted` is a string of one flag per bound ('1' = omitted: the array's own bound).
 * The result has lower bounds 1; an empty range gives an empty array.
 */
eager('array_slice', ([a, omitted, ...bounds]) => {
  if (a === null) return null;
  const x = arr(a);
  const flags = omitted as string;
  if (bounds.some((b, i) => b === null && flags[i] !== '1')) return null;
  const nd = bounds.length / 2;
  if (x.dims.length === 0 || nd > x.dims.length) return new PgArray([]);
  const ranges: [number, number][] = [];
  for (let d = 0; d < x.dims.length; d++) {
    const dim = x.dims[d]!;
    let lo = dim.lower;
    let hi = dim.lower + dim.length - 1;
    if (d < nd) {
      if (flags[2 * d] !== '1') lo = Math.max(lo, bounds[2 * d] as number);
      if (flags[2 * d + 1] !== '1') hi = Math.min(hi, bounds[2 * d + 1] as number);
    }
    if (lo > hi) return new PgArray([]);
    ranges.push([lo, hi]);
  }
  const out: Datum[] = [];
  const idx = ranges.map((r) => r[0]);
  for (;;) {
    out.push(x.elems[offsetOf(x, idx)!] ?? null);
    let d = idx.length - 1;
    while (d >= 0 && idx[d] === ranges[d]![1]) {
      idx[d] = ranges[d]![0];
      d--;
    }
    if (d < 0) break;
    idx[d]!++;
  }
  return new PgArray(out, ranges.map(([lo, hi]) => ({ length: hi - lo + 1, lower: 1 })));
}, false);

/**
 * array_agg over arrays (and ARRAY(subquery) of arrays): the inputs stacked into one more dimension,
 * as PostgreSQL's array_agg(anyarray), which refuses NULL and differently shaped inputs.
 */
export function stackArrays(items: readonly Datum[]): PgArray {
  if (items.some((x) => x === null)) throw new EvalError('22004', 'cannot accumulate null arrays');
  const parts = items as PgArray[];
  if (parts.some((p) => p.dims.length === 0)) throw new EvalError('2202E', 'cannot accumulate empty arrays');
  const first = parts[0];
  if (first === undefined) return new PgArray([]);
  if (parts.some((p) => p.dims.length !== first.dims.length || p.dims.some((d, i) => d.length !== first.dims[i]!.length))) {
    throw new EvalError('2202E', 'cannot accumulate arrays of different dimensionality');
  }
  return new PgArray(parts.flatMap((p) => p.elems), [{ length: parts.length, lower: 1 }, ...first.dims]);
}

/** ARRAY[ARRAY[..], ARRAY[..]]: sub-arrays of equal dimensions stacked into one more dimension. */
eager('array_stack', (subs) => {
  const parts = subs.filter((s) => s !== null) as PgArray[];
  if (parts.length === 0) return new PgArray([]);
  const nonEmpty = parts.filter((p) => p.dims.length > 0);
  if (nonEmpty.length === 0) return new PgArray([]);
  const first = nonEmpty[0]!;
  if (nonEmpty.length !== parts.length || parts.some((p) => p.dims.length !== first.dims.length || p.dims.some((d, i) => d.length !== first.dims[i]!.length))) {
    throw new EvalError('2202E', 'multidimensional arrays must have array expressions with matching dimensions');
  }
  if (first.dims.length + 1 > MAX_DIMS) throw new EvalError(SqlState.programLimitExceeded, `number of array dimensions (${first.dims.length + 1}) exceeds the maximum allowed (${MAX_DIMS})`);
  return new PgArray(parts.flatMap((p) => p.elems), [{ length: parts.length, lower: 1 }, ...first.dims.map((d) => ({ length: d.length, lower: d.lower }))]);
}, false);

/** array → array with an element cast (`cast_array(a, elemCastFunc)`); the call's type gives the element type. */
eager('cast_array', ([a, fname], type, ctx) => {
  const f = lookupFunc(fname as string);
  if (f.kind !== 'eager') throw new Error(`internal error: ${String(fname)} is not an eager function`);
  const elem = type.elem ?? T.text;
  const x = arr(a);
  return new PgArray(x.elems.map((e) => (e === null && f.strict ? null : f.eval([e], elem, ctx))), x.dims);
});

const dimOf = (a: PgArray, d: number): { length: number; lower: number } | undefined => a.dims[d - 1];
eager('array_length', ([a, d]) => dimOf(arr(a), d as number)?.length ?? null);
eager('array_lower', ([a, d]) => dimOf(arr(a), d as number)?.lower ?? null);
eager('array_upper', ([a, d]) => {
  const dim = dimOf(arr(a), d as number);
  return dim === undefined ? null : dim.lower + dim.length - 1;
});
eager('cardinality', ([a]) => arr(a).elems.length);
eager('array_ndims', ([a]) => (arr(a).dims.length === 0 ? null : arr(a).dims.length));
eager('array_dims', ([a]) => (arr(a).dims.length === 0 ? null : arr(a).dims.map((d) => `[${d.lower}:${d.lower + d.length - 1}]`).join('')));

const same = (x: Datum, y: Datum): boolean => x === y || (x !== null && y !== null && datumKey(x) === datumKey(y));
function oneDim(a: PgArray): void {
  if (a.dims.length > 1) throw new EvalError(SqlState.featureNotSupported, `searching for elements in multidimensional arrays is not supported`);
}
eager('array_position', ([a, v, start]) => {
  if (a === null) return null;
  const x = arr(a);
  oneDim(x);
  const lower = x.dims[0]?.lower ?? 1;
  if (start === null) throw new EvalError('22004', 'initial position must not be null');
  const from = start === undefined ? 0 : Math.max((start as number) - lower, 0);
  for (let i = from; i < x.elems.length; i++) if (same(x.elems[i]!, v ?? null)) return i + lower;
  return null;
}, false);
eager('array_positions', ([a, v]) => {
  if (a === null) return null;
  const x = arr(a);
  oneDim(x);
  const lower = x.dims[0]?.lower ?? 1;
  const out: Datum[] = [];
  x.elems.forEach((e, i) => {
    if (same(e, v ?? null)) out.push(i + lower);
  });
  return new PgArray(out);
}, false);

function oneDimOrEmpty(a: PgArray): void {
  if (a.dims.length > 1) throw new EvalError('2202E', `argument must be empty or one-dimensional array`);
}
eager('array_append', ([a, v]) => {
  if (a === null) return new PgArray([v ?? null]);
  oneDimOrEmpty(arr(a));
  const x = arr(a);
  return new PgArray([...x.elems, v ?? null], [{ length: x.elems.length + 1, lower: x.dims[0]?.lower ?? 1 }]);
}, false);
eager('array_prepend', ([v, a]) => {
  if (a === null) return new PgArray([v ?? null]);
  oneDimOrEmpty(arr(a));
  const x = arr(a);
  return new PgArray([v ?? null, ...x.elems], [{ length: x.elems.length + 1, lower: x.dims[0]?.lower ?? 1 }]);
}, false);
eager('array_replace', ([a, from, to]) => {
  if (a === null) return null;
  const x = arr(a);
  return new PgArray(x.elems.map((e) => (same(e, from ?? null) ? (to ?? null) : e)), x.dims);
}, false);
/** array || array, any element type: one-dimensional arrays concatenate; an N-1-dimensional operand adds a row. */
eager('array_concat', ([a, b]) => {
  if (a === null) return b ?? null;
  if (b === null) return a ?? null;
  const x = arr(a);
  const y = arr(b);
  if (x.dims.length === 0) return y;
  if (y.dims.length === 0) return x;
  if (x.dims.length === y.dims.length) {
    if (x.dims.slice(1).some((d, i) => d.length !== y.dims[i + 1]!.length)) {
      throw new EvalError('2202E', 'cannot concatenate incompatible arrays', 'Arrays with differing element dimensions are not compatible for concatenation.');
    }
    return new PgArray([...x.elems, ...y.elems], [{ length: x.dims[0]!.length + y.dims[0]!.length, lower: x.dims[0]!.lower }, ...x.dims.slice(1)]);
  }
  if (x.dims.length === y.dims.length + 1 && y.dims.every((d, i) => d.length === x.dims[i + 1]!.length)) {
    return new PgArray([...x.elems, ...y.elems], [{ length: x.dims[0]!.length + 1, lower: x.dims[0]!.lower }, ...x.dims.slice(1)]);
  }
  if (y.dims.length === x.dims.length + 1 && x.dims.every((d, i) => d.length === y.dims[i + 1]!.length)) {
    return new PgArray([...x.elems, ...y.elems], [{ length: y.dims[0]!.length + 1, lower: y.dims[0]!.lower }, ...y.dims.slice(1)]);
  }
  throw new EvalError('2202E', 'cannot concatenate incompatible arrays', `Arrays of ${x.dims.length} and ${y.dims.length} dimensions are not compatible for concatenation.`);
}, false);

eager('string_to_array', ([s, d, n]) => {
  if (s === null) return null;
  const str = s as string;
  if (str === '') return new PgArray([]);
  let parts: string[];
  if (d === null) parts = Array.from(str);
  else if (d === '') parts = [str];
  else parts = str.split(d as string);
  return new PgArray(parts.map((p) => (n !== null && n !== undefined && p === n ? null : p)));
}, false);

/** Text of an array element for array_to_string-like functions. */
export function elemText(e: Datum, type: ScalarType): string {
  return formatText(e, type) ?? '';
}

eager('cast_text_to_array', ([v], type) => asEval(() => parseText(v as string, type)));

/** a @> b: every element of b equals some element of a (NULL elements match nothing). */
eager('array_contains', ([a, b]) => {
  const keys = new Set(arr(a).elems.filter((e) => e !== null).map((e) => datumKey(e)));
  return arr(b).elems.every((e) => e !== null && keys.has(datumKey(e)));
});
eager('array_overlap', ([a, b]) => {
  const keys = new Set(arr(a).elems.filter((e) => e !== null).map((e) => datumKey(e)));
  return arr(b).elems.some((e) => e !== null && keys.has(datumKey(e)));
});
