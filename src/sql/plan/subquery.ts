/**
 * Subqueries in expressions (EXISTS, IN/ANY/ALL, scalar subqueries), decorrelated as Materialize does:
 * never evaluated per row. A subquery is planned twice: first to learn which outer columns it references,
 * then (if any) against D, the distinct values of those columns in the outer relation, so that it yields
 * one result per outer key; the result is joined back to the outer relation on the key (NULL-safe, via
 * record keys), with a default for keys that produced no row.
 *
 * The outer relation being extended is a `SubqueryHost`: binding an expression that contains a subquery
 * appends columns to `host.rel` and refers to them.
 */
import type { Node, SubLink } from 'libpg-query';
import {
  type AggregateExpr, type MirRelationExpr, type MirScalarExpr, Mir, arity, call, col, columnTypes, columnsUsed, ifThen, lit,
  permuteColumns,
} from '../../expr/index.ts';
import { PgArray, type ScalarType, T, arrayOf } from '../../repr/index.ts';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import { coerceBool, tryCoerce } from './coerce.ts';
import { type ExprContext, type OuterLevel, type PlannedQuery, type QueryContext, freshId } from './context.ts';
import { Scope, type ScopeItem } from './scope.ts';

/** The relation an expression with subqueries is bound over; subqueries append columns to it. */
export class SubqueryHost {
  rel: MirRelationExpr;
  /** Names visible to correlated references (index i = scope item i). */
  readonly scope: Scope;
  /** Maps a scope index to a column of `rel` (grouped queries: the group key column; else identity). */
  readonly colMap: (i: number) => number;
  /** Set-returning functions may expand the host (SELECT list only). */
  readonly allowSrf: boolean;
  srfCount = 0;

  constructor(rel: MirRelationExpr, scope: Scope, colMap: (i: number) => number = (i) => i, allowSrf = false) {
    this.rel = rel;
    this.scope = scope;
    this.colMap = colMap;
    this.allowSrf = allowSrf;
  }

  /** Appends a column computed by `e` over the current row; returns its index. */
  addColumn(e: MirScalarExpr): number {
    if (e.kind === 'column') return e.index;
    const n = arity(this.rel);
    this.rel = Mir.map(this.rel, [e]);
    return n;
  }
}

/** Planned with the subquery planner registered by query.ts (avoids an import cycle). */
let planQueryFn: ((n: Node, qc: QueryContext) => PlannedQuery) | undefined;
export function registerCorrelatedPlanner(f: (n: Node, qc: QueryContext) => PlannedQuery): void {
  planQueryFn = f;
}

/** A NULL-safe join key: a record of the columns (never NULL itself, equal iff all fields are identical). */
function recordKey(cols: readonly number[], types: readonly ScalarType[], shift: number): MirScalarExpr {
  const fields = cols.map((c, i) => ({ name: `f${i + 1}`, type: types[c]! }));
  return call('record_create', cols.map((c) => col(c + shift, types[c]!)), { name: 'record', fields });
}

/**
 * The join equivalence matching `lcols` of the left input with `rcols` of the right input (whose
 * columns start at `shift` in the joined row), NULL-safely; none (a cross join) for empty keys.
 */
export function keyEquivalence(lcols: readonly number[], ltypes: readonly ScalarType[], rcols: readonly number[], rtypes: readonly ScalarType[], shift: number): MirScalarExpr[][] {
  if (lcols.length === 0) return [];
  return [[recordKey(lcols, ltypes, 0), recordKey(rcols, rtypes, shift)]];
}

export const range = (from: number, n: number): number[] => Array.from({ length: n }, (_x, i) => from + i);

/** Distinct rows of `e` (a reduce with no aggregates). */
export function distinct(e: MirRelationExpr): MirRelationExpr {
  const types = columnTypes(e);
  return Mir.reduce(e, types.map((t, i) => col(i, t)), []);
}

