/**
 * Query planning: SELECT (FROM, WHERE, GROUP BY/aggregates/HAVING, target list, DISTINCT, ORDER BY,
 * LIMIT/OFFSET), VALUES, set operations and WITH, lowered to MIR. A top-level query keeps ORDER BY and
 * LIMIT for the RowSetFinishing; nested ones turn LIMIT/OFFSET into TopK.
 */
import type { FuncCall, Node, ResTarget, SelectStmt, SortBy } from 'libpg-query';
import {
  type AggregateExpr, type AggregateFunc, type ColumnOrder, type MirRelationExpr, type MirScalarExpr, Mir,
  arity, call, col, columnTypes, ifThen, lit,
} from '../../expr/index.ts';
import { type ScalarType, T, arrayOf, typeName } from '../../repr/index.ts';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import { coerceBool, commonType, tryCoerce } from './coerce.ts';
import { type ExprContext, type Grouping, type PlannedQuery, type QueryContext, freshId } from './context.ts';
import { astKey, bindExpr, containsAggregate, containsSubLink, isAggregateCall, nameParts, positionalName } from './expr.ts';
import { astConjuncts, buildJoin, planFrom, registerSubqueryPlanner } from './from.ts';
import { OUTER_AGGREGATE, SubqueryHost, isOuterAggregate, leftJoinOnKeys, range, registerCorrelatedPlanner } from './subquery.ts';
import { planWindows } from './window.ts';
import { exprKey } from './fold.ts';
import { groupKeyExpr, needsGroupKey, needsSortKey, sortKeyExpr } from './sort-key.ts';
import { type ColumnOrigin, Scope, type ScopeItem } from './scope.ts';
import { category, isStringType, resolveTypeName } from './types.ts';
import type { MutuallyRecursive } from '../parser/index.ts';

/** A planned query with its (top-level) finishing. `expr` may carry hidden trailing ORDER BY columns. */
export interface SelectPlan {
  readonly expr: MirRelationExpr;
  /** The visible output columns: the first scope.items.length columns of expr. */
  readonly scope: Scope;
  readonly order: readonly ColumnOrder[];
  readonly limit?: number;
  readonly offset: number;
}

export function selectOf(n: Node): SelectStmt {
  if ('SelectStmt' in n) return n.SelectStmt;
  throw unsupported(`query ${Object.keys(n)[0] ?? ''}`);
}

/** Plans a nested query (FROM subquery, CTE, view body, INSERT source): finishing becomes TopK. */
export function planSubquery(n: Node, qc: QueryContext): PlannedQuery {
  const p = planSelect(selectOf(n), qc);
  const visible = p.scope.items.length;
  const k = qc.corr?.items.length ?? 0;
  let expr = p.expr;
  if (p.limit !== undefined || p.offset > 0) {
    expr = { kind: 'topK', input: expr, groupKey: range(visible, k), order: p.order, offset: p.offset, ...(p.limit !== undefined ? { limit: p.limit } : {}) };
  }
  const ordered = p.order.length > 0 && p.limit === undefined && p.offset === 0 ? { expr, order: p.order } : undefined;
  if (arity(expr) !== visible + k) expr = Mir.project(expr, range(0, visible + k));
  return { expr, scope: p.scope, ...(ordered !== undefined ? { ordered } : {}) };
}
registerCorrelatedPlanner(planSubquery);

/**
 * Plans a derived table or CTE body: uncorrelated (its own FROM only); references to enclosing query
 * levels are not supported there yet.
 */
export function planDerived(n: Node, qc: QueryContext): PlannedQuery {
  const { corr: _c, outer, ...base } = qc;
  const forbid = outer === undefined ? undefined : { scope: Scope.empty(), refs: new Set<number>(), parent: outer, forbid: 'correlated subqueries in FROM' };
  return planSubquery(n, forbid === undefined ? base : { ...base, outer: forbid });
}
registerSubqueryPlanner(planDerived);

export function planSelect(s: SelectStmt, qc0: QueryContext): SelectPlan {
  if (s.withClause === undefined) return planSelectBody(s, qc0);
  const { qc, wrap } = withCtes(s.withClause, qc0);
  const p = planSelectBody(s, qc);
  return { ...p, expr: wrap(p.expr) };
}

function planSelectBody(s: SelectStmt, qc: QueryContext): SelectPlan {
  if (s.intoClause !== undefined) throw unsupported('SELECT INTO');
  if (s.lockingClause !== undefined) throw unsupported('FOR UPDATE/SHARE');
  if (s.op !== undefined && s.op !== 'SETOP_NONE') return finishOverOutput(planSetOp(s, qc), s, qc);
  if (s.valuesLists !== undefined) return finishOverOutput(planValues(s.valuesLists, qc), s, qc);
  return planCore(s, qc);
}

/**
 * WITH: each CTE is planned once and Let-bound around the query (so several references share it);
 * WITH RECURSIVE binds the recursive ones in a LetRec iterated to a fixed point.
 */
function withCtes(w: NonNullable<SelectStmt['withClause']>, qc0: QueryContext): { qc: QueryContext; wrap: (e: MirRelationExpr) => MirRelationExpr } {
  const ctes = new Map(qc0.ctes);
  const qc: QueryContext = { ...qc0, ctes };
  const wraps: ((e: MirRelationExpr) => MirRelationExpr)[] = [];
  for (const c of w.ctes ?? []) {
    if (!('CommonTableExpr' in c)) continue;
    const cte = c.CommonTableExpr;
    const name = cte.ctename ?? '';
    const cols = cte.aliascolnames === undefined ? undefined : nameParts(cte.aliascolnames);
    const id = freshId(qc);
    if (w.recursive === true && cteRefersTo(cte.ctequery, name)) {
      const body = selectOf(cte.ctequery!);
      if (body.op !== 'SETOP_UNION' || body.larg === undefined || body.rarg === undefined) {
        throw new SqlError('42P19', `recursive query "${name}" does not have the form non-recursive-term UNION [ALL] recursive-term`);
      }
      const seed = planDerived({ SelectStmt: body.larg }, qc);
      const types = seed.scope.items.map((it) => it.type);
      const scope = seed.scope.withAlias(name, cols);
      ctes.set(name, { expr: Mir.get({ local: id }, types), scope });
      const q = planDerived(cte.ctequery!, qc);
      const value = conformTypes(q, types, qc);
      wraps.push((e) => ({ kind: 'letRec', ids: [id], values: [value], body: e }));
      continue;
    }
    const q = planDerived(cte.ctequery!, qc);
    const scope = q.scope.withAlias(name, cols);
    ctes.set(name, { expr: Mir.get({ local: id }, columnTypes(q.expr)), scope });
    wraps.push((e) => ({ kind: 'let', id, value: q.expr, body: e }));
  }
  return { qc, wrap: (e) => wraps.reduceRight<MirRelationExpr>((acc, f) => f(acc), e) };
}

