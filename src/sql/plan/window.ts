/**
 * Window functions in the SELECT list and ORDER BY, lowered as Materialize does: per window call, a
 * reduce groups the (post-GROUP BY) rows by the PARTITION BY key and collects each partition, in window
 * order, into an array of (row, order key, arguments) records; the `window_eval` table function
 * (src/expr/func/window.ts) computes every row's result in one go; the rows are then unpacked with
 * their new column. Calls bind to that column (ExprContext.windows).
 */
import type { FuncCall, Node, SortBy, WindowDef } from 'libpg-query';
import { type AggregateExpr, type MirRelationExpr, type MirScalarExpr, Mir, call, col, columnTypes, lit } from '../../expr/index.ts';
import type { FrameBound, WindowSpec } from '../../expr/func/window.ts';
import { type ScalarType, T, arrayOf, typeName } from '../../repr/index.ts';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import { tryCoerce } from './coerce.ts';
import type { ExprContext, WindowPlan } from './context.ts';
import { astKey, bindExpr, bindOperator, nameParts } from './expr.ts';
import { groupKeyExpr, sortKeyExpr } from './sort-key.ts';
import { range } from './subquery.ts';
import { category } from './types.ts';

function collectWindowCalls(n: unknown, out: Map<string, FuncCall>): void {
  if (n === null || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) collectWindowCalls(x, out);
    return;
  }
  const o = n as Record<string, unknown>;
  if ('SubLink' in o) return;
  if ('FuncCall' in o && (o.FuncCall as FuncCall).over !== undefined) {
    const f = o.FuncCall as FuncCall;
    out.set(astKey(f), f);
    return;
  }
  for (const v of Object.values(o)) collectWindowCalls(v, out);
}

const RANKING = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile']);
const VALUE = new Set(['lag', 'lead', 'first_value', 'last_value', 'nth_value']);
const AGGS = new Set(['count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or']);

/** Argument counts [min, max] (count(*) has none). */
const ARITY: Record<string, readonly [number, number]> = {
  row_number: [0, 0], rank: [0, 0], dense_rank: [0, 0], percent_rank: [0, 0], cume_dist: [0, 0], ntile: [1, 1],
  lag: [1, 3], lead: [1, 3], first_value: [1, 1], last_value: [1, 1], nth_value: [2, 2], count: [0, 1],
};

// PostgreSQL's FRAMEOPTION_* bits.
const F = {
  range: 0x2, rows: 0x4, groups: 0x8,
  startUnboundedPreceding: 0x20, endUnboundedFollowing: 0x100, startCurrent: 0x200, endCurrent: 0x400,
  startOffsetPreceding: 0x800, endOffsetPreceding: 0x1000, startOffsetFollowing: 0x2000, endOffsetFollowing: 0x4000,
  excludeCurrent: 0x8000, excludeGroup: 0x10000, excludeTies: 0x20000, nondefault: 0x1,
};

function offsetOf(n: Node | undefined, which: 'starting' | 'ending'): number {
  if (n !== undefined && 'A_Const' in n && n.A_Const.ival !== undefined) {
    const v = n.A_Const.ival.ival ?? 0;
    if (v < 0) throw new SqlError('22013', `frame ${which} offset must not be negative`);
    return v;
  }
  throw unsupported('non-constant window frame offsets');
}

/** A frame: mode and bounds; RANGE offset bounds also carry their offset expressions (unbound). */
interface Frame extends Pick<WindowSpec, 'mode' | 'start' | 'end' | 'exclude'> {
  readonly startOffset?: Node;
  readonly endOffset?: Node;
}