/** A subquery planned against the host: output = visible columns, then the D columns (if correlated). */
interface Correlated {
  readonly q: PlannedQuery;
  /** Host columns forming D (empty when uncorrelated). */
  readonly dHostCols: readonly number[];
  /** Let ids of the host relation and of D (correlated only). */
  readonly hostId?: number;
  readonly dId?: number;
  readonly dExpr?: MirRelationExpr;
  /** Further Let bindings (inside the host's and D's) that the result reads. */
  readonly extraLets?: readonly { readonly id: number; readonly value: MirRelationExpr }[];
}

/**
 * Plans `node` as a subquery of `host`. `extraCols` (host columns, e.g. the left side of IN) join D
 * without being visible by name; `force` makes an uncorrelated subquery run against D anyway (so it is
 * only evaluated when the host has rows).
 */
function correlate(host: SubqueryHost, node: Node, qc: QueryContext, extraCols: readonly number[], force: boolean): Correlated {
  const level: OuterLevel = { scope: host.scope, refs: new Set(), ...(qc.outer !== undefined ? { parent: qc.outer } : {}) };
  const { corr: _c, ...base } = qc;
  const q1 = planQueryFn!(node, { ...base, outer: level });
  const refs = [...level.refs].sort((a, b) => a - b);
  if (refs.length === 0 && extraCols.length === 0 && !force) return { q: q1, dHostCols: [] };
  const dHostCols = [...refs.map((i) => host.colMap(i)), ...extraCols];
  const hostTypes = columnTypes(host.rel);
  const hostId = freshId(qc);
  const dId = freshId(qc);
  const hostGet = Mir.get({ local: hostId }, hostTypes);
  const dExpr = distinct(Mir.project(hostGet, dHostCols));
  const dTypes = dHostCols.map((c) => hostTypes[c]!);
  const items: ScopeItem[] = [
    ...refs.map((i) => ({ ...host.scope.items[i]!, type: dTypes[refs.indexOf(i)]!, outer: true })),
    ...extraCols.map((_c, j) => ({ name: `?lhs${j}?`, type: dTypes[refs.length + j]!, nullable: true, outer: true })),
  ];
  const level2: OuterLevel = { scope: host.scope, refs: new Set(), ...(qc.outer !== undefined ? { parent: qc.outer } : {}) };
  const q2 = planQueryFn!(node, { ...base, outer: level2, corr: { d: Mir.get({ local: dId }, dTypes), items } });
  return { q: q2, dHostCols, hostId, dId, dExpr };
}

/**
 * Extends the host with the values of `r` (columns: `nvals` values, then the D columns), which has at
 * most one row per D key; host rows whose key has no row in `r` get `defaults`. Returns the indexes of
 * the new host columns.
 */
function lookup(host: SubqueryHost, c: Correlated, r: MirRelationExpr, nvals: number, defaults: readonly MirScalarExpr[], qc: QueryContext): number[] {
  const hostTypes = columnTypes(host.rel);
  const h = hostTypes.length;
  const rId = freshId(qc);
  const rTypes = columnTypes(r);
  const rGet = Mir.get({ local: rId }, rTypes);
  const k = c.dHostCols.length;
  const rKey = range(nvals, k);
  const hostRel = host.rel;
  let hostGet: MirRelationExpr;
  let dGet: MirRelationExpr;
  const wrap: ((body: MirRelationExpr) => MirRelationExpr)[] = [];
  if (c.hostId !== undefined) {
    hostGet = Mir.get({ local: c.hostId }, hostTypes);
    dGet = Mir.get({ local: c.dId! }, c.dHostCols.map((x) => hostTypes[x]!));
    const hostId = c.hostId;
    const dId = c.dId!;
    const dExpr = c.dExpr!;
    const extra = c.extraLets ?? [];
    wrap.push((b) => ({
      kind: 'let', id: hostId, value: hostRel,
      body: { kind: 'let', id: dId, value: dExpr, body: extra.reduceRight<MirRelationExpr>((acc, l) => ({ kind: 'let', id: l.id, value: l.value, body: acc }), b) },
    }));
  } else {
    const hostId = freshId(qc);
    hostGet = Mir.get({ local: hostId }, hostTypes);
    dGet = distinct(Mir.project(hostGet, []));
    wrap.push((b) => ({ kind: 'let', id: hostId, value: hostRel, body: b }));
  }
  const dTypes = columnTypes(dGet);
  const matched = Mir.project(
    Mir.join([hostGet, rGet], keyEquivalence(c.dHostCols, hostTypes, rKey, rTypes, h)),
    [...range(0, h), ...range(h, nvals)],
  );
  const missing = Mir.union(dGet, [Mir.negate(Mir.project(rGet, rKey))]);
  const unmatched = Mir.map(
    Mir.project(Mir.join([hostGet, missing], keyEquivalence(c.dHostCols, hostTypes, range(0, k), dTypes, h)), range(0, h)),
    defaults,
  );
  const body: MirRelationExpr = { kind: 'let', id: rId, value: r, body: Mir.union(matched, [unmatched]) };
  host.rel = wrap.reduceRight<MirRelationExpr>((b, f) => f(b), body);
  return range(h, nvals);
}