/**
 * WITH MUTUALLY RECURSIVE: every binding is visible to every binding's query and to the body, with its
 * declared column types; all are bound in one LetRec iterated to a fixed point.
 */
export function withMutuallyRecursive(wmr: MutuallyRecursive, qc0: QueryContext): { qc: QueryContext; wrap: (e: MirRelationExpr) => MirRelationExpr } {
  const ctes = new Map(qc0.ctes);
  const qc: QueryContext = { ...qc0, ctes };
  const ids: number[] = [];
  const declared: ScalarType[][] = [];
  for (const b of wmr.bindings) {
    if (wmr.bindings.filter((x) => x.name === b.name).length > 1) throw new SqlError('42712', `WITH query name "${b.name}" specified more than once`);
    const id = freshId(qc);
    const types = b.columns.map((c) => resolveTypeName('TypeName' in c.type ? c.type.TypeName : {}));
    ids.push(id);
    declared.push(types);
    ctes.set(b.name, { expr: Mir.get({ local: id }, types), scope: new Scope(b.columns.map((c, i) => ({ name: c.name, type: types[i]!, nullable: true, table: b.name }))) });
  }
  const values = wmr.bindings.map((b, i) => conformTypes(planDerived(b.query, qc), declared[i]!, qc));
  const limit = wmr.limit?.n;
  return {
    qc,
    wrap: (e) => ({ kind: 'letRec', ids, values, ...(limit !== undefined ? { limits: ids.map(() => limit) } : {}), body: e }),
  };
}

function cteRefersTo(n: unknown, name: string): boolean {
  if (n === null || typeof n !== 'object') return false;
  if (Array.isArray(n)) return n.some((x) => cteRefersTo(x, name));
  const o = n as Record<string, unknown>;
  if ('RangeVar' in o) {
    const rv = o.RangeVar as { relname?: string; schemaname?: string };
    if (rv.relname === name && rv.schemaname === undefined) return true;
  }
  return Object.values(o).some((x) => cteRefersTo(x, name));
}

/** Casts a planned query's columns to `types` (the recursive term of WITH RECURSIVE must keep the seed's types). */
function conformTypes(q: PlannedQuery, types: readonly ScalarType[], qc: QueryContext): MirRelationExpr {
  const n = types.length;
  if (q.scope.items.length !== n) throw new SqlError(SqlState.syntaxError, 'each UNION query must have the same number of columns');
  const needs = q.scope.items.some((it, i) => it.type.name !== types[i]!.name);
  if (!needs) return q.expr;
  const casts = q.scope.items.map((it, i) => {
    const c = tryCoerce(col(i, it.type), types[i]!, 'assignment', qc.st);
    if (c === undefined) throw new SqlError(SqlState.datatypeMismatch, `recursive query column ${i + 1} has type ${typeName(types[i]!)} in non-recursive term but type ${typeName(it.type)} overall`);
    return c;
  });
  return Mir.project(Mir.map(q.expr, casts), range(n, n));
}

/** VALUES (...), (...): one constant, or a union of mapped single rows when some value is not constant. */
export function planValues(lists: readonly Node[], qc: QueryContext): PlannedQuery {
  const corr = qc.corr;
  const vscope = corr === undefined ? Scope.empty() : new Scope(corr.items);
  const unit = corr?.d ?? Mir.constant([[[], 1]], []);
  // Rows with subqueries bind over their own host (the unit row, or D when correlated).
  const hosts: (SubqueryHost | undefined)[] = [];
  const rows = lists.map((l) => {
    const items = 'List' in l ? l.List.items ?? [] : [];
    const host = containsSubLink(items) ? new SubqueryHost(unit, vscope) : undefined;
    hosts.push(host);
    return items.map((n) => {
      if ('SetToDefault' in n) throw new SqlError(SqlState.syntaxError, 'DEFAULT is not allowed in this context');
      return bindExpr(n, { qc, scope: vscope, clause: 'VALUES', ...(host !== undefined ? { host } : {}) });
    });
  });
  const width = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== width)) throw new SqlError(SqlState.syntaxError, 'VALUES lists must all be the same length');
  const types: ScalarType[] = [];
  for (let c = 0; c < width; c++) {
    let t = commonType(rows.map((r) => r[c]!.type), 'VALUES');
    if (t.name === 'unknown') t = T.text;
    types.push(t);
  }
  const coerced = rows.map((r) => r.map((e, c) => tryCoerce(e, types[c]!, 'implicit', qc.st)!));
  const scope = new Scope(types.map((type, i) => ({ name: `column${i + 1}`, type, nullable: true })));
  if (corr !== undefined || hosts.some((h) => h !== undefined)) {
    // One row per outer key (correlated), carrying the key as trailing columns.
    const k = corr?.items.length ?? 0;
    const parts = coerced.map((r, i) => {
      const base = hosts[i]?.rel ?? unit;
      const n = arity(base);
      return Mir.project(Mir.map(base, r), [...range(n, width), ...range(0, k)]);
    });
    return { expr: Mir.union(parts[0]!, parts.slice(1)), scope };
  }
  return { expr: rowsToRelation(coerced, types), scope };
}

/** Literal rows become a constant; other rows a map over the one-row constant, unioned. */
export function rowsToRelation(rows: readonly (readonly MirScalarExpr[])[], types: readonly ScalarType[]): MirRelationExpr {
  if (rows.every((r) => r.every((e) => e.kind === 'literal'))) {
    return Mir.constant(rows.map((r) => [r.map((e) => (e.kind === 'literal' ? e.value : null)), 1] as const), types);
  }
  const one = Mir.constant([[[], 1]], []);
  const parts = rows.map((r) => Mir.map(one, r));
  return Mir.union(parts[0]!, parts.slice(1));
}

