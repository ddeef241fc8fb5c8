/**
 * INSERT, UPDATE and DELETE on tables: target resolution, column lists, DEFAULT, assignment casts,
 * NOT NULL checks (a `not_null_check` call that raises 23502 when evaluated; NULL literals fail now),
 * and RETURNING.
 */
import type { DeleteStmt, InsertStmt, Node, UpdateStmt } from 'libpg-query';
import { type MirRelationExpr, type MirScalarExpr, Mir, call, col, lit } from '../../expr/index.ts';
import { type Column, relationDesc } from '../../repr/index.ts';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import type { CatalogItemInfo } from './catalog-api.ts';
import { coerceAssignment, coerceBool, tryCoerce } from './coerce.ts';
import type { QueryContext } from './context.ts';
import { fullName, resolveExisting } from './ddl.ts';
import { bindExpr, containsSubLink, nameParts } from './expr.ts';
import { SubqueryHost } from './subquery.ts';
import type { Plan, ReturningPlan } from './plan.ts';
import { outputName, planSubquery, rowsToRelation } from './query.ts';
import { Scope } from './scope.ts';
import { T } from '../../repr/index.ts';

function targetTable(rv: { catalogname?: string; schemaname?: string; relname?: string } | undefined, qc: QueryContext, verb: string): CatalogItemInfo {
  const parts = [rv?.catalogname, rv?.schemaname, rv?.relname].filter((p): p is string => p !== undefined);
  const item = qc.pc.catalog.resolveItem(parts, qc.pc.searchPath, qc.pc.database);
  if (item === undefined) throw new SqlError(SqlState.undefinedTable, `relation "${parts.join('.')}" does not exist`);
  if (item.kind !== 'table' || item.desc === undefined) {
    throw new SqlError(SqlState.wrongObjectType, `cannot ${verb} ${item.kind.replace('-', ' ')} '${fullName(item.name)}'`);
  }
  return item;
}

function tableScope(t: CatalogItemInfo, alias: string | undefined): Scope {
  return new Scope(t.desc!.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, table: alias ?? t.name.item })));
}

/** Wraps a value for a NOT NULL column in a check; a NULL literal fails right away. */
function checkNotNull(e: MirScalarExpr, c: Column, table: CatalogItemInfo): MirScalarExpr {
  if (c.nullable) return e;
  if (e.kind === 'literal') {
    if (e.value === null) throw notNullError(c.name, table);
    return e;
  }
  return call('not_null_check', [e, lit(c.name, T.text)], e.type);
}

function notNullError(column: string, _table: CatalogItemInfo): SqlError {
  return new SqlError(SqlState.notNullViolation, `null value in column "${column}" violates not-null constraint`);
}

function defaultFor(t: CatalogItemInfo, i: number): MirScalarExpr {
  const c = t.desc!.columns[i]!;
  return t.defaults?.[i] ?? lit(null, c.type);
}

function planReturning(nodes: readonly Node[] | undefined, t: CatalogItemInfo, scope: Scope, qc: QueryContext): ReturningPlan | undefined {
  if (nodes === undefined || nodes.length === 0) return undefined;
  const exprs: MirScalarExpr[] = [];
  const cols: Column[] = [];
  for (const n of nodes) {
    if (!('ResTarget' in n)) continue;
    const v = n.ResTarget.val!;
    if ('ColumnRef' in v && nameParts(v.ColumnRef.fields).at(-1) === '*') {
      for (const i of scope.star()) {
        const c = t.desc!.columns[i]!;
        exprs.push(col(i, c.type));
        cols.push({ name: c.name, type: c.type, nullable: c.nullable });
      }
      continue;
    }
    let e = bindExpr(v, { qc, scope, clause: 'RETURNING' });
    if (e.type.name === 'unknown') e = tryCoerce(e, T.text, 'implicit', qc.st)!;
    exprs.push(e);
    cols.push({ name: n.ResTarget.name ?? outputName(v), type: e.type, nullable: true });
  }
  return { exprs, desc: relationDesc(cols) };
}