const SCALAR_CARDINALITY = 'more than one row returned by a subquery used as an expression';

/** Binds a SubLink in an expression whose relation is `cx.host`. */
export function bindSubLink(s: SubLink, cx: ExprContext, bind: (n: Node, cx: ExprContext) => MirScalarExpr): MirScalarExpr {
  const host = cx.host;
  if (host === undefined) throw unsupported(`subqueries in ${cx.clause}`);
  const qc = cx.qc;
  const sub = s.subselect!;
  switch (s.subLinkType) {
    case 'EXISTS_SUBLINK': {
      const c = correlate(host, sub, qc, [], false);
      const n = c.q.scope.items.length;
      const k = c.dHostCols.length;
      const r = Mir.project(Mir.map(distinct(Mir.project(c.q.expr, range(n, k))), [lit(true, T.bool)]), [k, ...range(0, k)]);
      const [i] = lookup(host, c, r, 1, [lit(false, T.bool)], qc);
      return col(i!, T.bool);
    }
    case 'EXPR_SUBLINK': {
      const c = correlate(host, sub, qc, [], true);
      const n = c.q.scope.items.length;
      if (n !== 1) throw new SqlError(SqlState.syntaxError, 'subquery must return only one column');
      const k = c.dHostCols.length;
      const types = columnTypes(c.q.expr);
      if (atMostOneRow(sub)) {
        const [j] = lookup(host, c, c.q.expr, 1, [lit(null, types[0]!)], qc);
        return col(j!, types[0]!);
      }
      const sId = freshId(qc);
      const sGet = Mir.get({ local: sId }, types);
      const counts = Mir.reduce(sGet, range(1, k).map((i) => col(i, types[i]!)), [{ func: 'count_star', expr: lit(true, T.bool), distinct: false, type: T.int8 }]);
      const ctypes = columnTypes(counts);
      const cnt = col(1 + k + k, T.int8);
      const tooMany = call('gt', [cnt, lit(1n, T.int8)], T.bool);
      const err = call('raise_error', [lit('21000', T.text), lit(SCALAR_CARDINALITY, T.text)], T.bool);
      const checked = Mir.project(
        Mir.filter(Mir.join([sGet, counts], keyEquivalence(range(1, k), types, range(0, k), ctypes, 1 + k)), [ifThen(tooMany, err, lit(true, T.bool))]),
        range(0, 1 + k),
      );
      const r: MirRelationExpr = { kind: 'let', id: sId, value: c.q.expr, body: checked };
      const [i] = lookup(host, c, r, 1, [lit(null, types[0]!)], qc);
      return col(i!, types[0]!);
    }
    case 'ANY_SUBLINK': case 'ALL_SUBLINK': {
      const any = s.subLinkType === 'ANY_SUBLINK';
      const op = s.operName === undefined ? '=' : (s.operName.map((x) => ('String' in x ? x.String.sval ?? '' : '')).at(-1) ?? '=');
      const test = s.testexpr!;
      const lhsNodes = 'RowExpr' in test ? test.RowExpr.args ?? [] : [test];
      let lhs = lhsNodes.map((x) => bind(x, cx));
      if (lhs.some((e) => e.type.name === 'unknown')) lhs = resolveUnknownLhs(lhs, host, sub, qc);
      const lhsCols = lhs.map((e) => host.addColumn(e));
      if (any && op === '=' && lhs.length === 1) {
        const v = inEquijoin(host, sub, qc, lhsCols[0]!, lhs[0]!.type);
        if (v !== undefined) return v;
      }
      const c = correlate(host, sub, qc, lhsCols, true);
      const m = c.q.scope.items.length;
      if (m !== lhs.length) {
        throw new SqlError(SqlState.syntaxError, m > lhs.length ? 'subquery has too many columns' : 'subquery has too few columns');
      }
      const k = c.dHostCols.length;
      const types = columnTypes(c.q.expr);
      const refsLen = k - lhs.length;
      const ocx: ExprContext = { qc, scope: Scope.empty(), clause: any ? 'ANY' : 'ALL' };
      const cmps = lhs.map((l, j) => {
        const lcol = col(m + refsLen + j, types[m + refsLen + j]!);
        const scol = col(j, types[j]!);
        return coerceBool(bindOperatorFn!(op, [lcol, scol], ocx), 'ANY', qc.st);
      });
      const cmp = cmps.length === 1 ? cmps[0]! : call('and', cmps, T.bool);
      const probe = any ? cmp : call('not', [cmp], T.bool);
      const aggs: AggregateExpr[] = [
        { func: 'bool_or', expr: probe, distinct: false, type: T.bool },
        { func: 'bool_or', expr: call('is_null', [cmp], T.bool), distinct: false, type: T.bool },
      ];
      const red = Mir.reduce(c.q.expr, range(m, k).map((i) => col(i, types[i]!)), aggs);
      const hit = col(k, T.bool);
      const sawNull = col(k + 1, T.bool);
      const value = ifThen(hit, lit(any, T.bool), ifThen(sawNull, lit(null, T.bool), lit(!any, T.bool)));
      const r = Mir.project(Mir.map(red, [value]), [k + 2, ...range(0, k)]);
      const [i] = lookup(host, c, r, 1, [lit(!any, T.bool)], qc);
      return col(i!, T.bool);
    }
    case 'ARRAY_SUBLINK': {
      const c = correlate(host, sub, qc, [], true);
      if (c.q.scope.items.length !== 1) throw new SqlError(SqlState.syntaxError, 'subquery must return only one column');
      const k = c.dHostCols.length;
      // The subquery's ORDER BY orders the array: aggregate over the unprojected rows.
      const ordered = c.q.ordered;
      const input = ordered?.expr ?? c.q.expr;
      const types = columnTypes(input);
      const elem = types[0]!;
      // ARRAY(subquery) of arrays stacks them into one more dimension (same array type).
      const arrType = elem.name === 'array' ? elem : arrayOf(elem);
      const agg: AggregateExpr = {
        func: 'array_agg', expr: col(0, elem), distinct: false, type: arrType,
        ...(ordered !== undefined ? { orderBy: ordered.order.map((o, i) => ({ ...o, column: i })), orderByExprs: ordered.order.map((o) => col(o.column, types[o.column]!)) } : {}),
      };
      const red = Mir.reduce(input, range(1, k).map((i) => col(i, types[i]!)), [agg]);
      const r = Mir.project(red, [k, ...range(0, k)]);
      const [i] = lookup(host, c, r, 1, [lit(new PgArray([]), arrType)], qc);
      return col(i!, arrType);
    }
    default: throw unsupported(`subquery kind ${s.subLinkType ?? ''}`);
  }
}

