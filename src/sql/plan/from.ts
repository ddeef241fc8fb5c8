/**
 * FROM clauses: relations by name (tables, sources, materialized views read by id; views inlined; CTEs),
 * subqueries, and inner joins. Joins are flattened into one list of inputs plus predicates, which
 * `buildJoin` lowers to an MIR join whose equivalences come from the equality conjuncts.
 */
import type { JoinExpr, Node, RangeFunction, RangeVar } from 'libpg-query';
import {
  type MirRelationExpr, type MirScalarExpr, Mir, arity, call, col, columnTypes, columnsUsed, lit, permuteColumns,
} from '../../expr/index.ts';
import { type ScalarType, T } from '../../repr/index.ts';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import { coerceBool, commonType, tryCoerce } from './coerce.ts';
import { type PlannedQuery, type QueryContext, freshId } from './context.ts';
import { SubqueryHost, distinct, keyEquivalence, lateralJoin, planCorrelatable, range } from './subquery.ts';
import { bindTableFunc } from './table-funcs.ts';
import { bindExpr, bindOperator, containsSubLink, nameParts } from './expr.ts';
import { renumberLets, substituteNow } from './mir-util.ts';
import { exprKey } from './fold.ts';
import { Scope } from './scope.ts';

/** A flattened FROM: inputs to cross-join, the scope over their concatenated columns, and join predicates. */
export interface FromResult {
  readonly inputs: readonly MirRelationExpr[];
  readonly scope: Scope;
  readonly preds: readonly MirScalarExpr[];
}

/** Planned separately to avoid an import cycle: query.ts registers its subquery planner here. */
let planSubqueryFn: ((n: Node, qc: QueryContext) => PlannedQuery) | undefined;
export function registerSubqueryPlanner(f: (n: Node, qc: QueryContext) => PlannedQuery): void {
  planSubqueryFn = f;
}

export function planFrom(items: readonly Node[], qc: QueryContext, init?: FromResult): FromResult {
  let acc: FromResult | undefined = init;
  for (const it of items) acc = planFromItem(it, qc, acc);
  return acc ?? { inputs: [], scope: Scope.empty(), preds: [] };
}

function concatFrom(l: FromResult, r: FromResult): FromResult {
  const shift = l.scope.items.length;
  return {
    inputs: [...l.inputs, ...r.inputs],
    scope: l.scope.concat(r.scope),
    preds: [...l.preds, ...r.preds.map((p) => permuteColumns(p, (i) => i + shift))],
  };
}

function aliasOf(n: { alias?: { aliasname?: string; colnames?: Node[] } }): { name?: string; columns?: string[] } {
  const a = n.alias;
  if (a === undefined) return {};
  const columns = a.colnames === undefined ? undefined : nameParts(a.colnames);
  return { ...(a.aliasname !== undefined ? { name: a.aliasname } : {}), ...(columns !== undefined ? { columns } : {}) };
}

const single = (rel: MirRelationExpr, scope: Scope): FromResult => ({ inputs: [rel], scope, preds: [] });

/** Plans one FROM item; `left` is what precedes it in the FROM list (LATERAL items and table functions may refer to it). */
function planFromItem(n: Node, qc: QueryContext, left: FromResult | undefined): FromResult {
  if ('RangeVar' in n) return concatOpt(left, planRangeVar(n.RangeVar, qc));
  if ('RangeSubselect' in n) {
    const rs = n.RangeSubselect;
    const { name, columns } = aliasOf(rs);
    const rename = (sc: Scope): Scope => (name === undefined ? new Scope(sc.items.map((it) => ({ name: it.name, type: it.type, nullable: it.nullable, ...(it.origin === undefined ? {} : { origin: it.origin }) }))) : sc.withAlias(name, columns));
    if (rs.lateral === true && left !== undefined) {
      const host = new SubqueryHost(buildJoin(left, []), left.scope);
      const j = lateralJoin(host, rs.subquery!, qc);
      return single(j.rel, left.scope.concat(rename(j.scope)));
    }
    if (left !== undefined && left.scope.items.some((it) => it.outer === true)) {
      // Inside a correlated subquery a derived table may refer to enclosing query levels: it is joined
      // like LATERAL, but sees only the outer columns carried in D, not its FROM siblings.
      const visible = new Scope(left.scope.items.map((it) => (it.outer === true ? it : { name: '', type: it.type, nullable: it.nullable })));
      const host = new SubqueryHost(buildJoin(left, []), visible);
      const j = lateralJoin(host, rs.subquery!, qc);
      return single(j.rel, left.scope.concat(rename(j.scope)));
    }
    const q = qc.outer !== undefined ? planCorrelatable(rs.subquery!, qc) : planSubqueryFn!(rs.subquery!, qc);
    return concatOpt(left, single(q.expr, rename(q.scope)));
  }
  if ('JoinExpr' in n) return concatOpt(left, planJoinExpr(n.JoinExpr, qc));
  if ('RangeFunction' in n) return planRangeFunction(n.RangeFunction, qc, left);
  throw unsupported(`FROM item ${Object.keys(n)[0] ?? ''}`);
}

