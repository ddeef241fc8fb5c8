/**
 * FROM clauses: relations by name (tables, sources, materialized views read by id; views inlined; CTEs),
 * subqueries, and inner joins. Joins are flattened into one list of inputs plus predicates, which
 * `buildJoin` lowers to an MIR join whose equivalences come from the equality conjuncts.
 */
import type { Node, RangeVar } from 'libpg-query';
import { type MirRelationExpr, type MirScalarExpr, Mir, arity, columnsUsed, lit, permuteColumns } from '../../expr/index.ts';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import { coerceBool } from './coerce.ts';
import type { PlannedQuery, QueryContext } from './context.ts';
import { bindExpr, bindOperator, nameParts } from './expr.ts';
import { substituteNow } from './mir-util.ts';
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

export function planFrom(items: readonly Node[], qc: QueryContext): FromResult {
  if (items.length === 0) return { inputs: [], scope: Scope.empty(), preds: [] };
  let acc: FromResult | undefined;
  for (const it of items) {
    const r = planFromItem(it, qc);
    acc = acc === undefined ? r : concatFrom(acc, r);
  }
  return acc!;
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

function planFromItem(n: Node, qc: QueryContext): FromResult {
  if ('RangeVar' in n) return planRangeVar(n.RangeVar, qc);
  if ('RangeSubselect' in n) {
    const rs = n.RangeSubselect;
    if (rs.lateral === true) throw unsupported('LATERAL subqueries');
    const q = planSubqueryFn!(rs.subquery!, qc);
    const { name, columns } = aliasOf(rs);
    const scope = name === undefined ? new Scope(q.scope.items.map((it) => ({ name: it.name, type: it.type, nullable: it.nullable }))) : q.scope.withAlias(name, columns);
    return { inputs: [q.expr], scope, preds: [] };
  }
  if ('JoinExpr' in n) {
    const j = n.JoinExpr;
    if (j.jointype !== undefined && j.jointype !== 'JOIN_INNER') {
      const kind = { JOIN_LEFT: 'LEFT', JOIN_RIGHT: 'RIGHT', JOIN_FULL: 'FULL' }[j.jointype as string] ?? j.jointype;
      throw unsupported(`${kind} JOIN`);
    }
    const l = planFromItem(j.larg!, qc);
    const r = planFromItem(j.rarg!, qc);
    let joined = concatFrom(l, r);
    const preds: MirScalarExpr[] = [];
    let using = j.usingClause === undefined ? undefined : nameParts(j.usingClause);
    if (j.isNatural === true) {
      const rNames = new Set(r.scope.items.filter((it) => it.usingHidden !== true).map((it) => it.name));
      using = l.scope.items.filter((it) => it.usingHidden !== true && rNames.has(it.name)).map((it) => it.name);
    }
    if (using !== undefined) {
      const hidden = new Set<number>();
      const shift = l.scope.items.length;
      for (const name of using) {
        const li = l.scope.resolve([name]);
        const ri = r.scope.resolve([name]);
        if (li === undefined) throw new SqlError(SqlState.undefinedColumn, `column "${name}" specified in USING clause does not exist in left table`);
        if (ri === undefined) throw new SqlError(SqlState.undefinedColumn, `column "${name}" specified in USING clause does not exist in right table`);
        const cx = { qc, scope: joined.scope, clause: 'JOIN/USING' };
        const lc: MirScalarExpr = { kind: 'column', index: li, type: l.scope.items[li]!.type };
        const rc: MirScalarExpr = { kind: 'column', index: ri + shift, type: r.scope.items[ri]!.type };
        preds.push(bindOperator('=', [lc, rc], cx));
        hidden.add(ri + shift);
      }
      joined = { ...joined, scope: new Scope(joined.scope.items.map((it, i) => (hidden.has(i) ? { ...it, usingHidden: true } : it))) };
    }
    if (j.quals !== undefined) {
      preds.push(coerceBool(bindExpr(j.quals, { qc, scope: joined.scope, clause: 'JOIN/ON' }), 'JOIN/ON', qc.st));
    }
    const { name } = aliasOf(j);
    if (name !== undefined) joined = { ...joined, scope: joined.scope.withAlias(name) };
    return { ...joined, preds: [...joined.preds, ...preds] };
  }
  if ('RangeFunction' in n) throw unsupported('table functions in FROM');
  throw unsupported(`FROM item ${Object.keys(n)[0] ?? ''}`);
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
    expr = qc.nowMode === 'literal' ? substituteNow(item.plan, lit(qc.now, { name: 'timestamptz' })) : item.plan;
  } else {
    expr = Mir.get(item.id, types);
  }
  if (columns !== undefined && columns.length > item.desc.columns.length) {
    throw new SqlError(SqlState.invalidColumnReference, `table "${alias ?? item.name.item}" has ${item.desc.columns.length} columns available but ${columns.length} columns specified`);
  }
  const table = alias ?? item.name.item;
  const scope = new Scope(item.desc.columns.map((c, i) => ({
    name: columns?.[i] ?? c.name, type: c.type, nullable: c.nullable, table,
    ...(alias === undefined ? { schema: item.name.schema, database: item.name.database } : {}),
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

export function splitConjuncts(preds: readonly MirScalarExpr[]): MirScalarExpr[] {
  const out: MirScalarExpr[] = [];
  const walk = (p: MirScalarExpr): void => {
    if (p.kind === 'call' && p.func === 'and') p.args.forEach(walk);
    else if (!(p.kind === 'literal' && p.value === true)) out.push(p);
  };
  preds.forEach(walk);
  return out;
}