/**
 * `NULL IN (SELECT x ...)`: an untyped left side takes the type of the subquery's column, as PostgreSQL
 * resolves it (the subquery is planned once, without D, only to learn its column types).
 */
function resolveUnknownLhs(lhs: readonly MirScalarExpr[], host: SubqueryHost, sub: Node, qc: QueryContext): MirScalarExpr[] {
  const level: OuterLevel = { scope: host.scope, refs: new Set(), ...(qc.outer !== undefined ? { parent: qc.outer } : {}) };
  const { corr: _c, ...base } = qc;
  const q = planQueryFn!(sub, { ...base, outer: level });
  const types = q.scope.items.map((it) => it.type);
  return lhs.map((e, j) => {
    const t = types[j];
    if (e.type.name !== 'unknown' || t === undefined) return e;
    return tryCoerce(e, t.name === 'unknown' ? T.text : t, 'implicit', qc.st) ?? e;
  });
}

/** Registered by expr.ts (operator binding lives there). */
let bindOperatorFn: ((op: string, args: MirScalarExpr[], cx: ExprContext) => MirScalarExpr) | undefined;
export function registerOperatorBinder(f: (op: string, args: MirScalarExpr[], cx: ExprContext) => MirScalarExpr): void {
  bindOperatorFn = f;
}