export function planInsert(ins: InsertStmt, qc: QueryContext): Plan {
  if (ins.onConflictClause !== undefined) throw unsupported('INSERT ... ON CONFLICT');
  if (ins.withClause !== undefined) throw unsupported('WITH in INSERT');
  const t = targetTable(ins.relation, qc, 'insert into');
  const desc = t.desc!;
  const alias = ins.relation?.alias?.aliasname;
  let targets: number[];
  if (ins.cols === undefined) {
    // Without a column list, a shorter row fills the leading columns (the rest get defaults).
    const sel0 = ins.selectStmt !== undefined && 'SelectStmt' in ins.selectStmt ? ins.selectStmt.SelectStmt : undefined;
    const first = sel0?.valuesLists?.[0];
    const width = first !== undefined && 'List' in first ? (first.List.items ?? []).length
      : sel0 === undefined ? 0 : planSubquery(ins.selectStmt!, qc).scope.items.length;
    if (width > desc.columns.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more expressions than target columns');
    targets = desc.columns.slice(0, width).map((_c, i) => i);
  } else {
    targets = [];
    for (const c of ins.cols) {
      if (!('ResTarget' in c)) continue;
      if (c.ResTarget.indirection !== undefined) throw unsupported('INSERT into subfields or array elements');
      const name = c.ResTarget.name ?? '';
      const i = desc.columns.findIndex((x) => x.name === name);
      if (i < 0) throw new SqlError(SqlState.undefinedColumn, `column "${name}" of relation "${t.name.item}" does not exist`);
      if (targets.includes(i)) throw new SqlError(SqlState.duplicateColumn, `column "${name}" specified more than once`);
      targets.push(i);
    }
  }
  const posOf = new Map(targets.map((c, j) => [c, j]));
  const complete = (vals: (j: number, c: Column) => MirScalarExpr | undefined): MirScalarExpr[] =>
    desc.columns.map((c, i) => {
      const j = posOf.get(i);
      const v = j === undefined ? undefined : vals(j, c);
      return checkNotNull(v ?? defaultFor(t, i), c, t);
    });
  let values: MirRelationExpr;
  const sel = ins.selectStmt !== undefined && 'SelectStmt' in ins.selectStmt ? ins.selectStmt.SelectStmt : undefined;
  if (sel === undefined) {
    values = rowsToRelation([complete(() => undefined)], desc.columns.map((c) => c.type));
  } else if (sel.valuesLists !== undefined && sel.sortClause === undefined && sel.limitCount === undefined && sel.withClause === undefined && !containsSubLink(sel.valuesLists)) {
    const rows = sel.valuesLists.map((l) => {
      const items = 'List' in l ? l.List.items ?? [] : [];
      if (items.length > targets.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more expressions than target columns');
      if (items.length < targets.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more target columns than expressions');
      return complete((j, c) => {
        const n = items[j]!;
        if ('SetToDefault' in n) return undefined;
        return coerceAssignment(bindExpr(n, { qc, scope: Scope.empty(), clause: 'VALUES' }), c.type, c.name, qc.st);
      });
    });
    values = rowsToRelation(rows, desc.columns.map((c) => c.type));
  } else {
    const q = planSubquery(ins.selectStmt!, qc);
    const n = q.scope.items.length;
    if (n > targets.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more expressions than target columns');
    if (n < targets.length) throw new SqlError(SqlState.syntaxError, 'INSERT has more target columns than expressions');
    const exprs = complete((j, c) => coerceAssignment(col(j, q.scope.items[j]!.type), c.type, c.name, qc.st));
    values = Mir.project(Mir.map(q.expr, exprs), exprs.map((_e, i) => n + i));
  }
  const returning = planReturning(ins.returningClause?.exprs, t, tableScope(t, alias), qc);
  return returning === undefined ? { kind: 'insert', target: t.id, values } : { kind: 'insert', target: t.id, values, returning };
}

export function planUpdate(u: UpdateStmt, qc: QueryContext): Plan {
  if (u.fromClause !== undefined && u.fromClause.length > 0) throw unsupported('UPDATE ... FROM');
  if (u.withClause !== undefined) throw unsupported('WITH in UPDATE');
  const t = targetTable(u.relation, qc, 'update');
  const desc = t.desc!;
  const scope = tableScope(t, u.relation?.alias?.aliasname);
  const assignments: (MirScalarExpr | undefined)[] = desc.columns.map(() => undefined);
  for (const n of u.targetList ?? []) {
    if (!('ResTarget' in n)) continue;
    const rt = n.ResTarget;
    if (rt.val !== undefined && 'MultiAssignRef' in rt.val) throw unsupported('multiple-column UPDATE assignments');
    if (rt.indirection !== undefined) throw unsupported('UPDATE of subfields or array elements');
    const name = rt.name ?? '';
    const i = desc.columns.findIndex((x) => x.name === name);
    if (i < 0) throw new SqlError(SqlState.undefinedColumn, `column "${name}" of relation "${t.name.item}" does not exist`);
    if (assignments[i] !== undefined) throw new SqlError(SqlState.duplicateColumn, `multiple assignments to same column "${name}"`);
    const c = desc.columns[i]!;
    const v = rt.val === undefined || 'SetToDefault' in rt.val ? defaultFor(t, i) : coerceAssignment(bindExpr(rt.val, { qc, scope, clause: 'UPDATE' }), c.type, c.name, qc.st);
    assignments[i] = checkNotNull(v, c, t);
  }
  const selection = planSelection(t, scope, u.whereClause, qc);
  const returning = planReturning(u.returningClause?.exprs, t, scope, qc);
  const base = { kind: 'readThenWrite', target: t.id, selection, assignments, tag: 'UPDATE' } as const;
  return returning === undefined ? base : { ...base, returning };
}

export function planDelete(d: DeleteStmt, qc: QueryContext): Plan {
  if (d.usingClause !== undefined && d.usingClause.length > 0) throw unsupported('DELETE ... USING');
  if (d.withClause !== undefined) throw unsupported('WITH in DELETE');
  const t = targetTable(d.relation, qc, 'delete from');
  const scope = tableScope(t, d.relation?.alias?.aliasname);
  const selection = planSelection(t, scope, d.whereClause, qc);
  const returning = planReturning(d.returningClause?.exprs, t, scope, qc);
  const base = { kind: 'readThenWrite', target: t.id, selection, assignments: undefined, tag: 'DELETE' } as const;
  return returning === undefined ? base : { ...base, returning };
}

function planSelection(t: CatalogItemInfo, scope: Scope, where: Node | undefined, qc: QueryContext): MirRelationExpr {
  qc.dependsOn.add(t.id);
  const get = Mir.get(t.id, t.desc!.columns.map((c) => c.type));
  if (where === undefined) return get;
  const host = new SubqueryHost(get, scope);
  const pred = coerceBool(bindExpr(where, { qc, scope, clause: 'WHERE', host }), 'WHERE', qc.st);
  return Mir.project(Mir.filter(host.rel, [pred]), scope.items.map((_it, i) => i));
}

export { resolveExisting };
