/**
 * Statement planning entry points: planStatement (statement + bound parameters → Plan) and
 * describeStatement (result columns and inferred parameter types, for Describe before Bind).
 * Parameters: binding runs once to infer `$n` types, then again with the values as literals.
 */
import type { Node } from 'libpg-query';
import { type ColumnOrder, type MirRelationExpr, type MirScalarExpr, Mir, arity, containsMzNow, evalScalar, scalarChildren } from '../../expr/index.ts';
import { type Column, type Datum, type RelationDesc, type ScalarType, T, relationDesc } from '../../repr/index.ts';
import { checkMaintainableMzNow } from '../../transform/index.ts';
import { SqlError, SqlState, assertNever, unsupported } from '../../util/index.ts';
import type { Statement, StatementAst, SubscribeStmt } from '../parser/index.ts';
import type { PlanContext } from './catalog-api.ts';
import { type BindState, tryCoerce } from './coerce.ts';
import type { QueryContext } from './context.ts';
import { planCreateIndex, planCreateMaterializedView, planCreateTable, planCreateView, planDrop, resolveExisting } from './ddl.ts';
import { planDelete, planInsert, planUpdate } from './dml.ts';
import { planAlterRenameOther, planComment, planCommentOnOther, planCreateTableAs, planRefresh, planRename, planTruncate } from './alter.ts';
import { bindExpr } from './expr.ts';
import { explainObject, explainPlanned } from './explain.ts';
import type { AsOfSpec, Plan, StatementDescription, SubscribeOutput } from './plan.ts';
import { planSelect, selectOf, withMutuallyRecursive } from './query.ts';
import { planAlterRetainHistory } from './retain-history.ts';
import { Scope } from './scope.ts';
import { planPgMisc, planShowCreate } from './misc.ts';
import { planShow } from './show.ts';
import { planClusterStatement } from './clusters.ts';

function newQc(pc: PlanContext, st: BindState): QueryContext {
  return {
    st, pc, now: pc.now ?? BigInt(Date.now()) * 1000n, nowMode: 'literal', ctes: new Map(), dependsOn: new Set(), ids: { next: 0 },
  };
}

/** Plans a statement. `params` are the bound values of `$1..$n` (typed as describeStatement reported). */
export function planStatement(stmt: Statement, pc: PlanContext, params?: readonly Datum[]): Plan {
  if (stmt.paramCount > 0) {
    if (params === undefined || params.length < stmt.paramCount) {
      throw new SqlError(SqlState.undefinedParameter, `there is no parameter $${(params?.length ?? 0) + 1}`);
    }
    const types = describeStatement(stmt, pc).paramTypes;
    return planAst(stmt.ast, stmt, newQc(pc, { paramTypes: [...types], params }));
  }
  return planAst(stmt.ast, stmt, newQc(pc, { paramTypes: [...pc.paramTypes], params: params ?? [] }));
}

/** Result columns and parameter types of a statement, without parameter values. */
export function describeStatement(stmt: Statement, pc: PlanContext): StatementDescription {
  // Statements the adapter runs without a plan (they ask the outside world) return no rows.
  if (stmt.ast.kind === 'createOther' || stmt.ast.kind === 'dropOther' || stmt.ast.kind === 'validateConnection') return { columns: undefined, paramTypes: [] };
  const st: BindState = { paramTypes: [...pc.paramTypes], params: undefined };
  while (st.paramTypes.length < stmt.paramCount) st.paramTypes.push(undefined);
  const plan = planAst(stmt.ast, stmt, newQc(pc, st));
  const paramTypes = st.paramTypes.map((t) => t ?? T.text);
  return { columns: resultColumns(plan), paramTypes };
}

/** The columns a plan returns rows with, or undefined for commands. */
export function resultColumns(plan: Plan): readonly Column[] | undefined {
  switch (plan.kind) {
    case 'select': return plan.desc.columns;
    case 'insert': case 'readThenWrite': return plan.returning?.desc.columns;
    case 'showCreate': return plan.columns;
    case 'constantRows': return plan.desc.columns;
    case 'showVariable': return plan.name === 'all'
      ? [{ name: 'name', type: T.text, nullable: false }, { name: 'setting', type: T.text, nullable: false }, { name: 'description', type: T.text, nullable: false }]
      : [{ name: plan.name, type: T.text, nullable: false }];
    case 'subscribe': return plan.desc.columns;
    case 'explainTimestamp': return [{ name: 'Timestamp', type: T.text, nullable: false }];
    case 'copyTo': case 'declareCursor': return undefined;
    default: return undefined;
  }
}