function planSetOp(s: SelectStmt, qc: QueryContext): PlannedQuery {
  const what = s.op === 'SETOP_UNION' ? 'UNION' : s.op === 'SETOP_INTERSECT' ? 'INTERSECT' : 'EXCEPT';
  const l = planSubquery({ SelectStmt: s.larg! }, qc);
  const r = planSubquery({ SelectStmt: s.rarg! }, qc);
  const n = l.scope.items.length;
  if (r.scope.items.length !== n) throw new SqlError(SqlState.syntaxError, `each ${what} query must have the same number of columns`);
  const k = qc.corr?.items.length ?? 0;
  const corrTypes = columnTypes(l.expr).slice(n, n + k);
  // A bare NULL or string literal in a branch's SELECT list is still of unknown type here (PostgreSQL
  // resolves it with the set operation: SELECT 1 UNION SELECT NULL is an integer column).
  const lUnknown = untypedTargets(s.larg!);
  const rUnknown = untypedTargets(s.rarg!);
  const types = l.scope.items.map((it, i) => {
    const t = commonType([lUnknown[i] === true ? T.unknown : it.type, rUnknown[i] === true ? T.unknown : r.scope.items[i]!.type], what);
    return t.name === 'unknown' ? T.text : t;
  });
  const conform = (q: PlannedQuery, unknown: readonly boolean[]): MirRelationExpr => {
    const needs = q.scope.items.some((it, i) => it.type.name !== types[i]!.name || it.type.typmod !== types[i]!.typmod);
    if (!needs) return q.expr;
    const casts = q.scope.items.map((it, i) => tryCoerce(col(i, it.type), types[i]!, unknown[i] === true ? 'explicit' : 'implicit', qc.st)!);
    return Mir.project(Mir.map(q.expr, casts), [...casts.map((_c, i) => n + k + i), ...range(n, k)]);
  };
  let le = conform(l, lUnknown);
  let re = conform(r, rUnknown);
  const allTypes = [...types, ...corrTypes];
  const distinct = (e: MirRelationExpr): MirRelationExpr => Mir.reduce(e, allTypes.map((t, i) => col(i, t)), []);
  let expr: MirRelationExpr;
  const all = s.all === true;
  // Set semantics compare jsonb by value: every branch outputs jsonb as its grouping key (numbers' scale normalized).
  const keyed = (e: MirRelationExpr): MirRelationExpr => !allTypes.some(needsGroupKey) ? e
    : Mir.project(Mir.map(e, allTypes.map((t, i) => groupKeyExpr(col(i, t)))), range(allTypes.length, allTypes.length));
  if (what !== 'UNION' || !all) [le, re] = [keyed(le), keyed(re)];
  if (what === 'UNION') expr = all ? Mir.union(le, [re]) : distinct(Mir.union(le, [re]));
  else if (what === 'EXCEPT') expr = all ? Mir.threshold(Mir.union(le, [Mir.negate(re)])) : Mir.threshold(Mir.union(distinct(le), [Mir.negate(distinct(re))]));
  else {
    const both = Mir.union(le, [Mir.negate(Mir.threshold(Mir.union(le, [Mir.negate(re)])))]);
    expr = all ? both : distinct(both);
  }
  const scope = new Scope(l.scope.items.map((it, i) => ({ name: it.name, type: types[i]!, nullable: it.nullable || r.scope.items[i]!.nullable })));
  return { expr, scope };
}

/** Per output column of a set operation's branch: true iff it is a bare NULL or string literal (type unknown). */
function untypedTargets(branch: SelectStmt): boolean[] {
  if (branch.op !== undefined && branch.op !== 'SETOP_NONE') return [];
  if (branch.valuesLists !== undefined) return [];
  return (branch.targetList ?? []).map((t) => {
    const v = 'ResTarget' in t ? t.ResTarget.val : undefined;
    return v !== undefined && 'A_Const' in v && (v.A_Const.isnull === true || v.A_Const.sval !== undefined);
  });
}

/** ORDER BY / LIMIT over the output columns of a set operation or VALUES. */
function finishOverOutput(q: PlannedQuery, s: SelectStmt, qc: QueryContext): SelectPlan {
  const outScope = new Scope(q.scope.items.map((it) => ({ name: it.name, type: it.type, nullable: it.nullable })));
  const targets = outScope.items.map((it, i) => col(i, it.type));
  const cx: ExprContext = { qc, scope: outScope, clause: 'ORDER BY' };
  const { order, extra } = planOrderBy(s.sortClause ?? [], targets, outScope.items.map((it) => it.name), cx, false);
  const k = qc.corr?.items.length ?? 0;
  const n = targets.length;
  // Hidden ORDER BY columns go after the correlation columns.
  const expr = Mir.map(q.expr, extra);
  if (k > 0) for (let i = 0; i < order.length; i++) if (order[i]!.column >= n) order[i] = { ...order[i]!, column: order[i]!.column + k };
  return { expr, scope: q.scope, order, offset: planOffset(s, qc), ...limitOf(s, qc) };
}