function concatOpt(left: FromResult | undefined, r: FromResult): FromResult {
  return left === undefined ? r : concatFrom(left, r);
}

/** FROM f(args) [WITH ORDINALITY] [AS alias (cols)]: a flatMap over the preceding items when the arguments refer to them. */
function planRangeFunction(rf: RangeFunction, qc: QueryContext, left: FromResult | undefined): FromResult {
  const fns = rf.functions ?? [];
  if (fns.length !== 1) throw unsupported('ROWS FROM with several functions');
  const item = fns[0]!;
  const parts = 'List' in item ? item.List.items ?? [] : [item];
  const fnode = parts[0];
  if (fnode === undefined || !('FuncCall' in fnode)) throw unsupported('this FROM function form');
  if (parts[1] !== undefined && 'List' in parts[1] && (parts[1].List.items ?? []).length > 0) throw unsupported('column definition lists');
  const f = fnode.FuncCall;
  const fname = nameParts(f.funcname).at(-1)!;
  const leftScope = left?.scope ?? Scope.empty();
  const cx = { qc, scope: leftScope, clause: 'FROM' };
  const args = (f.args ?? []).map((a) => bindExpr(a, cx));
  const tf = bindTableFunc(fname, args, cx);
  if (tf === undefined) throw unsupported(`function ${fname} in FROM`);
  const { name: alias, columns } = aliasOf(rf);
  let names = tf.names.length === 1 && alias !== undefined && columns === undefined ? [alias] : [...tf.names];
  if (columns !== undefined) names = names.map((nm, i) => columns[i] ?? nm);
  let types = tf.types;
  const correlated = tf.exprs.some((e) => columnsUsed(e).size > 0);
  const base = correlated ? buildJoin(left!, []) : Mir.constant([[[], 1]], []);
  let rel: MirRelationExpr = { kind: 'flatMap', input: base, func: tf.func, exprs: tf.exprs, types: tf.types };
  if (rf.ordinality === true) {
    // Numbered in the function's output order, which the table function produces per input row.
    rel = { kind: 'flatMap', input: base, func: `${tf.func}_ordinality`, exprs: tf.exprs, types: [...tf.types, T.int8] };
    types = [...types, T.int8];
    names = [...names, columns?.[names.length] ?? 'ordinality'];
  }
  const table = alias ?? fname;
  const scope = new Scope(types.map((type, i) => ({ name: names[i]!, type, nullable: true, table })));
  if (correlated) return single(rel, leftScope.concat(scope));
  return concatOpt(left, single(rel, scope));
}

type JoinKind = 'inner' | 'left' | 'right' | 'full';