function planAst(ast: StatementAst, stmt: Statement, qc: QueryContext): Plan {
  switch (ast.kind) {
    case 'pg': return planPg(ast.node, ast, stmt, qc);
    case 'subscribe': return planSubscribe(ast, qc);
    case 'show': case 'showColumns': return planShow(ast, qc.pc, (node) => planQueryStatement(node, qc, undefined));
    case 'showCreate': return planShowCreate(ast, qc.pc);
    case 'createMaterializedView': return planCreateMaterializedView(ast, stmt, qc);
    case 'createIndex': return planCreateIndex(ast, stmt, qc);
    case 'createOther': throw unsupported(`CREATE ${ast.objectType.toUpperCase()}`);
    case 'createCluster': case 'createClusterReplica': case 'dropCluster': case 'dropClusterReplica': case 'alterCluster': case 'alterClusterReplica':
      return planClusterStatement(ast);
    // Needs the outside world (purification), so the adapter sequences it without a plan.
    case 'dropOther': throw unsupported(`DROP ${ast.objectType.toUpperCase()}`);
    case 'validateConnection': throw unsupported('VALIDATE CONNECTION');
    case 'fetch': return { kind: 'fetch', cursor: ast.cursor, count: ast.count, ...(ast.timeout !== undefined ? { timeoutMs: parseTimeout(ast.timeout) } : {}) };
    case 'declare': {
      const inner = planAst(ast.inner.ast, ast.inner, qc);
      if (inner.kind !== 'select' && inner.kind !== 'subscribe') throw unsupported(`DECLARE CURSOR for ${ast.inner.tagHint}`);
      return { kind: 'declareCursor', name: ast.name, plan: inner };
    }
    case 'explainPlan': {
      const inner = planAst(ast.explainee.ast, ast.explainee, qc);
      const explained = explainPlanned(ast.stage, inner, qc.pc);
      if (explained === undefined) throw unsupported(`EXPLAIN of ${ast.explainee.tagHint}`);
      return explained;
    }
    case 'explainObject': return explainObject(ast, qc.pc);
    case 'explainTimestamp': {
      const inner = planAst(ast.explainee.ast, ast.explainee, qc);
      if (inner.kind !== 'select') throw unsupported(`EXPLAIN TIMESTAMP of ${ast.explainee.tagHint}`);
      return inner.asOf === undefined ? { kind: 'explainTimestamp', plan: inner.plan } : { kind: 'explainTimestamp', plan: inner.plan, asOf: inner.asOf };
    }
    case 'copySubscribe': return { kind: 'copyTo', plan: planSubscribe(ast.subscribe, qc) };
    case 'alterRetainHistory': return planAlterRetainHistory(ast, qc.pc);
    case 'alterRenameOther': return planAlterRenameOther(ast, qc);
    case 'commentOnOther': return planCommentOnOther(ast, qc);
  }
}

function parseTimeout(text: string): number {
  // Materialize accepts 0 to 24 hours; a negative interval is out of range, not malformed.
  if (/^\s*-\s*\d/.test(text)) throw new SqlError(SqlState.invalidParameterValue, 'timeout out of range');
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/i.exec(text);
  if (m === null) throw new SqlError(SqlState.invalidParameterValue, `invalid timeout: ${text}`);
  const mult = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 }[(m[2] ?? 's').toLowerCase()] ?? 1000;
  const ms = Number(m[1]) * mult;
  if (ms > 86_400_000) throw new SqlError(SqlState.invalidParameterValue, 'timeout out of range');
  return ms;
}