function planCore(s: SelectStmt, qc: QueryContext): SelectPlan {
  const corr = qc.corr;
  const k = corr?.items.length ?? 0;
  // A correlated subquery's FROM starts with D, the outer keys it is evaluated for.
  const init = corr === undefined ? undefined : { inputs: [corr.d], scope: new Scope(corr.items), preds: [] };
  const from = planFrom(s.fromClause ?? [], qc, init);
  const inputScope = from.scope;
  const whereCx: ExprContext = { qc, scope: inputScope, clause: 'WHERE' };
  const conjuncts = astConjuncts(s.whereClause);
  const plain = conjuncts.filter((c) => !containsSubLink(c));
  const withSub = conjuncts.filter((c) => containsSubLink(c));
  const where = plain.map((c) => coerceBool(bindExpr(c, whereCx), 'WHERE', qc.st));
  let rel = buildJoin(from, where);
  if (withSub.length > 0) {
    const host = new SubqueryHost(rel, inputScope);
    const preds = withSub.map((c) => coerceBool(bindExpr(c, { ...whereCx, host }), 'WHERE', qc.st));
    rel = Mir.project(Mir.filter(host.rel, preds), range(0, inputScope.items.length));
  }

  // Expand `*` and `t.*` into column references.
  const targets: { node: Node; name: string; colIndex?: number }[] = [];
  for (const t of s.targetList ?? []) {
    if (!('ResTarget' in t)) continue;
    const rt = t.ResTarget;
    const v = rt.val!;
    if ('ColumnRef' in v && nameParts(v.ColumnRef.fields).at(-1) === '*') {
      const parts = nameParts(v.ColumnRef.fields).slice(0, -1);
      const cols = inputScope.star(parts.length === 0 ? undefined : parts);
      if (parts.length === 0 && (s.fromClause ?? []).length === 0) throw new SqlError(SqlState.syntaxError, 'SELECT * with no tables specified is not valid');
      for (const c of cols) {
        const it = inputScope.items[c]!;
        // Referenced by position: names may be hidden (USING) or ambiguous.
        targets.push({ node: { ColumnRef: { fields: [{ String: { sval: positionalName(c) } }] } }, name: it.name, colIndex: c });
      }
    } else {
      targets.push({ node: v, name: rt.name ?? outputName(v) });
    }
  }

  const sortBys = (s.sortClause ?? []).map((n) => ('SortBy' in n ? n.SortBy : undefined)).filter((x): x is SortBy => x !== undefined);
  const needsGrouping = (s.groupClause ?? []).length > 0 || s.havingClause !== undefined
    || targets.some((t) => containsAggregate(t.node)) || sortBys.some((sb) => containsAggregate(sb.node));
  const posScope = inputScope;
  let cx: ExprContext = { qc, scope: posScope, clause: 'SELECT' };
  let hostScope = inputScope;
  let colMap = (i: number): number => i;
  if (needsGrouping) {
    const g = planGrouping(s, targets, sortBys, posScope, rel, qc);
    rel = g.rel;
    cx = { qc, scope: posScope, clause: 'SELECT', grouping: g.grouping };
    colMap = (i: number): number => {
      const key = exprKey(col(i, inputScope.items[i]!.type));
      const j = g.grouping.keys.indexOf(key);
      if (j < 0) {
        const it = inputScope.items[i]!;
        throw new SqlError(SqlState.groupingError, `subquery uses ungrouped column "${it.table !== undefined ? `${it.table}.` : ''}${it.name}" from outer query`);
      }
      return j;
    };
    hostScope = inputScope;
    if (s.havingClause !== undefined) {
      const host = new SubqueryHost(rel, hostScope, colMap);
      const width = arity(rel);
      const h = coerceBool(bindExpr(s.havingClause, { ...cx, clause: 'HAVING', host }), 'HAVING', qc.st);
      rel = Mir.project(Mir.filter(host.rel, [h]), range(0, width));
    }
  }
  if (s.groupClause === undefined && s.havingClause === undefined && (s.targetList ?? []).some((t) => 'ResTarget' in t && t.ResTarget.val !== undefined && 'FuncCall' in t.ResTarget.val && t.ResTarget.val.FuncCall.agg_star === true && t.ResTarget.val.FuncCall.over === undefined && !isAggregateCall(t.ResTarget.val.FuncCall))) {
    throw new SqlError(SqlState.syntaxError, 'only aggregate functions accept * as an argument');
  }

  const host = new SubqueryHost(rel, hostScope, colMap, true);
  cx = { ...cx, host };
  const windows = planWindows(targets.map((t) => t.node), sortBys, s.windowClause ?? [], cx);
  if (windows !== undefined) cx = { ...cx, windows };
  const exprs = targets.map((t) => {
    const e = bindExpr(t.node, cx);
    return e.type.name === 'unknown' ? tryCoerce(e, T.text, 'implicit', qc.st)! : e;
  });
  const distinct = s.distinctClause !== undefined;
  const distinctOn = distinct && s.distinctClause!.some((d) => Object.keys(d).length > 0) ? s.distinctClause! : undefined;
  const { order, extra } = planOrderBy(s.sortClause ?? [], exprs, targets.map((t) => t.name), { ...cx, clause: 'ORDER BY' }, distinct && distinctOn === undefined);
  // DISTINCT ON expressions: target columns or more hidden columns.
  const onCols: number[] = [];
  for (const d of distinctOn ?? []) {
    const e = bindDistinctOn(d, exprs, targets.map((t) => t.name), { ...cx, clause: 'DISTINCT ON' });
    const hit = typeof e === 'number' ? e : [...exprs, ...extra].findIndex((x) => exprKey(x) === exprKey(e));
    if (hit >= 0) onCols.push(hit);
    else {
      onCols.push(exprs.length + extra.length);
      extra.push(e as MirScalarExpr);
    }
  }
  // DISTINCT ON a jsonb expression groups by its grouping key (a hidden column), equal for equal values.
  const keyCols = onCols.map((c) => {
    const e = [...exprs, ...extra][c]!;
    if (!needsGroupKey(e.type)) return c;
    extra.push(groupKeyExpr(e));
    return exprs.length + extra.length - 1;
  });
  rel = host.rel;
  const base = arity(rel);
  const n = exprs.length;
  const dcols = range(0, k).map((i) => col(i, columnTypes(rel)[i]!));
  const all = [...exprs, ...dcols, ...extra];
  rel = Mir.project(Mir.map(rel, all), all.map((_e, i) => base + i));
  const shift = (c: number): number => (c >= n ? c + k : c);
  const finalOrder = order.map((o) => ({ ...o, column: shift(o.column) }));
  if (distinctOn !== undefined) {
    // ORDER BY a jsonb expression sorts by its sort key: that column stands for the expression here.
    const hidden = [...exprs, ...extra];
    checkDistinctOnOrder(onCols.map((c) => {
      const e = hidden[c]!;
      if (!needsSortKey(e.type)) return c;
      const sk = exprKey(sortKeyExpr(e));
      const i = hidden.findIndex((x) => exprKey(x) === sk);
      return i >= 0 ? i : c;
    }), order);
    rel = { kind: 'topK', input: rel, groupKey: [...keyCols.map(shift), ...range(n, k)], order: finalOrder, limit: 1, offset: 0 };
  } else if (distinct) {
    // `all`, not just the targets: the only hidden columns DISTINCT allows are jsonb sort keys, functions of the targets.
    rel = Mir.reduce(rel, all.map((e, i) => groupKeyExpr(col(i, e.type))), []);
  }
  // count(...) is never NULL (0 for no rows).
  const countColumns = new Set<number>(cx.grouping === undefined ? [] : [...cx.grouping.aggs.values()].filter((a) => a.count === true).map((a) => a.index));
  const scope = new Scope(targets.map((t, i) => {
    const e = exprs[i]!;
    const nullable = e.kind === 'column' && !needsGrouping && t.colIndex !== undefined ? inputScope.items[t.colIndex]!.nullable
      : e.kind === 'column' && !needsGrouping && e.index < inputScope.items.length ? inputScope.items[e.index]!.nullable
      : e.kind === 'column' && needsGrouping && countColumns.has(e.index) ? false
      : e.kind === 'literal' ? e.value === null : true;
    // A bare column of a table or view (or a group key that is one) keeps its origin (RowDescription), as in PostgreSQL.
    const origin = e.kind !== 'column' ? undefined
      : needsGrouping ? groupKeyOrigin(cx.grouping, e.index)
      : t.colIndex !== undefined ? inputScope.items[t.colIndex]?.origin
      : e.index < inputScope.items.length ? inputScope.items[e.index]?.origin : undefined;
    return { name: t.name, type: e.type, nullable, ...(origin === undefined ? {} : { origin }) };
  }));
  return { expr: rel, scope, order: finalOrder, offset: planOffset(s, qc), ...limitOf(s, qc) };
}