function frameOf(w: WindowDef, hasOrder: boolean): Frame {
  const o = w.frameOptions ?? 0;
  if ((o & F.nondefault) === 0) {
    // Default: RANGE UNBOUNDED PRECEDING .. CURRENT ROW (the whole partition without ORDER BY: all rows are peers).
    return { mode: 'range', start: { kind: 'unbounded' }, end: hasOrder ? { kind: 'current' } : { kind: 'unbounded' } };
  }
  const mode = (o & F.rows) !== 0 ? 'rows' : (o & F.groups) !== 0 ? 'groups' : 'range';
  if (mode === 'groups' && !hasOrder) throw new SqlError('42P20', 'GROUPS mode requires an ORDER BY clause');
  // RANGE offsets are values in the ORDER BY column's domain, bound later against it; ROWS/GROUPS offsets count.
  const count = (n: Node | undefined, which: 'starting' | 'ending'): number => (mode === 'range' ? 0 : offsetOf(n, which));
  const start: FrameBound = (o & F.startUnboundedPreceding) !== 0 ? { kind: 'unbounded' }
    : (o & F.startCurrent) !== 0 ? { kind: 'current' }
    : (o & F.startOffsetPreceding) !== 0 ? { kind: 'preceding', n: count(w.startOffset, 'starting') }
    : { kind: 'following', n: count(w.startOffset, 'starting') };
  const end: FrameBound = (o & F.endUnboundedFollowing) !== 0 ? { kind: 'unbounded' }
    : (o & F.endCurrent) !== 0 ? { kind: 'current' }
    : (o & F.endOffsetPreceding) !== 0 ? { kind: 'preceding', n: count(w.endOffset, 'ending') }
    : (o & F.endOffsetFollowing) !== 0 ? { kind: 'following', n: count(w.endOffset, 'ending') }
    : { kind: 'current' };
  const isOffset = (b: FrameBound): boolean => b.kind === 'preceding' || b.kind === 'following';
  const exclude = (o & F.excludeCurrent) !== 0 ? 'current' : (o & F.excludeGroup) !== 0 ? 'group' : (o & F.excludeTies) !== 0 ? 'ties' : undefined;
  return {
    mode, start, end, ...(exclude !== undefined ? { exclude } : {}),
    ...(mode === 'range' && isOffset(start) && w.startOffset !== undefined ? { startOffset: w.startOffset } : {}),
    ...(mode === 'range' && isOffset(end) && w.endOffset !== undefined ? { endOffset: w.endOffset } : {}),
  };
}

/**
 * RANGE offset bounds as extra window arguments: the row's ORDER BY value and `value ∓ offset` per
 * offset bound (∓ by direction: PRECEDING in a descending order means larger values), all in the
 * bound's type so the evaluator compares like with like (a date key compares as a timestamp).
 */
function rangeArgs(fr: Frame, sorts: readonly SortBy[], orders: readonly MirScalarExpr[], cx: ExprContext): { args: MirScalarExpr[]; range: NonNullable<WindowSpec['range']> } | undefined {
  if (fr.startOffset === undefined && fr.endOffset === undefined) return undefined;
  if (orders.length !== 1) throw new SqlError('42P20', 'RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column');
  // Integer keys are widened first so `value ± offset` cannot overflow where PostgreSQL's in_range does not.
  const wide = ({ int2: T.int8, int4: T.int8, int8: T.numeric } as Partial<Record<string, ScalarType>>)[orders[0]!.type.name];
  const key = wide === undefined ? orders[0]! : tryCoerce(orders[0]!, wide, 'implicit', cx.qc.st) ?? orders[0]!;
  const desc = sorts[0]?.sortby_dir === 'SORTBY_DESC';
  const boundOf = (n: Node, b: FrameBound): MirScalarExpr => {
    let offset = bindExpr(n, { ...cx, clause: 'window frame offset' });
    if (wide !== undefined && ['int2', 'int4', 'int8'].includes(offset.type.name)) offset = tryCoerce(offset, key.type, 'implicit', cx.qc.st) ?? offset;
    if (offset.type.name === 'unknown') {
      // As PostgreSQL's in_range: datetime keys take interval offsets, others their own type.
      const temporal = ['date', 'timestamp', 'timestamptz', 'time', 'interval'].includes(key.type.name);
      offset = tryCoerce(offset, temporal ? T.interval : key.type, 'implicit', cx.qc.st) ?? offset;
    }
    if (offset.kind === 'literal' && offset.value !== null && typeof offset.value !== 'object' && Number(offset.value) < 0) {
      throw new SqlError('22013', 'invalid preceding or following size in window function');
    }
    const plus = (b.kind === 'following') !== desc;
    try {
      return bindOperator(plus ? '+' : '-', [key, offset], cx);
    } catch {
      throw new SqlError('42883', `RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${typeName(key.type)} and offset type ${typeName(offset.type)}`);
    }
  };
  const bounds: MirScalarExpr[] = [];
  const start = fr.startOffset === undefined ? undefined : bounds.push(boundOf(fr.startOffset, fr.start));
  const end = fr.endOffset === undefined ? undefined : bounds.push(boundOf(fr.endOffset, fr.end));
  const type = bounds[0]!.type;
  const cmpKey = key.type.name === type.name ? key : tryCoerce(key, type, 'implicit', cx.qc.st);
  if (cmpKey === undefined || bounds.some((b) => b.type.name !== type.name)) {
    throw new SqlError('42883', `RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${typeName(key.type)}`);
  }
  return { args: [cmpKey, ...bounds], range: { key: 0, ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}), desc } };
}