function planPg(node: Node, ast: Extract<StatementAst, { kind: 'pg' }>, stmt: Statement, qc: QueryContext): Plan {
  if ('SelectStmt' in node) {
    const asOf = ast.asOf === undefined ? undefined : evalAsOf(ast.asOf.expr, ast.asOf.atLeast, qc);
    if (ast.mutuallyRecursive !== undefined) {
      const w = withMutuallyRecursive(ast.mutuallyRecursive, qc);
      const p = planQueryStatement(node, w.qc, asOf);
      return p.kind === 'select' ? { ...p, plan: w.wrap(p.plan) } : p;
    }
    return planQueryStatement(node, qc, asOf);
  }
  if ('InsertStmt' in node) return planInsert(node.InsertStmt, qc);
  if ('UpdateStmt' in node) return planUpdate(node.UpdateStmt, qc);
  if ('DeleteStmt' in node) return planDelete(node.DeleteStmt, qc);
  if ('CreateStmt' in node) return planCreateTable(node.CreateStmt, stmt, qc);
  if ('ViewStmt' in node) return planCreateView(node.ViewStmt, stmt, qc, ast.mutuallyRecursive);
  if ('DropStmt' in node) return planDrop(node.DropStmt, qc.pc);
  if ('CopyStmt' in node) return planCopy(node.CopyStmt, stmt, qc);
  if ('RenameStmt' in node) return planRename(node.RenameStmt, qc);
  if ('CommentStmt' in node) return planComment(node.CommentStmt, qc);
  if ('CreateTableAsStmt' in node) return planCreateTableAs(node.CreateTableAsStmt, qc);
  if ('TruncateStmt' in node) return planTruncate(node.TruncateStmt, qc);
  if ('RefreshMatViewStmt' in node) return planRefresh(node.RefreshMatViewStmt, qc);
  return planPgMisc(node, qc.pc, stmt.sql);
}

function planQueryStatement(node: Node, qc: QueryContext, asOf: AsOfSpec | undefined): Plan {
  const p = planSelect(selectOf(node), qc);
  const n = p.scope.items.length;
  const desc: RelationDesc = relationDesc(p.scope.items.map((it) => ({
    name: it.name, type: it.type, nullable: it.nullable, ...(it.origin === undefined ? {} : { tableOid: it.origin.tableOid, attnum: it.origin.attnum }),
  })));
  const finishing = { order: p.order, offset: p.offset, project: [...Array(n).keys()], ...(p.limit !== undefined ? { limit: p.limit } : {}) };
  return asOf === undefined ? { kind: 'select', plan: p.expr, finishing, desc } : { kind: 'select', plan: p.expr, finishing, desc, asOf };
}

/** Evaluates `AS OF` / `UP TO` expressions at plan time to milliseconds. */
function evalTimestamp(expr: Node, what: string, qc: QueryContext): number {
  // Bound with now() kept as a call, so that (like mz_now()) it can be refused: the time of a read
  // must not depend on the clock (Materialize's errors).
  const e = bindExpr(expr, { qc: { ...qc, nowMode: 'call' }, scope: Scope.empty(), clause: what });
  if (containsMzNow(e)) throw new SqlError(SqlState.featureNotSupported, `cannot call mz_now in ${what}`);
  const callsNow = (x: MirScalarExpr): boolean => (x.kind === 'call' && x.func === 'now') || scalarChildren(x).some(callsNow);
  if (callsNow(e)) throw new SqlError(SqlState.featureNotSupported, `cannot call current_timestamp in ${what}`);
  const c = tryCoerce(e, T.mzTimestamp, 'assignment', qc.st);
  if (c === undefined) throw new SqlError(SqlState.datatypeMismatch, `${what} does not allow casting from ${e.type.name} to mz_timestamp`);
  let v: Datum;
  try {
    v = evalScalar(c, []);
  } catch (err) {
    if (err instanceof SqlError) throw err;
    throw unsupported(`non-constant ${what}`);
  }
  if (v === null) throw new SqlError(SqlState.invalidParameterValue, `can't use null as a mz_timestamp for ${what}`);
  return Number(v as bigint);
}

function evalAsOf(expr: Node, atLeast: boolean, qc: QueryContext): AsOfSpec {
  return { ts: evalTimestamp(expr, 'AS OF', qc), atLeast };
}