/** The origin of output column `j` of a grouping when that column is a group key that is a bare input column. */
function groupKeyOrigin(g: Grouping | undefined, j: number): ColumnOrigin | undefined {
  const key = g?.keys[j];
  if (g === undefined || key === undefined) return undefined;
  const i = g.inputScope.items.findIndex((it, k) => exprKey(col(k, it.type)) === key);
  return i < 0 ? undefined : g.inputScope.items[i]!.origin;
}

function checkDistinctOnOrder(onCols: readonly number[], order: readonly ColumnOrder[]): void {
  const lead = order.slice(0, onCols.length).map((o) => o.column);
  const on = new Set(onCols);
  if (lead.some((c) => !on.has(c))) {
    throw new SqlError(SqlState.invalidColumnReference, 'SELECT DISTINCT ON expressions must match initial ORDER BY expressions');
  }
}

function bindDistinctOn(n: Node, targets: readonly MirScalarExpr[], names: readonly string[], cx: ExprContext): MirScalarExpr | number {
  if ('A_Const' in n && n.A_Const.ival !== undefined) {
    const k = n.A_Const.ival.ival ?? 0;
    if (k < 1 || k > targets.length) throw new SqlError(SqlState.invalidColumnReference, `SELECT DISTINCT ON position ${k} is not in select list`);
    return k - 1;
  }
  if ('ColumnRef' in n) {
    const parts = nameParts(n.ColumnRef.fields);
    if (parts.length === 1) {
      const hit = names.indexOf(parts[0]!);
      if (hit >= 0 && cx.scope.resolve(parts) === undefined) return hit;
    }
  }
  return bindExpr(n, cx);
}


/** PostgreSQL's output column name for an expression without an alias. */
export function outputName(v: Node): string {
  if ('ColumnRef' in v) {
    const p = nameParts(v.ColumnRef.fields);
    return p[p.length - 1]!;
  }
  if ('FuncCall' in v) {
    const p = nameParts(v.FuncCall.funcname);
    return p[p.length - 1]!;
  }
  if ('TypeCast' in v) {
    // A name from a cast is weak: an outer cast's type name replaces it ('x'::uuid::text is "text").
    const inner = v.TypeCast.arg === undefined || castNameOnly(v.TypeCast.arg) ? '?column?' : outputName(v.TypeCast.arg);
    if (inner !== '?column?') return inner;
    const names = nameParts(v.TypeCast.typeName?.names);
    const last = names[names.length - 1]!;
    return v.TypeCast.typeName?.arrayBounds !== undefined ? '?column?' : last;
  }
  if ('CaseExpr' in v) return 'case';
  if ('CoalesceExpr' in v) return 'coalesce';
  if ('MinMaxExpr' in v) return v.MinMaxExpr.op === 'IS_GREATEST' ? 'greatest' : 'least';
  if ('A_Expr' in v && v.A_Expr.kind === 'AEXPR_NULLIF') return 'nullif';
  if ('A_ArrayExpr' in v) return 'array';
  if ('SQLValueFunction' in v) {
    const op = v.SQLValueFunction.op ?? '';
    return op.replace('SVFOP_', '').replace(/_N$/, '').toLowerCase();
  }
  if ('SubLink' in v) {
    if (v.SubLink.subLinkType === 'EXISTS_SUBLINK') return 'exists';
    if (v.SubLink.subLinkType === 'ARRAY_SUBLINK') return 'array';
    if (v.SubLink.subLinkType === 'EXPR_SUBLINK' && v.SubLink.subselect !== undefined && 'SelectStmt' in v.SubLink.subselect) {
      const t = v.SubLink.subselect.SelectStmt.targetList?.[0];
      if (t !== undefined && 'ResTarget' in t && t.ResTarget.val !== undefined) return t.ResTarget.name ?? outputName(t.ResTarget.val);
    }
  }
  return '?column?';
}

/** True iff `v` is a chain of casts whose only name is a cast's type name. */
function castNameOnly(v: Node): boolean {
  if (!('TypeCast' in v)) return false;
  const arg = v.TypeCast.arg;
  return arg === undefined || castNameOnly(arg) || outputName(arg) === '?column?';
}

function collectAggregates(n: unknown, out: Map<string, FuncCall>): void {
  if (n === null || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) collectAggregates(x, out);
    return;
  }
  const o = n as Record<string, unknown>;
  if ('SubLink' in o) return;
  if ('GroupingFunc' in o) {
    // GROUPING(a, b): planned with the aggregates (its value depends on the grouping set).
    const gf = o.GroupingFunc as { args?: Node[] };
    out.set(astKey(gf), { funcname: [{ String: { sval: 'grouping' } }], ...(gf.args !== undefined ? { args: gf.args } : {}) });
    return;
  }
  if ('FuncCall' in o && isAggregateCall(o.FuncCall as FuncCall)) {
    const f = o.FuncCall as FuncCall;
    if (containsAggregate(f.args) || containsAggregate(f.agg_filter)) throw new SqlError(SqlState.groupingError, 'aggregate function calls cannot be nested');
    out.set(astKey(f), f);
    return;
  }
  for (const v of Object.values(o)) collectAggregates(v, out);
}