function planJoinExpr(j: JoinExpr, qc: QueryContext): FromResult {
  const kind: JoinKind = ({ JOIN_INNER: 'inner', JOIN_LEFT: 'left', JOIN_RIGHT: 'right', JOIN_FULL: 'full' } as Record<string, JoinKind>)[j.jointype ?? 'JOIN_INNER']
    ?? ((): never => { throw unsupported(`join type ${j.jointype ?? ''}`); })();
  const l = planFromItem(j.larg!, qc, undefined);
  const rarg = j.rarg!;
  const lateral = ('RangeSubselect' in rarg && rarg.RangeSubselect.lateral === true) || 'RangeFunction' in rarg;
  let r: FromResult;
  let lateralRel: MirRelationExpr | undefined;
  if (lateral) {
    if (kind === 'right' || kind === 'full') throw unsupported(`${kind.toUpperCase()} JOIN LATERAL`);
    const lr = planFromItem(rarg, qc, l);
    const nl = l.scope.items.length;
    if (lr.inputs.length === l.inputs.length + 1 && lr.preds.length === l.preds.length) {
      // Not actually correlated: an ordinary item concatenated to the left.
      r = { inputs: [lr.inputs[lr.inputs.length - 1]!], scope: new Scope(lr.scope.items.slice(nl)), preds: [] };
    } else {
      lateralRel = buildJoin(lr, []);
      r = { inputs: [], scope: new Scope(lr.scope.items.slice(nl)), preds: [] };
    }
  } else {
    r = planFromItem(rarg, qc, undefined);
  }
  const nl = l.scope.items.length;
  const scope = l.scope.concat(r.scope);
  const preds: MirScalarExpr[] = [];
  let using = j.usingClause === undefined ? undefined : nameParts(j.usingClause);
  if (j.isNatural === true) {
    const rNames = new Set(r.scope.items.filter((it) => it.usingHidden !== true).map((it) => it.name));
    using = l.scope.items.filter((it) => it.usingHidden !== true && rNames.has(it.name)).map((it) => it.name);
  }
  const merged: { name: string; li: number; ri: number; type: ScalarType }[] = [];
  for (const name of using ?? []) {
    const li = l.scope.resolve([name]);
    const ri = r.scope.resolve([name]);
    if (li === undefined) throw new SqlError(SqlState.undefinedColumn, `column "${name}" specified in USING clause does not exist in left table`);
    if (ri === undefined) throw new SqlError(SqlState.undefinedColumn, `column "${name}" specified in USING clause does not exist in right table`);
    const cx = { qc, scope, clause: 'JOIN/USING' };
    const lc = col(li, l.scope.items[li]!.type);
    const rc = col(ri + nl, r.scope.items[ri]!.type);
    const eq = bindOperator('=', [lc, rc], cx);
    preds.push(eq);
    let type = commonType([lc.type, rc.type], 'JOIN/USING');
    if (type.name === 'unknown') type = T.text;
    merged.push({ name, li, ri: ri + nl, type });
  }
  // ON conjuncts with subqueries filter the joined rows through a host after the join.
  const onConjuncts = astConjuncts(j.quals);
  const subOn = onConjuncts.filter((x) => containsSubLink(x));
  for (const x of onConjuncts) if (!containsSubLink(x)) preds.push(coerceBool(bindExpr(x, { qc, scope, clause: 'JOIN/ON' }), 'JOIN/ON', qc.st));
  const withSubOn = (inner: MirRelationExpr): MirRelationExpr => {
    if (subOn.length === 0) return inner;
    const host = new SubqueryHost(inner, scope);
    const sp = subOn.map((x) => coerceBool(bindExpr(x, { qc, scope, clause: 'JOIN/ON', host }), 'JOIN/ON', qc.st));
    return Mir.project(Mir.filter(host.rel, sp), range(0, scope.items.length));
  };
  // With subqueries in ON, whether rows match depends on whole rows.
  const matchCols = subOn.length === 0 ? [] : scope.items.map((it, i) => col(i, it.type));
  const { name: alias } = aliasOf(j);
  if (kind === 'inner' && lateralRel === undefined && merged.length === 0 && subOn.length === 0) {
    const joined = concatFrom(l, r);
    const out = { ...joined, preds: [...joined.preds, ...preds] };
    return alias === undefined ? out : { ...out, scope: aliasJoin(out.scope, alias) };
  }
  const nr = r.scope.items.length;
  let rel: MirRelationExpr;
  if (lateralRel !== undefined) {
    const inner = withSubOn(Mir.filter(lateralRel, splitConjuncts(preds)));
    // Whether a left row matches depends on the row itself (through the correlation), not only on ON's columns.
    const leftCols = range(0, nl).map((i) => col(i, scope.items[i]!.type));
    rel = kind === 'inner' ? inner : outerJoin(buildJoin(l, []), undefined, inner, nl, nr, [...preds, ...leftCols], kind, qc);
  } else {
    const L = buildJoin(l, []);
    const R = buildJoin(r, []);
    if (kind === 'inner') rel = withSubOn(buildJoin({ inputs: [L, R], scope, preds }, []));
    else {
      const lId = freshId(qc);
      const rId = freshId(qc);
      const lGet = Mir.get({ local: lId }, columnTypes(L));
      const rGet = Mir.get({ local: rId }, columnTypes(R));
      const inner = withSubOn(buildJoin({ inputs: [lGet, rGet], scope, preds }, []));
      rel = { kind: 'let', id: lId, value: L, body: { kind: 'let', id: rId, value: R, body: outerJoin(lGet, rGet, inner, nl, nr, [...preds, ...matchCols], kind, qc) } };
    }
  }
  let outScope = new Scope(scope.items.map((it, i) => ({
    ...it,
    nullable: it.nullable || (i < nl ? kind === 'right' || kind === 'full' : kind === 'left' || kind === 'full'),
  })));
  if (merged.length > 0) {
    // USING/NATURAL: the merged columns come first (PostgreSQL's order); the input copies stay, hidden from `*` and unqualified names.
    const hidden = new Set(merged.flatMap((m) => [m.li, m.ri]));
    const exprs = merged.map((m) => {
      const lc = tryCoerce(col(m.li, scope.items[m.li]!.type), m.type, 'implicit', qc.st)!;
      const rc = tryCoerce(col(m.ri, scope.items[m.ri]!.type), m.type, 'implicit', qc.st)!;
      return kind === 'right' ? rc : kind === 'full' ? call('coalesce', [lc, rc], m.type) : lc;
    });
    const width = nl + nr;
    rel = Mir.project(Mir.map(rel, exprs), [...range(width, merged.length), ...range(0, width)]);
    outScope = new Scope([
      ...merged.map((m, i) => ({ name: m.name, type: m.type, nullable: kind === 'full' || exprs[i]!.kind !== 'column' || outScope.items[(exprs[i] as { index: number }).index]?.nullable !== false })),
      ...outScope.items.map((it, i) => (hidden.has(i) ? { ...it, usingHidden: true } : it)),
    ]);
  }
  return single(rel, alias === undefined ? outScope : aliasJoin(outScope, alias));
}