/** A correlated reference found in an enclosing level: recorded there; a placeholder during the first pass. */
export function resolveOuter(parts: readonly string[], level: OuterLevel | undefined): MirScalarExpr | undefined {
  let forbidden: string | undefined;
  for (let l = level; l !== undefined; l = l.parent) {
    if (l.forbid !== undefined) forbidden ??= l.forbid;
    const i = l.scope.resolve(parts);
    if (i === undefined) continue;
    if (forbidden !== undefined) throw unsupported(forbidden);
    l.refs.add(i);
    return lit(null, l.scope.items[i]!.type);
  }
  return undefined;
}

/**
 * FROM ..., LATERAL (subquery): the host rows joined with the subquery's rows for their key (an inner
 * join; LEFT JOIN LATERAL adds the unmatched rows in from.ts). Output: host columns, then the subquery's.
 */
export function lateralJoin(host: SubqueryHost, node: Node, qc: QueryContext): { rel: MirRelationExpr; scope: Scope } {
  const c = correlate(host, node, qc, [], false);
  const n = c.q.scope.items.length;
  const hostTypes = columnTypes(host.rel);
  const h = hostTypes.length;
  if (c.hostId === undefined) return { rel: Mir.join([host.rel, c.q.expr], []), scope: c.q.scope };
  const k = c.dHostCols.length;
  const qTypes = columnTypes(c.q.expr);
  const hostGet = Mir.get({ local: c.hostId }, hostTypes);
  const joined = Mir.project(Mir.join([hostGet, c.q.expr], keyEquivalence(c.dHostCols, hostTypes, range(n, k), qTypes, h)), range(0, h + n));
  const rel: MirRelationExpr = { kind: 'let', id: c.hostId, value: host.rel, body: { kind: 'let', id: c.dId!, value: c.dExpr!, body: joined } };
  return { rel, scope: c.q.scope };
}

/**
 * A derived table planned during a first pass (no D yet): references to enclosing levels are recorded
 * there (so the enclosing subquery is planned again with them in D) and bound to placeholders.
 */
export function planCorrelatable(node: Node, qc: QueryContext): PlannedQuery {
  const { corr: _c, ...base } = qc;
  return planQueryFn!(node, base);
}

/**
 * `x IN (subquery)` / `x = ANY (subquery)` by an equi-join rather than a comparison with every row:
 * TRUE for outer keys with an equal row; otherwise NULL when the (correlated) subquery has rows and
 * x or some row is NULL; otherwise FALSE. Undefined when the equality is not a plain equi-join.
 */