function resolveWindow(over: WindowDef, named: readonly Node[]): WindowDef {
  const ref = over.refname ?? (over.partitionClause === undefined && over.orderClause === undefined ? over.name : undefined);
  if (ref === undefined) return over;
  const base = named.map((n) => ('WindowDef' in n ? n.WindowDef : undefined)).find((w) => w?.name === ref);
  if (base === undefined) throw new SqlError(SqlState.undefinedObject, `window "${ref}" does not exist`);
  const { name: _n, ...unnamed } = base;
  const resolved = resolveWindow(unnamed, named);
  return {
    ...resolved,
    ...(over.orderClause !== undefined ? { orderClause: over.orderClause } : {}),
    ...(over.frameOptions !== undefined && (over.frameOptions & F.nondefault) !== 0 ? { frameOptions: over.frameOptions, startOffset: over.startOffset, endOffset: over.endOffset } : {}),
  } as WindowDef;
}

function resultType(fn: string, args: readonly MirScalarExpr[]): ScalarType {
  if (fn === 'row_number' || fn === 'rank' || fn === 'dense_rank' || fn === 'ntile' || fn === 'count') return T.int8;
  if (fn === 'percent_rank' || fn === 'cume_dist') return T.float8;
  const a = args[0]?.type ?? T.text;
  if (fn === 'sum' || fn === 'avg') {
    switch (a.name) {
      case 'int2': case 'int4': return fn === 'sum' ? T.int8 : T.numeric;
      case 'int8': case 'numeric': return T.numeric;
      case 'float4': case 'float8': return T.float8;
      case 'interval': return T.interval;
      default: throw new SqlError(SqlState.undefinedFunction, `function ${fn}(${a.name}) does not exist`);
    }
  }
  if (fn === 'bool_and' || fn === 'bool_or') return T.bool;
  return a.typmod === undefined ? a : { name: a.name };
}

/**
 * `agg(x) FILTER (WHERE p) OVER w` as `agg(CASE WHEN p THEN x END) OVER w` (count(*): `count(CASE WHEN
 * p THEN 1 END)`): exact, because every window aggregate supported here ignores NULL inputs.
 */
function filterAsCase(f: FuncCall, p: Node): FuncCall {
  const { agg_filter: _p, agg_star: _star, ...rest } = f;
  const first: Node = f.agg_star === true ? { A_Const: { ival: { ival: 1 } } } : f.args![0]!;
  const guarded: Node = { CaseExpr: { args: [{ CaseWhen: { expr: p, result: first } }] } };
  return { ...rest, args: [guarded, ...(f.args ?? []).slice(1)] };
}