function planSubscribe(s: SubscribeStmt, qc: QueryContext): Plan {
  let snapshot = true;
  let progress = false;
  const bool = (v: string | undefined, name: string): boolean => {
    if (v === undefined) return true;
    const l = v.toLowerCase();
    if (['true', 'on', 't', '1'].includes(l)) return true;
    if (['false', 'off', 'f', '0'].includes(l)) return false;
    throw new SqlError(SqlState.invalidParameterValue, `invalid ${name} value: ${v}`);
  };
  for (const o of s.options) {
    if (o.name === 'SNAPSHOT') snapshot = bool(o.value, o.name);
    else if (o.name === 'PROGRESS') progress = bool(o.value, o.name);
    else throw new SqlError(SqlState.syntaxError, `unexpected option ${o.name}`);
  }
  let plan: MirRelationExpr;
  let cols: Column[];
  if (s.target.kind === 'name') {
    const item = resolveExisting(s.target.name, qc.pc);
    if (item.desc === undefined || item.kind === 'index') {
      throw new SqlError(SqlState.wrongObjectType, `'${s.target.name.join('.')}' cannot be subscribed to because it is a ${item.kind.replace('-', ' ')}`);
    }
    qc.dependsOn.add(item.id);
    plan = item.kind === 'view' && item.plan !== undefined ? item.plan : Mir.get(item.id, item.desc.columns.map((c) => c.type));
    cols = [...item.desc.columns];
  } else {
    const p = planSelect(selectOf(s.target.query), qc);
    plan = arity(p.expr) === p.scope.items.length ? p.expr : Mir.project(p.expr, [...Array(p.scope.items.length).keys()]);
    cols = p.scope.items.map((it) => ({ name: it.name, type: it.type, nullable: it.nullable }));
  }
  checkMaintainableMzNow(plan);
  const output = subscribeOutput(s, cols);
  const head: Column[] = [{ name: 'mz_timestamp', type: T.numeric, nullable: false }];
  if (progress) head.push({ name: 'mz_progressed', type: T.bool, nullable: false });
  const rel = relationDesc(cols);
  const desc = relationDesc([...head, ...subscribeColumns(output, cols, progress)]);
  const asOf = s.asOf === undefined ? undefined : evalAsOf(s.asOf.expr, s.asOf.atLeast, qc);
  const upTo = s.upTo === undefined ? undefined : evalTimestamp(s.upTo, 'UP TO', qc);
  return {
    kind: 'subscribe', plan, relationDesc: rel, desc, snapshot, progress, dependsOn: [...qc.dependsOn], output,
    ...(asOf !== undefined ? { asOf } : {}), ...(upTo !== undefined ? { upTo } : {}),
  };
}

/** The column a name refers to among `names` (a unique match), as Materialize resolves KEY and ORDER BY names. */
function columnByName(names: readonly string[], name: string): number {
  const found = names.flatMap((n, i) => (n === name ? [i] : []));
  if (found.length === 0) throw new SqlError(SqlState.undefinedColumn, `column "${name}" does not exist`);
  if (found.length > 1) throw new SqlError(SqlState.ambiguousColumn, `column reference "${name}" is ambiguous`);
  return found[0]!;
}

function subscribeOutput(s: SubscribeStmt, cols: readonly Column[]): SubscribeOutput {
  const names = cols.map((c) => c.name);
  if (s.envelope !== undefined) {
    const word = s.envelope.kind.toUpperCase();
    const key = s.envelope.key.map((k) => columnByName(names, k));
    if (new Set(key).size !== key.length) {
      throw new SqlError(SqlState.invalidColumnReference, `invalid keys in SUBSCRIBE ENVELOPE ${word} (KEY (..))`, { hint: 'All keys must be columns on the underlying relation.' });
    }
    return { kind: s.envelope.kind, key };
  }
  if (s.withinTimestampOrderBy !== undefined) {
    // Columns are numbered over [mz_diff, ...relation columns], as in the output without mz_timestamp.
    const withDiff = ['mz_diff', ...names];
    const invalid = (): SqlError => new SqlError(SqlState.invalidColumnReference, 'invalid ORDER BY in SUBSCRIBE WITHIN TIMESTAMP ORDER BY', { hint: 'All order bys must be output columns.' });
    const order: ColumnOrder[] = s.withinTimestampOrderBy.map((n) => {
      if (!('SortBy' in n)) throw invalid();
      const sb = n.SortBy;
      const e = sb.node;
      let column: number;
      if (e !== undefined && 'ColumnRef' in e && e.ColumnRef.fields?.length === 1 && e.ColumnRef.fields[0] !== undefined && 'String' in e.ColumnRef.fields[0]) {
        column = columnByName(withDiff, e.ColumnRef.fields[0].String.sval ?? '');
      } else if (e !== undefined && 'A_Const' in e && e.A_Const.ival !== undefined) {
        const pos = e.A_Const.ival.ival ?? 0;
        if (pos < 1 || pos > withDiff.length) throw new SqlError(SqlState.invalidColumnReference, `column reference ${pos} in ORDER BY clause is out of range (1 - ${withDiff.length})`);
        column = pos - 1;
      } else {
        throw invalid();
      }
      if (sb.sortby_dir === 'SORTBY_USING') throw unsupported('ORDER BY ... USING');
      const desc = sb.sortby_dir === 'SORTBY_DESC';
      const nullsLast = sb.sortby_nulls === 'SORTBY_NULLS_LAST' ? true : sb.sortby_nulls === 'SORTBY_NULLS_FIRST' ? false : !desc;
      return { column, desc, nullsLast };
    });
    return { kind: 'withinTimestampOrderBy', order };
  }
  return { kind: 'diffs' };
}