function inEquijoin(host: SubqueryHost, sub: Node, qc: QueryContext, lhsCol: number, lhsType: ScalarType): MirScalarExpr | undefined {
  const c = correlate(host, sub, qc, [], false);
  if (c.q.scope.items.length !== 1) return undefined;
  const sTypes = columnTypes(c.q.expr);
  const eq = bindOperatorFn!('=', [col(0, lhsType), col(1, sTypes[0]!)], { qc, scope: Scope.empty(), clause: 'IN' });
  if (eq.kind !== 'call' || eq.func !== 'eq' || eq.args.length !== 2) return undefined;
  const [lk, sk] = eq.args as [MirScalarExpr, MirScalarExpr];
  if ([...columnsUsed(lk)].some((i) => i !== 0) || [...columnsUsed(sk)].some((i) => i !== 1)) return undefined;
  const hostTypes = columnTypes(host.rel);
  const k = c.dHostCols.length;
  const dCols = [...c.dHostCols, lhsCol];
  const hostId = c.hostId ?? freshId(qc);
  const dId = freshId(qc);
  const sId = freshId(qc);
  const hostGet = Mir.get({ local: hostId }, hostTypes);
  const dExpr = distinct(Mir.project(hostGet, dCols));
  const dTypes = dCols.map((x) => hostTypes[x]!);
  const dGet = Mir.get({ local: dId }, dTypes);
  const sGet = Mir.get({ local: sId }, sTypes);
  // D' ⋈ S: correlation columns NULL-safe, the IN comparison as an ordinary (NULL-rejecting) equality.
  const eqClass = [permuteColumns(lk, () => k), permuteColumns(sk, () => k + 1)];
  const joined = Mir.join([dGet, sGet], [...keyEquivalence(range(0, k), dTypes, range(1, k), sTypes, k + 1), eqClass]);
  const fId = freshId(qc);
  const found = distinct(Mir.project(joined, range(0, k + 1)));
  const fGet = Mir.get({ local: fId }, dTypes);
  const stats = Mir.reduce(sGet, range(1, k).map((i) => col(i, sTypes[i]!)), [
    { func: 'bool_or', expr: call('is_null', [col(0, sTypes[0]!)], T.bool), distinct: false, type: T.bool },
  ]);
  const notFound = Mir.union(dGet, [Mir.negate(fGet)]);
  const sawNull = col(k + 1 + k, T.bool);
  const lhsNull = call('is_null', [col(k, lhsType)], T.bool);
  const nullOrFalse = ifThen(call('or', [lhsNull, sawNull], T.bool), lit(null, T.bool), lit(false, T.bool));
  const notFoundValues = Mir.project(
    Mir.map(Mir.join([notFound, stats], keyEquivalence(range(0, k), dTypes, range(0, k), columnTypes(stats), k + 1)), [nullOrFalse]),
    [k + 1 + k + 1, ...range(0, k + 1)],
  );
  const foundValues = Mir.project(Mir.map(fGet, [lit(true, T.bool)]), [k + 1, ...range(0, k + 1)]);
  const r: MirRelationExpr = { kind: 'let', id: fId, value: found, body: Mir.union(foundValues, [notFoundValues]) };
  const extraLets = [
    ...(c.hostId !== undefined ? [{ id: c.dId!, value: c.dExpr! }] : []),
    { id: sId, value: c.q.expr },
  ];
  const c2: Correlated = { q: c.q, dHostCols: dCols, hostId, dId, dExpr, extraLets };
  const [i] = lookup(host, c2, r, 1, [lit(false, T.bool)], qc);
  return col(i!, T.bool);
}

/**
 * `left` extended with the `nvals` value columns of `right` (columns: keys, then values) for the row
 * with the same key (NULL-safe), or `defaults`. `right` has at most one row per key, and only keys of
 * `left`; `left` has one row per key.
 */