function planGrouping(
  s: SelectStmt, targets: readonly { node: Node; name: string }[], sortBys: readonly SortBy[], inputScope: Scope,
  rel: MirRelationExpr, qc: QueryContext,
): { rel: MirRelationExpr; grouping: Grouping } {
  const inCx: ExprContext = { qc, scope: inputScope, clause: 'GROUP BY' };
  // A correlated subquery groups by its outer keys (the leading D columns) first.
  const k = qc.corr?.items.length ?? 0;
  const keys: MirScalarExpr[] = range(0, k).map((i) => col(i, inputScope.items[i]!.type));
  const bindKey = (gnode: Node): number => {
    let node: Node = gnode;
    if ('A_Const' in gnode && gnode.A_Const.ival !== undefined) {
      const pos = gnode.A_Const.ival.ival ?? 0;
      const t = targets[pos - 1];
      if (t === undefined) throw new SqlError(SqlState.invalidColumnReference, `GROUP BY position ${pos} is not in select list`);
      node = t.node;
    } else if ('ColumnRef' in gnode) {
      const parts = nameParts(gnode.ColumnRef.fields);
      if (parts.length === 1 && inputScope.resolve(parts) === undefined) {
        const t = targets.find((x) => x.name === parts[0]);
        if (t !== undefined) node = t.node;
      }
    }
    if (containsAggregate(node)) throw new SqlError(SqlState.groupingError, 'aggregate functions are not allowed in GROUP BY');
    const e = bindExpr(node, inCx);
    const hit = keys.findIndex((x) => exprKey(x) === exprKey(e));
    if (hit >= 0) return hit;
    keys.push(e);
    return keys.length - 1;
  };
  // Each GROUP BY item expands to a list of grouping sets; the query's sets are their cross product.
  const hasSets = (s.groupClause ?? []).some((g) => 'GroupingSet' in g);
  let sets: number[][] = [range(0, k)];
  for (const gnode of s.groupClause ?? []) {
    const itemSets = expandGroupingItem(gnode).map((set) => set.map(bindKey));
    sets = sets.flatMap((a) => itemSets.map((b) => [...a, ...b]));
  }
  const aggNodes = new Map<string, FuncCall>();
  for (const t of targets) collectAggregates(t.node, aggNodes);
  collectAggregates(s.havingClause, aggNodes);
  for (const sb of sortBys) collectAggregates(sb.node, aggNodes);
  const aggs = new Map<string, { index: number; type: ScalarType; count?: boolean }>();
  const aggExprs: AggregateExpr[] = [];
  // array_agg keeps NULL inputs, so its FILTER cannot be a NULL guard: it aggregates the filtered rows separately.
  const filtered: { slot: number; agg: AggregateExpr; filter: MirScalarExpr }[] = [];
  const groupingCalls: { key: string; args: number[] }[] = [];
  for (const [key, f] of aggNodes) {
    if (nameParts(f.funcname).at(-1) === 'grouping') {
      const args = (f.args ?? []).map((a) => {
        const e = bindExpr(a, inCx);
        const i = keys.findIndex((x) => exprKey(x) === exprKey(e));
        if (i < 0) throw new SqlError(SqlState.groupingError, 'arguments to GROUPING must be grouping expressions of the associated query level');
        return i;
      });
      groupingCalls.push({ key, args });
      continue;
    }
    if (isOuterAggregate(f, inputScope, qc.outer)) throw unsupported(OUTER_AGGREGATE);
    const a = planAggregate(f, { qc, scope: inputScope, clause: 'aggregate' });
    const count = a.agg.func === 'count' || a.agg.func === 'count_star';
    aggs.set(key, { index: keys.length + aggExprs.length, type: a.agg.type, ...(count ? { count } : {}) });
    if (a.filter !== undefined) {
      filtered.push({ slot: aggExprs.length, agg: a.agg, filter: a.filter });
      aggExprs.push({ func: 'count_star', expr: lit(true, T.bool), distinct: false, type: T.int8 });
    } else aggExprs.push(a.agg);
  }
  groupingCalls.forEach((g, i) => aggs.set(g.key, { index: keys.length + aggExprs.length + i, type: T.int4 }));
  const groupingValue = (set: readonly number[], args: readonly number[]): number =>
    args.reduce((bits, a) => (bits << 1) | (set.includes(a) ? 0 : 1), 0);
  let out: MirRelationExpr;
  if (!hasSets) {
    out = groupByKeys(rel, keys, aggExprs, filtered, qc);
    if (keys.length === k && (s.groupClause ?? []).length === 0) out = withDefaultRow(out, aggExprs, qc);
    out = Mir.map(out, groupingCalls.map((g) => lit(groupingValue(range(0, keys.length), g.args), T.int4)));
  } else {
    // GROUPING SETS / ROLLUP / CUBE: one reduce per set, keys outside the set NULL, unioned.
    const relId = freshId(qc);
    const relGet = Mir.get({ local: relId }, columnTypes(rel));
    const parts = sets.map((set) => {
      const uniq = [...new Set(set)].sort((a, b) => a - b);
      let r = groupByKeys(relGet, uniq.map((i) => keys[i]!), aggExprs, filtered, qc);
      if (uniq.length === k) r = withDefaultRow(r, aggExprs, qc);
      const n = uniq.length;
      const width = n + aggExprs.length;
      const fill = keys.map((kx, i) => (uniq.includes(i) ? col(uniq.indexOf(i), kx.type) : lit(null, kx.type)));
      const gvals = groupingCalls.map((g) => lit(groupingValue(uniq, g.args), T.int4));
      return Mir.project(Mir.map(r, [...fill, ...gvals]), [...range(width, keys.length), ...range(n, aggExprs.length), ...range(width + keys.length, gvals.length)]);
    });
    out = { kind: 'let', id: relId, value: rel, body: Mir.union(parts[0]!, parts.slice(1)) };
  }
  for (const fa of filtered) aggExprs[fa.slot] = fa.agg;
  return {
    rel: out,
    grouping: { keys: keys.map((x) => exprKey(x)), keyTypes: keys.map((x) => x.type), aggs, inputScope },
  };
}

/** A reduce by `keys`; aggregates with FILTER over array_agg are computed on the filtered rows and joined in. */
function groupByKeys(
  rel: MirRelationExpr, keys: readonly MirScalarExpr[], aggExprs: readonly AggregateExpr[],
  filtered: readonly { slot: number; agg: AggregateExpr; filter: MirScalarExpr }[], qc: QueryContext,
): MirRelationExpr {
  keys = keys.map(groupKeyExpr);
  if (filtered.length === 0) return Mir.reduce(rel, keys, aggExprs);
  const relId = freshId(qc);
  const relGet = Mir.get({ local: relId }, columnTypes(rel));
  let combined = Mir.reduce(relGet, keys, aggExprs);
  const nk = keys.length;
  for (const fa of filtered) {
    const width = nk + aggExprs.length;
    const part = Mir.reduce(Mir.filter(relGet, [fa.filter]), keys, [fa.agg]);
    combined = leftJoinOnKeys(combined, part, range(0, nk), 1, [lit(null, fa.agg.type)], qc);
    combined = Mir.project(combined, range(0, width).map((c) => (c === nk + fa.slot ? width : c)));
  }
  return { kind: 'let', id: relId, value: rel, body: combined };
}

/** The grouping sets one GROUP BY item stands for, as lists of expression nodes. */
function expandGroupingItem(n: Node): Node[][] {
  if (!('GroupingSet' in n)) return [groupMembers(n)];
  const gs = n.GroupingSet;
  const content = gs.content ?? [];
  switch (gs.kind) {
    case 'GROUPING_SET_EMPTY': return [[]];
    case 'GROUPING_SET_SIMPLE': return [content.flatMap(groupMembers)];
    case 'GROUPING_SET_ROLLUP': {
      const elems = content.map(groupMembers);
      return range(0, elems.length + 1).reverse().map((len) => elems.slice(0, len).flat());
    }
    case 'GROUPING_SET_CUBE': {
      const elems = content.map(groupMembers);
      if (elems.length > 12) throw new SqlError(SqlState.programLimitExceeded, 'CUBE is limited to 12 elements');
      const out: Node[][] = [];
      for (let mask = (1 << elems.length) - 1; mask >= 0; mask--) out.push(elems.filter((_e, i) => (mask & (1 << (elems.length - 1 - i))) !== 0).flat());
      return out;
    }
    case 'GROUPING_SET_SETS': return content.flatMap(expandGroupingItem);
    default: throw unsupported(`grouping set ${gs.kind ?? ''}`);
  }
}