/** Plans the window calls of a SELECT, extending `cx.host.rel`; undefined when there are none. */
export function planWindows(targets: readonly Node[], sortBys: readonly SortBy[], named: readonly Node[], cx: ExprContext): WindowPlan | undefined {
  const calls = new Map<string, FuncCall>();
  collectWindowCalls(targets, calls);
  collectWindowCalls(sortBys.map((s) => s.node), calls);
  if (calls.size === 0) return undefined;
  const host = cx.host!;
  const results = new Map<string, MirScalarExpr>();
  // Calls sharing PARTITION BY and ORDER BY are computed over one ordering, in one pass.
  const groups = new Map<string, { parts: MirScalarExpr[]; sorts: SortBy[]; orders: MirScalarExpr[]; calls: { key: string; spec: WindowSpec; args: MirScalarExpr[]; type: ScalarType }[] }>();
  const { windows: _w, ...outer } = cx;
  const inner: ExprContext = { ...outer, clause: 'window function' };
  for (const [key, original] of calls) {
    let f = original;
    const fn = nameParts(f.funcname).at(-1)!;
    if (!RANKING.has(fn) && !VALUE.has(fn) && !AGGS.has(fn)) throw unsupported(`window function ${fn}`);
    if (f.agg_distinct === true) throw new SqlError(SqlState.featureNotSupported, 'DISTINCT is not implemented for window functions');
    if (f.agg_filter !== undefined && !AGGS.has(fn)) throw new SqlError(SqlState.featureNotSupported, 'FILTER is not implemented for non-aggregate window functions');
    const w = resolveWindow(f.over!, named);
    f = f.agg_filter === undefined ? f : filterAsCase(f, f.agg_filter);
    if ((f.args ?? []).some((a) => hasWindowCall(a))) throw new SqlError('42P20', 'window function calls cannot be nested');
    let args = (f.args ?? []).map((a) => bindExpr(a, inner));
    const [lo, hi] = ARITY[fn] ?? [1, 1];
    if (args.length < lo || args.length > hi || (f.agg_star === true && fn !== 'count')) {
      throw new SqlError(SqlState.undefinedFunction, `function ${fn}(${args.map((a) => typeName(a.type)).join(', ')}) does not exist`, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
    }
    if (fn === 'count' && f.agg_star === true) args = [];
    if (fn === 'ntile' || fn === 'nth_value' || fn === 'lag' || fn === 'lead') {
      args = args.map((a, i) => (i === 0 && fn !== 'ntile' ? a : tryCoerce(a, T.int4, 'implicit', cx.qc.st) ?? a));
    }
    if ((fn === 'lag' || fn === 'lead') && args.length === 3) {
      const d = tryCoerce(args[2]!, args[0]!.type, 'implicit', cx.qc.st);
      if (d === undefined) throw new SqlError(SqlState.undefinedFunction, `function ${fn} does not exist`);
      args[2] = d;
    }
    if ((fn === 'sum' || fn === 'avg') && args[0] !== undefined && category(args[0].type) !== 'N' && args[0].type.name !== 'interval') {
      throw new SqlError(SqlState.undefinedFunction, `function ${fn}(${args[0].type.name}) does not exist`);
    }
    const sorts = (w.orderClause ?? []).map((n) => ('SortBy' in n ? n.SortBy : undefined)).filter((x): x is SortBy => x !== undefined);
    const type = resultType(fn, args);
    const { startOffset: _s, endOffset: _e, ...fr } = frameOf(w, sorts.length > 0);
    const ranged = rangeArgs(frameOf(w, sorts.length > 0), sorts, sorts.map((sb) => bindExpr(sb.node!, inner)), inner);
    const spec: WindowSpec = {
      fn, ...fr, type: type.name, nargs: args.length, ...(fn === 'count' && f.agg_star === true ? { star: true } : {}),
      ...(ranged !== undefined ? { range: ranged.range } : {}),
    };
    if (ranged !== undefined) args = [...args, ...ranged.args];
    const gk = astKey([w.partitionClause ?? [], w.orderClause ?? []]);
    let g = groups.get(gk);
    if (g === undefined) {
      // In a correlated subquery every window is also partitioned by the outer key (the leading D columns).
      const k = cx.qc.corr?.items.length ?? 0;
      const hostTypes = columnTypes(host.rel);
      const dParts = range(0, k).map((i) => col(i, hostTypes[i]!));
      g = { parts: [...dParts, ...(w.partitionClause ?? []).map((x) => bindExpr(x, inner))], sorts, orders: sorts.map((sb) => sortKeyExpr(bindExpr(sb.node!, inner))), calls: [] };
      groups.set(gk, g);
    }
    g.calls.push({ key, spec, args, type });
  }
  for (const g of groups.values()) {
    const { parts, sorts, orders } = g;
    const args = g.calls.flatMap((c) => c.args);
    let off = 2;
    const fns = g.calls.map((c) => {
      const at = off;
      off += c.args.length;
      return { ...c.spec, argOffset: at };
    });
    const rel = host.rel;
    const types = columnTypes(rel);
    const h = types.length;
    const rowType: ScalarType = { name: 'record', fields: types.map((t, i) => ({ name: `f${i + 1}`, type: t })) };
    const rowRec = call('record_create', range(0, h).map((i) => col(i, types[i]!)), rowType);
    const orderRec = call('record_create', orders, { name: 'record', fields: orders.map((o, i) => ({ name: `o${i + 1}`, type: o.type })) });
    const elemType: ScalarType = { name: 'record', fields: [{ name: 'row', type: rowType }, { name: 'key', type: orderRec.type }, ...args.map((a, i) => ({ name: `a${i + 1}`, type: a.type }))] };
    const elem = call('record_create', [rowRec, orderRec, ...args], elemType);
    // map: partition keys, the element, the order keys; reduce by partition collecting ordered elements.
    const withCols = Mir.map(rel, [...parts, elem, ...orders]);
    const p = parts.length;
    const agg: AggregateExpr = {
      func: 'array_agg', expr: col(h + p, elemType), distinct: false, type: arrayOf(elemType),
      orderBy: sorts.map((sb, i) => sortOrder(sb, i)), orderByExprs: orders.map((_o, i) => col(h + p + 1 + i, orders[i]!.type)),
    };
    // jsonb partitions by value (groupKeyExpr); the partition key columns are dropped below.
    const red = Mir.reduce(withCols, parts.map((x, i) => groupKeyExpr(col(h + i, x.type))), [agg]);
    const m = g.calls.length;
    const fm: MirRelationExpr = {
      kind: 'flatMap', input: red, func: 'window_eval', exprs: [col(p, arrayOf(elemType)), lit(JSON.stringify({ fns }), T.text)],
      types: [rowType, ...g.calls.map((c) => c.type)],
    };
    // flatMap output: partition keys, array, row record, results; unpack the row record after them.
    const rowCol = p + 1;
    const unpacked = Mir.map(fm, range(0, h).map((i) => call('record_get', [col(rowCol, rowType), lit(i, T.int4)], types[i]!)));
    const base = p + 2 + m;
    host.rel = Mir.project(unpacked, [...range(base, h), ...range(p + 2, m)]);
    g.calls.forEach((c, i) => results.set(c.key, col(h + i, c.type)));
  }
  return { lookup: (key) => results.get(key) };
}

function sortOrder(sb: SortBy, column: number): { column: number; desc: boolean; nullsLast: boolean } {
  if (sb.sortby_dir === 'SORTBY_USING') throw unsupported('ORDER BY ... USING');
  const desc = sb.sortby_dir === 'SORTBY_DESC';
  const nullsLast = sb.sortby_nulls === 'SORTBY_NULLS_LAST' ? true : sb.sortby_nulls === 'SORTBY_NULLS_FIRST' ? false : !desc;
  return { column, desc, nullsLast };
}

function hasWindowCall(n: unknown): boolean {
  const m = new Map<string, FuncCall>();
  collectWindowCalls(n, m);
  return m.size > 0;
}