export function leftJoinOnKeys(left: MirRelationExpr, right: MirRelationExpr, keyCols: readonly number[], nvals: number, defaults: readonly MirScalarExpr[], qc: QueryContext): MirRelationExpr {
  const lTypes = columnTypes(left);
  const rTypes = columnTypes(right);
  const w = lTypes.length;
  const k = keyCols.length;
  const lId = freshId(qc);
  const rId = freshId(qc);
  const lGet = Mir.get({ local: lId }, lTypes);
  const rGet = Mir.get({ local: rId }, rTypes);
  const matched = Mir.project(Mir.join([lGet, rGet], keyEquivalence(keyCols, lTypes, range(0, k), rTypes, w)), [...range(0, w), ...range(w + k, nvals)]);
  const missing = Mir.union(Mir.project(lGet, keyCols), [Mir.negate(Mir.project(rGet, range(0, k)))]);
  const unmatched = Mir.map(Mir.project(Mir.join([lGet, missing], keyEquivalence(keyCols, lTypes, range(0, k), columnTypes(missing), w)), range(0, w)), defaults);
  return { kind: 'let', id: lId, value: left, body: { kind: 'let', id: rId, value: right, body: Mir.union(matched, [unmatched]) } };
}

/**
 * A global aggregate query (aggregates, no GROUP BY, no set-returning or window functions) yields at most
 * one row per outer key, so a scalar subquery over it needs no cardinality check.
 */
function atMostOneRow(n: Node): boolean {
  if (!('SelectStmt' in n)) return false;
  const st = n.SelectStmt;
  if ((st.op !== undefined && st.op !== 'SETOP_NONE') || st.valuesLists !== undefined || st.groupClause !== undefined) return false;
  const targets = st.targetList ?? [];
  const json = JSON.stringify(targets);
  if (json.includes('"over"') || /"(generate_series|unnest|jsonb_array_elements|jsonb_array_elements_text|jsonb_each|jsonb_each_text|jsonb_object_keys)"/.test(json)) return false;
  return containsAggregateFn !== undefined && containsAggregateFn(targets);
}

/** Registered by expr.ts. */
let containsAggregateFn: ((n: unknown) => boolean) | undefined;
export function registerAggregateDetector(f: (n: unknown) => boolean): void {
  containsAggregateFn = f;
}

/**
 * True iff an aggregate call's arguments name columns and all of them belong to enclosing queries.
 * PostgreSQL evaluates such an aggregate in the enclosing query (an outer-level aggregate, e.g.
 * `HAVING EXISTS (SELECT 1 FROM s WHERE s.a = max(t.a))`); planning it over the subquery's rows
 * would give wrong answers, so callers refuse it with 0A000, as Materialize does.
 */
export function isOuterAggregate(f: { args?: Node[]; agg_filter?: Node; agg_order?: Node[] }, scope: Scope, outer: OuterLevel | undefined): boolean {
  const refs: string[][] = [];
  collectColumnRefs([f.args, f.agg_filter, f.agg_order], refs);
  if (refs.length === 0) return false;
  return refs.every((parts) => {
    const i = scope.resolve(parts);
    if (i !== undefined) return scope.items[i]!.outer === true;
    for (let l = outer; l !== undefined; l = l.parent) if (l.scope.resolve(parts) !== undefined) return true;
    return false;
  });
}

export const OUTER_AGGREGATE = 'aggregate functions that refer exclusively to outer columns';

function collectColumnRefs(n: unknown, out: string[][]): void {
  if (n === null || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) collectColumnRefs(x, out);
    return;
  }
  const o = n as Record<string, unknown>;
  if ('SubLink' in o) return;
  if ('ColumnRef' in o) {
    const fields = (o.ColumnRef as { fields?: { String?: { sval?: string } }[] }).fields ?? [];
    const parts = fields.map((x) => x.String?.sval);
    if (parts.every((p): p is string => p !== undefined)) out.push(parts);
    return;
  }
  for (const v of Object.values(o)) collectColumnRefs(v, out);
}