/** A parenthesized row `(a, b)` in ROLLUP/CUBE/GROUPING SETS groups several expressions as one element. */
function groupMembers(n: Node): Node[] {
  if ('RowExpr' in n) return n.RowExpr.args ?? [];
  return [n];
}

/**
 * A global aggregate yields one row even over empty input: count 0, other aggregates NULL. Lowered as
 * Materialize does: reduce ∪ (default row − project(reduce)), so the default appears iff reduce is empty.
 */
function withDefaultRow(reduce: MirRelationExpr, aggs: readonly AggregateExpr[], qc: QueryContext): MirRelationExpr {
  const id = freshId(qc);
  const types = columnTypes(reduce);
  const k = qc.corr?.items.length ?? 0;
  const get = Mir.get({ local: id }, types);
  const defaults = aggs.map((a) => (a.func === 'count' || a.func === 'count_star' ? 0n : null));
  // Correlated: one default row per outer key with no rows (D minus the keys that have rows).
  const keys = qc.corr?.d ?? Mir.constant([[[], 1]], []);
  const noRows = Mir.union(keys, [Mir.negate(Mir.project(get, range(0, k)))]);
  const dflt = Mir.map(noRows, defaults.map((d, i) => lit(d, types[k + i]!)));
  return { kind: 'let', id, value: reduce, body: Mir.union(get, [dflt]) };
}

const AGG_ALIASES: Record<string, AggregateFunc> = { every: 'bool_and', stddev: 'stddev_samp', variance: 'var_samp' };

/** An aggregate call; `filter` is set when its FILTER must be applied to the input rows (array_agg). */
function planAggregate(f: FuncCall, cx: ExprContext): { agg: AggregateExpr; filter?: MirScalarExpr } {
  const agg = planAggregateExpr(f, cx);
  const name = nameParts(f.funcname).at(-1)!;
  if (f.agg_filter !== undefined && (name === 'array_agg' || name === 'jsonb_agg' || name === 'jsonb_object_agg')) {
    const filter = coerceBool(bindExpr(f.agg_filter, { ...cx, clause: 'FILTER' }), 'FILTER', cx.qc.st);
    const unguard = (e: MirScalarExpr): MirScalarExpr => (e.kind === 'if' ? e.then : e);
    return { agg: { ...agg, expr: unguard(agg.expr) }, filter };
  }
  return { agg };
}