/** `(a JOIN b ...) AS j`: every column is qualified by j; USING copies become unreachable. */
function aliasJoin(scope: Scope, alias: string): Scope {
  return new Scope(scope.items.map((it) => (it.usingHidden === true
    ? { name: '', type: it.type, nullable: it.nullable, table: alias, usingHidden: true }
    : { name: it.name, type: it.type, nullable: it.nullable, table: alias })));
}

/**
 * An outer join lowered as Materialize does: the inner join, plus for each preserved side its rows with
 * no match (the side minus its semijoin with the matched keys), padded with NULLs. Matching is decided
 * by the side's columns the ON condition reads, so the antijoin keys on exactly those (NULL-safe).
 */
function outerJoin(
  L: MirRelationExpr, R: MirRelationExpr | undefined, inner: MirRelationExpr, nl: number, nr: number,
  preds: readonly MirScalarExpr[], kind: JoinKind, qc: QueryContext,
): MirRelationExpr {
  const jId = freshId(qc);
  const types = columnTypes(inner);
  const jGet = Mir.get({ local: jId }, types);
  const used = new Set<number>();
  for (const p of preds) columnsUsed(p, used);
  const parts: MirRelationExpr[] = [jGet];
  const antijoin = (side: MirRelationExpr, cols: readonly number[], offset: number): MirRelationExpr => {
    const sideTypes = columnTypes(side);
    const matched = distinct(Mir.project(jGet, cols.map((c) => c + offset)));
    const semi = Mir.project(Mir.join([side, matched], keyEquivalence(cols, sideTypes, range(0, cols.length), columnTypes(matched), sideTypes.length)), range(0, sideTypes.length));
    return Mir.union(side, [Mir.negate(semi)]);
  };
  if (kind === 'left' || kind === 'full') {
    const cols = [...used].filter((c) => c < nl).sort((a, b) => a - b);
    parts.push(Mir.map(antijoin(L, cols, 0), types.slice(nl).map((t) => lit(null, t))));
  }
  if ((kind === 'right' || kind === 'full') && R !== undefined) {
    const cols = [...used].filter((c) => c >= nl).map((c) => c - nl).sort((a, b) => a - b);
    const padded = Mir.map(antijoin(R, cols, nl), types.slice(0, nl).map((t) => lit(null, t)));
    parts.push(Mir.project(padded, [...range(nr, nl), ...range(0, nr)]));
  }
  return { kind: 'let', id: jId, value: inner, body: Mir.union(parts[0]!, parts.slice(1)) };
}