/**
 * Materialize's SUBSCRIBE columns after mz_timestamp [and mz_progressed] (describe_subscribe): mz_diff
 * and the relation's columns; or mz_state, the key columns in KEY order, then the other columns
 * (nullable; DEBEZIUM: before_<c>... then after_<c>...). With PROGRESS, relation columns are nullable.
 */
function subscribeColumns(output: SubscribeOutput, cols: readonly Column[], progress: boolean): Column[] {
  switch (output.kind) {
    case 'diffs': case 'withinTimestampOrderBy':
      return [{ name: 'mz_diff', type: T.int8, nullable: true }, ...cols.map((c) => (progress ? { ...c, nullable: true } : c))];
    case 'upsert': case 'debezium': {
      const out: Column[] = [{ name: 'mz_state', type: T.text, nullable: true }];
      for (const k of output.key) out.push(progress ? { ...cols[k]!, nullable: true } : cols[k]!);
      const values = cols.filter((_c, i) => !output.key.includes(i));
      if (output.kind === 'debezium') {
        for (const c of values) out.push({ name: `before_${c.name}`, type: c.type, nullable: true });
        for (const c of values) out.push({ name: `after_${c.name}`, type: c.type, nullable: true });
      } else {
        for (const c of values) out.push({ ...c, nullable: true });
      }
      return out;
    }
    default: return assertNever(output, 'subscribe output');
  }
}

function planCopy(c: import('libpg-query').CopyStmt, stmt: Statement, qc: QueryContext): Plan {
  const opts = (c.options ?? []).map((o) => ('DefElem' in o ? o.DefElem : undefined));
  for (const o of opts) {
    if (o === undefined) continue;
    const v = o.arg !== undefined && 'String' in o.arg ? o.arg.String.sval : undefined;
    if (o.defname === 'format' && v !== 'text') throw unsupported(`COPY format ${v ?? ''}`);
    if (o.defname !== 'format') throw unsupported(`COPY option ${o.defname ?? ''}`);
  }
  if (c.filename !== undefined || c.is_program === true) throw unsupported('COPY to or from a file');
  if (c.is_from === true) {
    const item = resolveExisting([c.relation?.catalogname, c.relation?.schemaname, c.relation?.relname].filter((x): x is string => x !== undefined), qc.pc);
    if (item.kind !== 'table' || item.desc === undefined) throw new SqlError(SqlState.wrongObjectType, `cannot copy into ${item.kind.replace('-', ' ')} '${item.name.item}'`);
    const names = (c.attlist ?? []).map((a) => ('String' in a ? a.String.sval ?? '' : ''));
    const columns = names.length === 0 ? item.desc.columns.map((_c, i) => i) : names.map((n) => {
      const i = item.desc!.columns.findIndex((x) => x.name === n);
      if (i < 0) throw new SqlError(SqlState.undefinedColumn, `column "${n}" of relation "${item.name.item}" does not exist`);
      return i;
    });
    return { kind: 'copyFrom', target: item.id, columns, desc: item.desc, defaults: item.defaults ?? item.desc.columns.map(() => null) };
  }
  if (c.query !== undefined) return { kind: 'copyTo', plan: planQueryStatement(c.query, qc, undefined) };
  const rv = c.relation!;
  const fields = [rv.catalogname, rv.schemaname, rv.relname].filter((x): x is string => x !== undefined).map((s) => ({ String: { sval: s } }));
  const target = (c.attlist ?? []).length === 0
    ? [{ ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }] } } } }]
    : (c.attlist ?? []).map((a) => ({ ResTarget: { val: { ColumnRef: { fields: [a] } } } }));
  const sel: Node = { SelectStmt: { targetList: target, fromClause: [{ RangeVar: { ...rv, inh: true } }], op: 'SETOP_NONE' } } as Node;
  void stmt;
  return { kind: 'copyTo', plan: planQueryStatement(sel, qc, undefined) };
}

export type { MirScalarExpr, ScalarType };