function planAggregateExpr(f: FuncCall, cx: ExprContext): AggregateExpr {
  const parts = nameParts(f.funcname);
  const name = parts[parts.length - 1]!;
  const distinct = f.agg_distinct === true;
  const filter = f.agg_filter === undefined ? undefined : coerceBool(bindExpr(f.agg_filter, { ...cx, clause: 'FILTER' }), 'FILTER', cx.qc.st);
  const guard = (e: MirScalarExpr): MirScalarExpr => (filter === undefined ? e : ifThen(filter, e, lit(null, e.type)));
  if (f.agg_order !== undefined && name !== 'string_agg' && name !== 'array_agg' && name !== 'jsonb_agg') throw unsupported(`ORDER BY in ${name}`);
  if (f.agg_within_group === true) throw unsupported('WITHIN GROUP');
  if (name === 'count' && f.agg_star === true) {
    if (filter !== undefined) return { func: 'count', expr: guard(lit(true, T.bool)), distinct: false, type: T.int8 };
    return { func: 'count_star', expr: lit(true, T.bool), distinct: false, type: T.int8 };
  }
  if (f.agg_star === true) throw new SqlError(SqlState.syntaxError, `${name}(*) is not allowed`);
  const args = (f.args ?? []).map((a) => bindExpr(a, cx));
  const sig = `${name}(${args.map((a) => typeName(a.type)).join(', ')})`;
  const noFunc = (): SqlError => new SqlError(SqlState.undefinedFunction, `function ${sig} does not exist`, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
  const func: AggregateFunc = AGG_ALIASES[name] ?? (name as AggregateFunc);
  const one = (): MirScalarExpr => {
    if (args.length !== 1) throw noFunc();
    return args[0]!;
  };
  let expr: MirScalarExpr;
  let type: ScalarType;
  switch (func) {
    case 'count': expr = one(); type = T.int8; break;
    case 'sum': case 'avg': {
      expr = one();
      if (expr.type.name === 'unknown') throw new SqlError('42725', `function ${sig} is not unique`);
      const t = expr.type.name;
      if (t === 'int2' || t === 'int4') type = func === 'sum' ? T.int8 : T.numeric;
      else if (t === 'int8' || t === 'numeric') type = T.numeric;
      else if (t === 'float4') type = func === 'sum' ? T.float4 : T.float8;
      else if (t === 'float8') type = T.float8;
      else if (t === 'interval') type = T.interval;
      else throw noFunc();
      break;
    }
    case 'min': case 'max': {
      expr = one();
      if (expr.type.name === 'unknown') expr = tryCoerce(expr, T.text, 'implicit', cx.qc.st)!;
      // PostgreSQL has no min/max for jsonb (jsonb is btree-ordered, but the aggregates are not defined).
      if (['bool', 'record', 'json', 'jsonb'].includes(expr.type.name) || (category(expr.type) === 'U' && !['bytea', 'uuid', 'mz_timestamp'].includes(expr.type.name))) throw noFunc();
      if (needsSortKey(expr.type)) throw unsupported(`${func}(${typeName(expr.type)})`);
      type = expr.type.typmod === undefined ? expr.type : { name: expr.type.name };
      break;
    }
    case 'bool_and': case 'bool_or':
      expr = one();
      if (expr.type.name === 'unknown') expr = tryCoerce(expr, T.bool, 'implicit', cx.qc.st)!;
      if (expr.type.name !== 'bool') throw noFunc();
      type = T.bool;
      break;
    case 'stddev_pop': case 'stddev_samp': case 'var_pop': case 'var_samp': case 'stddev': case 'variance':
      expr = one();
      if (category(expr.type) !== 'N') throw noFunc();
      type = expr.type.name === 'float4' || expr.type.name === 'float8' ? T.float8 : T.numeric;
      break;
    case 'string_agg': {
      if (args.length !== 2) throw noFunc();
      const [v, d] = args.map((a) => (isStringType(a.type) || a.type.name === 'unknown' ? tryCoerce(a, T.text, 'implicit', cx.qc.st)! : a)) as [MirScalarExpr, MirScalarExpr];
      if (v.type.name !== 'text' || d.type.name !== 'text') throw noFunc();
      expr = call('record_create', [v, d], { name: 'record', fields: [{ name: 'value', type: T.text }, { name: 'sep', type: T.text }] });
      type = T.text;
      break;
    }
    case 'array_agg':
      expr = one();
      if (expr.type.name === 'unknown') expr = tryCoerce(expr, T.text, 'implicit', cx.qc.st)!;
      // array_agg(anyarray) returns the same array type, one dimension more.
      type = expr.type.name === 'array' ? expr.type : arrayOf(expr.type);
      break;
    case 'jsonb_agg':
      expr = one();
      if (expr.type.name === 'unknown') expr = tryCoerce(expr, T.text, 'implicit', cx.qc.st)!;
      type = T.jsonb;
      break;
    case 'jsonb_object_agg': {
      // The input is a record (key, value), the shape compute's jsonb_object_agg expects.
      if (args.length !== 2) throw noFunc();
      const [k, v] = args.map((a) => (a.type.name === 'unknown' ? tryCoerce(a, T.text, 'implicit', cx.qc.st)! : a)) as [MirScalarExpr, MirScalarExpr];
      expr = call('record_create', [k, v], { name: 'record', fields: [{ name: 'key', type: k.type }, { name: 'value', type: v.type }] });
      type = T.jsonb;
      break;
    }
    default: throw unsupported(`aggregate ${name}`);
  }
  const agg: AggregateExpr = { func, expr: guard(distinct ? groupKeyExpr(expr) : expr), distinct, type };
  if (f.agg_order !== undefined) {
    const sorts = f.agg_order.map((n) => ('SortBy' in n ? n.SortBy : undefined)).filter((x): x is SortBy => x !== undefined);
    const orderByExprs = sorts.map((sb) => sortKeyExpr(bindExpr(sb.node!, cx)));
    const orderBy = sorts.map((sb, i) => sortOrder(sb, i));
    return { ...agg, orderBy, orderByExprs };
  }
  return agg;
}

function sortOrder(sb: SortBy, column: number): ColumnOrder {
  if (sb.sortby_dir === 'SORTBY_USING') throw unsupported('ORDER BY ... USING');
  const desc = sb.sortby_dir === 'SORTBY_DESC';
  const nullsLast = sb.sortby_nulls === 'SORTBY_NULLS_LAST' ? true : sb.sortby_nulls === 'SORTBY_NULLS_FIRST' ? false : !desc;
  return { column, desc, nullsLast };
}

/** ORDER BY items → column orders over the targets, appending hidden columns for other expressions. */
function planOrderBy(
  sortClause: readonly Node[], targets: readonly MirScalarExpr[], names: readonly string[], cx: ExprContext, distinct: boolean,
): { order: ColumnOrder[]; extra: MirScalarExpr[] } {
  const order: ColumnOrder[] = [];
  const extra: MirScalarExpr[] = [];
  for (const n of sortClause) {
    if (!('SortBy' in n)) continue;
    const sb = n.SortBy;
    const node = sb.node!;
    let column: number | undefined;
    if ('A_Const' in node && node.A_Const.ival !== undefined) {
      const k = node.A_Const.ival.ival ?? 0;
      if (k < 1 || k > targets.length) throw new SqlError(SqlState.invalidColumnReference, `ORDER BY position ${k} is not in select list`);
      column = k - 1;
    } else if ('ColumnRef' in node) {
      const parts = nameParts(node.ColumnRef.fields);
      if (parts.length === 1) {
        const hits = names.map((nm, i) => (nm === parts[0] ? i : -1)).filter((i) => i >= 0);
        if (hits.length > 1 && !hits.every((h) => exprKey(targets[h]) === exprKey(targets[hits[0]!]))) {
          throw new SqlError(SqlState.ambiguousColumn, `ORDER BY "${parts[0]}" is ambiguous`);
        }
        if (hits.length > 0) column = hits[0];
      }
    }
    if (column === undefined) {
      const e = bindExpr(node, cx);
      const k = exprKey(e);
      const hit = targets.findIndex((t) => exprKey(t) === k);
      if (hit >= 0) column = hit;
      else {
        if (distinct) throw new SqlError(SqlState.invalidColumnReference, 'for SELECT DISTINCT, ORDER BY expressions must appear in select list');
        column = targets.length + extra.length;
        extra.push(e.type.name === 'unknown' ? tryCoerce(e, T.text, 'implicit', cx.qc.st)! : e);
      }
    }
    // jsonb sorts by a hidden key column (its datums are text, which orders differently).
    const sorted = column < targets.length ? targets[column]! : extra[column - targets.length]!;
    if (needsSortKey(sorted.type)) {
      column = targets.length + extra.length;
      extra.push(sortKeyExpr(sorted));
    }
    order.push(sortOrder(sb, column));
  }
  return { order, extra };
}

function constInt(n: Node | undefined, what: string, qc: QueryContext): number | undefined {
  if (n === undefined) return undefined;
  const e = bindExpr(n, { qc, scope: Scope.empty(), clause: what });
  const c = tryCoerce(e, T.int8, 'implicit', qc.st);
  if (c === undefined) throw new SqlError(SqlState.datatypeMismatch, `argument of ${what} must be type bigint, not type ${typeName(e.type)}`);
  // Describing a statement: an untyped `LIMIT $1` is now inferred as bigint (as PostgreSQL does), its value comes at execution.
  if (isParamMarker(c)) return undefined;
  if (c.kind !== 'literal') throw unsupported(`non-constant ${what}`);
  if (c.value === null) return undefined;
  const v = Number(c.value as bigint);
  if (v < 0) throw new SqlError(what === 'LIMIT' ? '2201W' : '2201X', `${what} must not be negative`);
  return v;
}

function isParamMarker(e: MirScalarExpr): boolean {
  if (e.kind !== 'call') return false;
  return e.func === '$param' || e.args.some(isParamMarker);
}

function limitOf(s: SelectStmt, qc: QueryContext): { limit?: number } {
  if (s.limitOption === 'LIMIT_OPTION_WITH_TIES') throw unsupported('FETCH ... WITH TIES');
  const l = constInt(s.limitCount, 'LIMIT', qc);
  return l === undefined ? {} : { limit: l };
}

function planOffset(s: SelectStmt, qc: QueryContext): number {
  return constInt(s.limitOffset, 'OFFSET', qc) ?? 0;
}

export type { ScopeItem, ResTarget };