function planRangeVar(rv: RangeVar, qc: QueryContext): FromResult {
  const parts = [rv.catalogname, rv.schemaname, rv.relname].filter((p): p is string => p !== undefined);
  const { name: alias, columns } = aliasOf(rv);
  const cte = parts.length === 1 ? qc.ctes.get(parts[0]!) : undefined;
  if (cte !== undefined) {
    return { inputs: [cte.expr], scope: cte.scope.withAlias(alias ?? parts[0]!, columns), preds: [] };
  }
  const item = qc.pc.catalog.resolveItem(parts, qc.pc.searchPath, qc.pc.database);
  if (item === undefined) throw new SqlError(SqlState.undefinedTable, `relation "${parts.join('.')}" does not exist`);
  if (item.desc === undefined) {
    throw new SqlError(SqlState.wrongObjectType, `${item.name.database}.${item.name.schema}.${item.name.item} is not a relation`);
  }
  qc.dependsOn.add(item.id);
  const types = item.desc.columns.map((c) => c.type);
  let expr: MirRelationExpr;
  if (item.kind === 'view') {
    if (item.plan === undefined) throw new Error(`internal error: view ${item.id} has no plan`);
    const plan = renumberLets(item.plan, () => freshId(qc));
    expr = qc.nowMode === 'literal' ? substituteNow(plan, lit(qc.now, { name: 'timestamptz' })) : plan;
  } else {
    // Keys over NOT NULL columns are uniqueness facts the optimizer can use (NULLs never conflict).
    const keys = (item.desc.keys ?? []).filter((k) => k.every((c) => item.desc!.columns[c]?.nullable === false));
    expr = keys.length === 0 ? Mir.get(item.id, types) : { kind: 'get', id: item.id, types, keys };
  }
  if (columns !== undefined && columns.length > item.desc.columns.length) {
    throw new SqlError(SqlState.invalidColumnReference, `table "${alias ?? item.name.item}" has ${item.desc.columns.length} columns available but ${columns.length} columns specified`);
  }
  const table = alias ?? item.name.item;
  const scope = new Scope(item.desc.columns.map((c, i) => ({
    name: columns?.[i] ?? c.name, type: c.type, nullable: c.nullable, table,
    ...(alias === undefined ? { schema: item.name.schema, database: item.name.database } : {}),
    ...(item.oid === undefined ? {} : { origin: { tableOid: item.oid, attnum: i + 1 } }),
  })));
  return { inputs: [expr], scope, preds: [] };
}

/** Lowers a flattened FROM plus predicates to MIR: a join with equivalences, then a filter for the rest. */
export function buildJoin(fr: FromResult, extra: readonly MirScalarExpr[]): MirRelationExpr {
  const preds = splitConjuncts([...fr.preds, ...extra]);
  if (fr.inputs.length === 0) return Mir.filter(Mir.constant([[[], 1]], []), preds);
  if (fr.inputs.length === 1) return Mir.filter(fr.inputs[0]!, preds);
  const bounds: number[] = [];
  let off = 0;
  for (const inp of fr.inputs) {
    bounds.push(off);
    off += arity(inp);
  }
  const inputOf = (e: MirScalarExpr): number | undefined => {
    const cols = [...columnsUsed(e)];
    if (cols.length === 0) return undefined;
    const which = new Set(cols.map((c) => bounds.findLastIndex((b) => b <= c)));
    return which.size === 1 ? [...which][0] : -1;
  };
  const classes: MirScalarExpr[][] = [];
  const rest: MirScalarExpr[] = [];
  for (const p of preds) {
    if (p.kind === 'call' && p.func === 'eq' && p.args.length === 2) {
      const [a, b] = p.args as [MirScalarExpr, MirScalarExpr];
      const ia = inputOf(a);
      const ib = inputOf(b);
      if (ia !== undefined && ib !== undefined && ia >= 0 && ib >= 0 && ia !== ib) {
        const ka = exprKey(a);
        const kb = exprKey(b);
        const hit = classes.find((c) => c.some((x) => exprKey(x) === ka || exprKey(x) === kb));
        if (hit === undefined) classes.push([a, b]);
        else for (const [x, k] of [[a, ka], [b, kb]] as const) if (!hit.some((y) => exprKey(y) === k)) hit.push(x);
        continue;
      }
    }
    rest.push(p);
  }
  return Mir.filter(Mir.join(fr.inputs, classes), rest);
}

/** The top-level AND conjuncts of a condition. */
export function astConjuncts(n: Node | undefined): Node[] {
  if (n === undefined) return [];
  if ('BoolExpr' in n && n.BoolExpr.boolop === 'AND_EXPR') return (n.BoolExpr.args ?? []).flatMap(astConjuncts);
  return [n];
}

export function splitConjuncts(preds: readonly MirScalarExpr[]): MirScalarExpr[] {
  const out: MirScalarExpr[] = [];
  const walk = (p: MirScalarExpr): void => {
    if (p.kind === 'call' && p.func === 'and') p.args.forEach(walk);
    else if (!(p.kind === 'literal' && p.value === true)) out.push(p);
  };
  preds.forEach(walk);
  return out;
}
