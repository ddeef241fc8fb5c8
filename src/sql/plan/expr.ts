/**
 * The scalar binder: PostgreSQL expression ASTs → typed MIR scalar expressions. Resolves column names
 * through the scope, operators and functions through the overload tables, and infers unknown literals
 * and `$n` parameters from context. Aggregates are looked up in the grouping (query.ts plans them).
 */
import type { A_Const, A_Expr, A_Indirection, FuncCall, Node } from 'libpg-query';
import { type MirScalarExpr, arity, call, col, columnsUsed, ifThen, lit } from '../../expr/index.ts';
import { bindTableFunc, isTableFuncName } from './table-funcs.ts';
import { bindSpecialFunc, isSpecialFuncName, outputText } from './special-funcs.ts';
import { OUTER_AGGREGATE, bindSubLink, isOuterAggregate, registerAggregateDetector, registerOperatorBinder, resolveOuter } from './subquery.ts';
import { exprKey, mkCall } from './fold.ts';
import { needsSortKey, sortKeyExpr } from './sort-key.ts';
import { type Datum, Numeric, PgArray, type ScalarType, T, arrayOf, scalar, typeName } from '../../repr/index.ts';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import { coerceBool, coerceExplicit, commonType, isUnknown, paramMarker, resolveOverload, tryCoerce, unify } from './coerce.ts';
import type { ExprContext } from './context.ts';
import { binaryOverloads, functionOverloads, unaryOverloads, type Overload } from './overloads.ts';
import { isStringType, resolveTypeName } from './types.ts';

export const AGGREGATES = new Set([
  'count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg', 'jsonb_agg',
  'jsonb_object_agg', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp',
]);

export function nameParts(fields: readonly Node[] | undefined): string[] {
  return (fields ?? []).map((f) => ('String' in f ? f.String.sval ?? '' : '*'));
}

/** A normalized key for an AST node (locations removed), to match aggregates and GROUP BY expressions. */
export function astKey(n: unknown): string {
  return JSON.stringify(n, (k, v: unknown) => (k === 'location' ? undefined : v));
}

export function bindExpr(node: Node, cx: ExprContext): MirScalarExpr {
  const g = cx.grouping;
  if (g !== undefined && !('FuncCall' in node && isAggregateCall(node.FuncCall))) {
    if (!containsAggregate(node) && !isConstantNode(node) && !containsSubLink(node)) {
      const inner = bindExpr(node, { qc: cx.qc, scope: g.inputScope, clause: cx.clause });
      const k = g.keys.indexOf(exprKey(inner));
      if (k >= 0) return col(k, g.keyTypes[k]!);
      // Outer references (and expressions of them alone) are constants within each group.
      if (columnsUsed(inner).size === 0) return inner;
      if ('ColumnRef' in node) {
        const idx = inner.kind === 'column' ? inner.index : g.inputScope.resolve(nameParts(node.ColumnRef.fields))!;
        const it = g.inputScope.items[idx]!;
        const shown = it.table !== undefined ? `${it.table}.${it.name}` : it.name;
        throw new SqlError(SqlState.groupingError, `column "${shown}" must appear in the GROUP BY clause or be used in an aggregate function`);
      }
    }
  }
  if ('ColumnRef' in node) return bindColumnRef(nameParts(node.ColumnRef.fields), cx);
  if ('A_Const' in node) return bindConst(node.A_Const);
  if ('ParamRef' in node) return bindParam(node.ParamRef.number ?? 0, cx);
  if ('TypeCast' in node) {
    const to = resolveTypeName(node.TypeCast.typeName ?? {});
    const arg = node.TypeCast.arg;
    if (arg !== undefined && 'A_ArrayExpr' in arg && (arg.A_ArrayExpr.elements ?? []).length === 0 && to.name === 'array') {
      return lit(new PgArray([]), to);
    }
    const bound = bindExpr(node.TypeCast.arg!, cx);
    return cx.qc.pc.functions?.bindCast(bound, to) ?? coerceExplicit(bound, to, cx.qc.st);
  }
  if ('A_Expr' in node) return bindAExpr(node.A_Expr, cx);
  if ('BoolExpr' in node) {
    const args = (node.BoolExpr.args ?? []).map((a) => coerceBool(bindExpr(a, cx), node.BoolExpr.boolop === 'NOT_EXPR' ? 'NOT' : node.BoolExpr.boolop === 'AND_EXPR' ? 'AND' : 'OR', cx.qc.st));
    switch (node.BoolExpr.boolop) {
      case 'AND_EXPR': return mkCall('and', args, T.bool);
      case 'OR_EXPR': return mkCall('or', args, T.bool);
      default: return mkCall('not', args, T.bool);
    }
  }
  if ('NullTest' in node) {
    const arg = bindExpr(node.NullTest.arg!, cx);
    return mkCall(node.NullTest.nulltesttype === 'IS_NOT_NULL' ? 'is_not_null' : 'is_null', [arg], T.bool);
  }
  if ('BooleanTest' in node) {
    const arg = coerceBool(bindExpr(node.BooleanTest.arg!, cx), 'IS TRUE', cx.qc.st);
    const f = { IS_TRUE: 'is_true', IS_NOT_TRUE: 'is_not_true', IS_FALSE: 'is_false', IS_NOT_FALSE: 'is_not_false', IS_UNKNOWN: 'is_null', IS_NOT_UNKNOWN: 'is_not_null' }[node.BooleanTest.booltesttype ?? 'IS_TRUE'];
    return mkCall(f, [arg], T.bool);
  }
  if ('CaseExpr' in node) return bindCase(node.CaseExpr, cx);
  if ('CoalesceExpr' in node) {
    const { exprs, type } = unify((node.CoalesceExpr.args ?? []).map((a) => bindExpr(a, cx)), 'COALESCE', cx.qc.st);
    return call('coalesce', exprs, type);
  }
  if ('MinMaxExpr' in node) {
    const greatest = node.MinMaxExpr.op === 'IS_GREATEST';
    const { exprs, type } = unify((node.MinMaxExpr.args ?? []).map((a) => bindExpr(a, cx)), greatest ? 'GREATEST' : 'LEAST', cx.qc.st);
    if (type.name === 'jsonb') return mkCall(greatest ? 'jsonb_greatest' : 'jsonb_least', exprs, type);
    if (needsSortKey(type)) throw unsupported(`${greatest ? 'GREATEST' : 'LEAST'} of ${typeName(type)}`);
    return mkCall(greatest ? 'greatest' : 'least', exprs, type);
  }
  if ('FuncCall' in node) return bindFuncCall(node.FuncCall, cx);
  if ('GroupingFunc' in node) {
    const hit = cx.grouping?.aggs.get(astKey(node.GroupingFunc));
    if (hit !== undefined) return col(hit.index, hit.type);
    throw new SqlError(SqlState.groupingError, `grouping operations are not allowed in ${cx.clause}`);
  }
  if ('SQLValueFunction' in node) return bindSqlValueFunction(node.SQLValueFunction.op ?? 'SVFOP_CURRENT_TIMESTAMP', cx);
  if ('A_ArrayExpr' in node) return bindArrayExpr(node.A_ArrayExpr.elements ?? [], cx);
  if ('SubLink' in node) return bindSubLink(node.SubLink, cx, bindExpr);
  if ('CollateClause' in node) {
    const coll = nameParts(node.CollateClause.collname).at(-1) ?? '';
    // Text compares in code-point order, which is what the C and POSIX collations mean.
    if (!['C', 'POSIX', 'default', 'ucs_basic'].includes(coll)) throw unsupported(`COLLATE "${coll}"`);
    const arg = bindExpr(node.CollateClause.arg!, cx);
    if (!isStringType(arg.type) && !isUnknown(arg)) throw new SqlError(SqlState.datatypeMismatch, `collations are not supported by type ${typeName(arg.type)}`);
    return arg;
  }
  if ('RowExpr' in node) return makeRecord((node.RowExpr.args ?? []).map((a) => bindExpr(a, cx)));
  if ('A_Indirection' in node) return bindIndirection(node.A_Indirection, cx);
  if ('A_Star' in node) throw new SqlError(SqlState.syntaxError, 'syntax error at or near "*"');
  throw unsupported(`expression ${Object.keys(node)[0] ?? ''}`);
}

/** ARRAY[...]; elements that are themselves ARRAY[...] make a multidimensional array. */
function bindArrayExpr(elements: readonly Node[], cx: ExprContext): MirScalarExpr {
  const nested = elements.length > 0 && elements.every((e) => 'A_ArrayExpr' in e);
  const elems = elements.map((a) => bindExpr(a, cx));
  if (elems.length === 0) throw new SqlError('42P18', 'cannot determine type of empty array', { hint: 'Explicitly cast to the desired type, for example ARRAY[]::integer[].' });
  const { exprs, type } = unify(elems, 'ARRAY', cx.qc.st);
  if (nested) return mkCall('array_stack', exprs, type);
  return mkCall('array_create', exprs, arrayOf(type));
}

/** ROW(a, b) / (a, b): an anonymous record with fields f1, f2, ... */
function makeRecord(args: readonly MirScalarExpr[]): MirScalarExpr {
  return mkCall('record_create', args, { name: 'record', fields: args.map((a, i) => ({ name: `f${i + 1}`, type: a.type })) });
}

/** The fields of a record-valued expression as separate expressions (for row comparison), or undefined. */
function recordFields(e: MirScalarExpr): MirScalarExpr[] | undefined {
  if (e.type.name !== 'record') return undefined;
  const fields = e.type.fields ?? [];
  if (e.kind === 'call' && e.func === 'record_create') return [...e.args];
  if (e.kind === 'literal' && Array.isArray(e.value)) return (e.value as readonly Datum[]).map((v, i) => lit(v, fields[i]?.type ?? T.text));
  return fields.map((f, i) => mkCall('record_get', [e, lit(i, T.int4)], f.type));
}

function isConstantNode(node: Node): boolean {
  return 'A_Const' in node || 'ParamRef' in node || ('TypeCast' in node && node.TypeCast.arg !== undefined && isConstantNode(node.TypeCast.arg));
}

export function isAggregateCall(f: FuncCall): boolean {
  const parts = nameParts(f.funcname);
  const name = parts[parts.length - 1]!;
  return f.over === undefined && AGGREGATES.has(name) && (parts.length === 1 || parts[0] === 'pg_catalog');
}

/**
 * `x op ANY (array)` / `ALL` over an array-valued expression: the operator is resolved against a placeholder
 * element, then applied per element at evaluation (`array_any`/`array_all`, SQL's three-valued semantics).
 */
function bindAnyAllArray(all: boolean, op: string, lhs: MirScalarExpr, arr: MirScalarExpr, cx: ExprContext): MirScalarExpr {
  let array = arr;
  if (isUnknown(array)) {
    if (isUnknown(lhs)) lhs = tryCoerce(lhs, T.text, 'implicit', cx.qc.st)!;
    array = tryCoerce(array, arrayOf(lhs.type), 'implicit', cx.qc.st)!;
  }
  if (array.type.name !== 'array' || array.type.elem === undefined) throw new SqlError(SqlState.datatypeMismatch, `op ANY/ALL (array) requires array on right side`);
  const cmp = bindOperator(op, [lhs, col(-1, array.type.elem)], cx);
  if (cmp.kind !== 'call' || cmp.args.length !== 2 || cmp.args[1]!.kind !== 'column' || (cmp.args[1] as { index: number }).index !== -1 || cmp.type.name !== 'bool') {
    throw unsupported(`${all ? 'ALL' : 'ANY'} with operator ${op} over ${typeName(array.type)}`);
  }
  return mkCall(all ? 'array_all' : 'array_any', [cmp.args[0]!, array, lit(cmp.func, T.text)], T.bool);
}

registerAggregateDetector((n) => containsAggregate(n));

/** True iff a subquery occurs in `n`. */
export function containsSubLink(n: unknown): boolean {
  if (n === null || typeof n !== 'object') return false;
  if (Array.isArray(n)) return n.some(containsSubLink);
  const o = n as Record<string, unknown>;
  if ('SubLink' in o) return true;
  return Object.values(o).some(containsSubLink);
}

/** True iff an aggregate call occurs in `n` (not looking into subqueries). */
export function containsAggregate(n: unknown): boolean {
  if (n === null || typeof n !== 'object') return false;
  if (Array.isArray(n)) return n.some(containsAggregate);
  const o = n as Record<string, unknown>;
  if ('SubLink' in o) return false;
  if ('FuncCall' in o && isAggregateCall(o.FuncCall as FuncCall)) return true;
  if ('GroupingFunc' in o) return true;
  return Object.values(o).some(containsAggregate);
}

/** The internal name of a star-expanded column: a reference to input column `i` by position. */
export function positionalName(i: number): string {
  return `?col${i}?`;
}

function bindColumnRef(parts: string[], cx: ExprContext): MirScalarExpr {
  if (parts[parts.length - 1] === '*') throw unsupported('* in this position');
  const pos = parts.length === 1 ? /^\?col(\d+)\?$/.exec(parts[0]!) : null;
  if (pos !== null) {
    const i = Number(pos[1]);
    return col(i, cx.scope.items[i]!.type);
  }
  const g = cx.grouping;
  const scope = cx.scope;
  const idx = scope.resolve(parts);
  if (idx === undefined) {
    const outer = resolveOuter(parts, cx.qc.outer);
    if (outer !== undefined) return outer;
    // Materialize's documentation (as captured in materialize-surface.md §7) writes the demo's
    // temporal filter as a bare `mz_now`: when no column has that name, read it as the call.
    if (parts.length === 1 && parts[0] === 'mz_now') return { kind: 'mzNow', type: T.mzTimestamp };
    if (parts.length > 1 && !scope.hasTable(parts[parts.length - 2]!)) {
      throw new SqlError(SqlState.undefinedTable, `missing FROM-clause entry for table "${parts[parts.length - 2]}"`);
    }
    const shown = parts.length > 1 ? parts.join('.') : `"${parts[0]}"`;
    throw new SqlError(SqlState.undefinedColumn, parts.length > 1 ? `column ${shown} does not exist` : `column ${shown} does not exist`);
  }
  void g;
  return col(idx, scope.items[idx]!.type);
}

function bindConst(c: A_Const): MirScalarExpr {
  if (c.isnull === true) return lit(null, T.unknown);
  if (c.ival !== undefined) return lit(c.ival.ival ?? 0, T.int4);
  if (c.boolval !== undefined) return lit(c.boolval.boolval === true, T.bool);
  if (c.sval !== undefined) return lit(c.sval.sval ?? '', T.unknown);
  if (c.fval !== undefined) {
    const text = c.fval.fval ?? '0';
    if (/^-?\d+$/.test(text)) {
      const v = BigInt(text);
      // -2147483648 arrives here (the parser folds the minus in) and is an integer, as in PostgreSQL.
      if (v >= -(2n ** 31n) && v < 2n ** 31n) return lit(Number(v), T.int4);
      if (v >= -(2n ** 63n) && v < 2n ** 63n) return lit(v, T.int8);
    }
    return lit(Numeric.fromString(text)!, T.numeric);
  }
  throw unsupported('bit string literals');
}

function bindParam(n: number, cx: ExprContext): MirScalarExpr {
  const st = cx.qc.st;
  if (n < 1) throw new SqlError(SqlState.undefinedParameter, `there is no parameter $${n}`);
  const type = st.paramTypes[n - 1];
  if (st.params !== undefined) {
    if (n > st.params.length) throw new SqlError(SqlState.undefinedParameter, `there is no parameter $${n}`);
    return lit(st.params[n - 1] ?? null, type ?? T.text);
  }
  return paramMarker(n, type ?? T.unknown);
}

function opName(a: A_Expr): string {
  const parts = nameParts(a.name);
  return parts[parts.length - 1]!;
}

function bindAExpr(a: A_Expr, cx: ExprContext): MirScalarExpr {
  const op = opName(a);
  switch (a.kind) {
    case 'AEXPR_OP': {
      if (a.lexpr === undefined) return bindOperator(op, [bindExpr(a.rexpr!, cx)], cx);
      return bindOperator(op, [bindExpr(a.lexpr, cx), bindExpr(a.rexpr!, cx)], cx);
    }
    case 'AEXPR_DISTINCT': case 'AEXPR_NOT_DISTINCT': {
      const args = operatorArgs('=', [bindExpr(a.lexpr!, cx), bindExpr(a.rexpr!, cx)], cx);
      return mkCall(a.kind === 'AEXPR_DISTINCT' ? 'is_distinct' : 'is_not_distinct', args.map(sortKeyExpr), T.bool);
    }
    case 'AEXPR_NULLIF': {
      const args = operatorArgs('=', [bindExpr(a.lexpr!, cx), bindExpr(a.rexpr!, cx)], cx);
      return nullifCall(args);
    }
    case 'AEXPR_IN': {
      const lhs = bindExpr(a.lexpr!, cx);
      const items = rexprList(a).map((n) => bindExpr(n, cx));
      const negate = op === '<>';
      const cmps = items.map((it) => bindOperator(negate ? '<>' : '=', [lhs, it], cx));
      return cmps.length === 1 ? cmps[0]! : mkCall(negate ? 'and' : 'or', cmps, T.bool);
    }
    case 'AEXPR_OP_ANY': case 'AEXPR_OP_ALL': {
      const r = a.rexpr;
      if (r === undefined) throw unsupported('ANY without an array');
      if (!('A_ArrayExpr' in r)) return bindAnyAllArray(a.kind === 'AEXPR_OP_ALL', op, bindExpr(a.lexpr!, cx), bindExpr(r, cx), cx);
      const lhs = bindExpr(a.lexpr!, cx);
      const cmps = (r.A_ArrayExpr.elements ?? []).map((n) => bindOperator(op, [lhs, bindExpr(n, cx)], cx));
      if (cmps.length === 0) return lit(a.kind === 'AEXPR_OP_ALL', T.bool);
      return cmps.length === 1 ? cmps[0]! : mkCall(a.kind === 'AEXPR_OP_ANY' ? 'or' : 'and', cmps, T.bool);
    }
    case 'AEXPR_LIKE': case 'AEXPR_ILIKE':
      return bindOperator(op, [bindExpr(a.lexpr!, cx), bindExpr(a.rexpr!, cx)], cx);
    case 'AEXPR_BETWEEN': case 'AEXPR_NOT_BETWEEN': case 'AEXPR_BETWEEN_SYM': case 'AEXPR_NOT_BETWEEN_SYM': {
      const [loN, hiN] = rexprList(a);
      const x = bindExpr(a.lexpr!, cx);
      const lo = bindExpr(loN!, cx);
      const hi = bindExpr(hiN!, cx);
      const between = (l: MirScalarExpr, h: MirScalarExpr): MirScalarExpr =>
        mkCall('and', [bindOperator('>=', [x, l], cx), bindOperator('<=', [x, h], cx)], T.bool);
      const sym = a.kind === 'AEXPR_BETWEEN_SYM' || a.kind === 'AEXPR_NOT_BETWEEN_SYM';
      const pos = sym ? mkCall('or', [between(lo, hi), between(hi, lo)], T.bool) : between(lo, hi);
      return a.kind === 'AEXPR_NOT_BETWEEN' || a.kind === 'AEXPR_NOT_BETWEEN_SYM' ? mkCall('not', [pos], T.bool) : pos;
    }
    // The parser wraps the pattern in similar_to_escape(); the match itself is a regex operator (~ or !~).
    case 'AEXPR_SIMILAR': return bindOperator(op, [bindExpr(a.lexpr!, cx), bindExpr(a.rexpr!, cx)], cx);
    default: throw unsupported(`operator kind ${a.kind ?? ''}`);
  }
}

function rexprList(a: A_Expr): Node[] {
  const r = a.rexpr;
  if (r !== undefined && 'List' in r) return r.List.items ?? [];
  return r === undefined ? [] : [r];
}

function applyOverload(o: Overload, args: readonly MirScalarExpr[], cx: ExprContext): MirScalarExpr {
  const coerced = args.map((a, i) => tryCoerce(a, o.args[Math.min(i, o.args.length - 1)]!, 'implicit', cx.qc.st)!);
  return mkCall(o.func, o.swap === true ? coerced.reverse() : coerced, o.ret);
}

/** NULLIF over coerced arguments; jsonb (and arrays of it) compare in jsonb order, not as text. */
function nullifCall(args: MirScalarExpr[]): MirScalarExpr {
  const type = args[0]!.type;
  if (type.name === 'jsonb') return mkCall('jsonb_nullif', args, type);
  if (needsSortKey(type)) throw unsupported(`NULLIF of ${typeName(type)}`);
  return mkCall('nullif', args, type);
}

/** The arguments of `op` coerced to the chosen overload's parameter types (IS DISTINCT FROM, NULLIF). */
function operatorArgs(op: string, args: MirScalarExpr[], cx: ExprContext): MirScalarExpr[] {
  const [l, r] = args;
  if (args.length === 2 && l !== undefined && r !== undefined) {
    // Arrays and records compare as whole values (compareDatum): only their types must agree.
    if (l.type.name === 'record' && r.type.name === 'record') {
      if ((l.type.fields ?? []).length !== (r.type.fields ?? []).length) throw new SqlError(SqlState.syntaxError, 'unequal number of entries in row expressions');
      return args;
    }
    if ((l.type.name === 'array' || isUnknown(l)) && (r.type.name === 'array' || isUnknown(r)) && (l.type.name === 'array' || r.type.name === 'array')) {
      const type = commonType([l.type, r.type], op);
      return [tryCoerce(l, type, 'implicit', cx.qc.st)!, tryCoerce(r, type, 'implicit', cx.qc.st)!];
    }
  }
  const o = resolveOperator(op, args);
  return args.map((a, i) => tryCoerce(a, o.args[Math.min(i, o.args.length - 1)]!, 'implicit', cx.qc.st)!);
}

function resolveOperator(op: string, args: MirScalarExpr[]): Overload {
  const cands = args.length === 1 ? unaryOverloads(op) : binaryOverloads(op);
  const o = resolveOverload(cands ?? [], args.map((a) => a.type));
  const shown = args.length === 1 ? `${op} ${typeName(args[0]!.type)}` : `${typeName(args[0]!.type)} ${op} ${typeName(args[1]!.type)}`;
  if (o === 'ambiguous') {
    throw new SqlError('42725', `operator is not unique: ${shown}`, { hint: 'Could not choose a best candidate operator. You might need to add explicit type casts.' });
  }
  if (o === undefined) {
    throw new SqlError(SqlState.undefinedFunction, `operator does not exist: ${shown}`, { hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' });
  }
  return o;
}

registerOperatorBinder((op, args, cx) => bindOperator(op, args, cx));

export function bindOperator(op: string, args: MirScalarExpr[], cx: ExprContext): MirScalarExpr {
  if (args.length === 2) {
    const special = bindStructuredOperator(op, args[0]!, args[1]!, cx);
    if (special !== undefined) return special;
  }
  if (op === '||' && args.length === 2) {
    const [l, r] = args as [MirScalarExpr, MirScalarExpr];
    const textish = (e: MirScalarExpr): boolean => isStringType(e.type) || isUnknown(e);
    const jsonbPair = (a: MirScalarExpr, b: MirScalarExpr): boolean => a.type.name === 'jsonb' && (b.type.name === 'jsonb' || isUnknown(b));
    if ((textish(l) || textish(r)) && l.type.name !== 'array' && r.type.name !== 'array' && !(l.type.name === 'bytea' && isUnknown(r)) && !(r.type.name === 'bytea' && isUnknown(l)) && !jsonbPair(l, r) && !jsonbPair(r, l)) {
      const toText = (e: MirScalarExpr): MirScalarExpr => (textish(e) ? tryCoerce(e, T.text, 'implicit', cx.qc.st)! : coerceExplicit(e, T.text, cx.qc.st));
      return mkCall('concat_text', [toText(l), toText(r)], T.text);
    }
  }
  return applyOverload(resolveOperator(op, args), args, cx);
}

const COMPARISONS: Record<string, string> = { '=': 'eq', '<>': 'neq', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };

/** Operators on records (row comparison) and arrays of any element type; undefined for everything else. */
function bindStructuredOperator(op: string, l: MirScalarExpr, r: MirScalarExpr, cx: ExprContext): MirScalarExpr | undefined {
  const cmp = COMPARISONS[op];
  if (cmp !== undefined && (l.type.name === 'record' || r.type.name === 'record')) {
    const lf = recordFields(l);
    const rf = recordFields(r);
    if (lf === undefined || rf === undefined) throw new SqlError(SqlState.undefinedFunction, `operator does not exist: ${typeName(l.type)} ${op} ${typeName(r.type)}`);
    if (lf.length !== rf.length) throw new SqlError(SqlState.syntaxError, 'unequal number of entries in row expressions');
    if (lf.length === 0) throw unsupported('comparison of zero-column rows');
    const pair = (o: string, i: number): MirScalarExpr => coerceBool(bindOperator(o, [lf[i]!, rf[i]!], cx), 'row comparison', cx.qc.st);
    if (cmp === 'eq' || cmp === 'neq') {
      const parts = lf.map((_x, i) => pair(op === '!=' ? '<>' : op, i));
      return parts.length === 1 ? parts[0]! : mkCall(cmp === 'eq' ? 'and' : 'or', parts, T.bool);
    }
    // Lexicographic: the first pair that is not equal decides (NULL if it is NULL).
    const strict = op === '<=' ? '<' : op === '>=' ? '>' : op;
    let acc = pair(op, lf.length - 1);
    for (let i = lf.length - 2; i >= 0; i--) acc = mkCall('or', [pair(strict, i), mkCall('and', [pair('=', i), acc], T.bool)], T.bool);
    return acc;
  }
  const isArr = (e: MirScalarExpr): boolean => e.type.name === 'array';
  if (!isArr(l) && !isArr(r)) return undefined;
  const st = cx.qc.st;
  const bothArrays = (): [MirScalarExpr, MirScalarExpr, ScalarType] => {
    let type: ScalarType;
    try {
      type = commonType([l.type, r.type], 'ARRAY');
    } catch {
      throw new SqlError(SqlState.undefinedFunction, `operator does not exist: ${typeName(l.type)} ${op} ${typeName(r.type)}`, { hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.' });
    }
    if (type.name !== 'array') throw new SqlError(SqlState.undefinedFunction, `operator does not exist: ${typeName(l.type)} ${op} ${typeName(r.type)}`);
    return [tryCoerce(l, type, 'implicit', st)!, tryCoerce(r, type, 'implicit', st)!, type];
  };
  if (cmp !== undefined) {
    if (!(isArr(l) || isUnknown(l)) || !(isArr(r) || isUnknown(r))) return undefined;
    const [a, b] = bothArrays();
    // Arrays of jsonb compare element-wise in jsonb order, which their datums (text) do not have.
    return mkCall(cmp, [sortKeyExpr(a), sortKeyExpr(b)], T.bool);
  }
  switch (op) {
    case '||': {
      if ((isArr(l) || isUnknown(l)) && (isArr(r) || isUnknown(r))) {
        const [a, b, type] = bothArrays();
        return mkCall('array_concat', [a, b], type);
      }
      if (isArr(l)) {
        const e = tryCoerce(r, l.type.elem ?? T.text, 'implicit', st);
        if (e === undefined) throw new SqlError(SqlState.undefinedFunction, `operator does not exist: ${typeName(l.type)} || ${typeName(r.type)}`);
        return mkCall('array_append', [l, e], l.type);
      }
      const e = tryCoerce(l, r.type.elem ?? T.text, 'implicit', st);
      if (e === undefined) throw new SqlError(SqlState.undefinedFunction, `operator does not exist: ${typeName(l.type)} || ${typeName(r.type)}`);
      return mkCall('array_prepend', [e, r], r.type);
    }
    case '@>': case '<@': case '&&': {
      if (!(isArr(l) || isUnknown(l)) || !(isArr(r) || isUnknown(r))) return undefined;
      const [a, b] = bothArrays();
      if (op === '&&') return mkCall('array_overlap', [a, b], T.bool);
      return op === '@>' ? mkCall('array_contains', [a, b], T.bool) : mkCall('array_contains', [b, a], T.bool);
    }
    default: return undefined;
  }
}

function bindCase(c: import('libpg-query').CaseExpr, cx: ExprContext): MirScalarExpr {
  const subject = c.arg === undefined ? undefined : bindExpr(c.arg, cx);
  const whens = (c.args ?? []).map((w) => {
    if (!('CaseWhen' in w)) throw unsupported('CASE form');
    const cond = subject === undefined
      ? coerceBool(bindExpr(w.CaseWhen.expr!, cx), 'CASE/WHEN', cx.qc.st)
      : bindOperator('=', [subject, bindExpr(w.CaseWhen.expr!, cx)], cx);
    return { cond, result: bindExpr(w.CaseWhen.result!, cx) };
  });
  const els = c.defresult === undefined ? lit(null, T.unknown) : bindExpr(c.defresult, cx);
  const { exprs, type } = unify([...whens.map((w) => w.result), els], 'CASE', cx.qc.st);
  let out = exprs[exprs.length - 1]!;
  for (let i = whens.length - 1; i >= 0; i--) {
    const cond = whens[i]!.cond;
    const then = exprs[i]!;
    if (cond.kind === 'literal') out = cond.value === true ? then : out;
    else out = { ...ifThen(cond, then, out), type };
  }
  return out;
}

function funcArgs(f: FuncCall, cx: ExprContext): MirScalarExpr[] {
  return (f.args ?? []).map((a) => bindExpr(a, cx));
}

function bindFuncCall(f: FuncCall, cx: ExprContext): MirScalarExpr {
  const parts = nameParts(f.funcname);
  const name = parts[parts.length - 1]!;
  if (parts.length > 1 && parts[0] !== 'pg_catalog' && parts[0] !== 'mz_catalog' && !(parts[0] === 'information_schema' && name === '_pg_expandarray')) {
    throw new SqlError(SqlState.undefinedFunction, `function ${parts.join('.')} does not exist`);
  }
  if (f.over !== undefined) {
    const hit = cx.windows?.lookup(astKey(f));
    if (hit !== undefined) return hit;
    throw new SqlError('42P20', `window functions are not allowed in ${cx.clause}`);
  }
  if (isAggregateCall(f)) {
    const g = cx.grouping;
    const hit = g?.aggs.get(astKey(f));
    if (hit !== undefined) return col(hit.index, hit.type);
    if (g !== undefined) throw new SqlError(SqlState.groupingError, 'aggregate function calls cannot be nested');
    if (isOuterAggregate(f, cx.scope, cx.qc.outer)) throw unsupported(OUTER_AGGREGATE);
    throw new SqlError(SqlState.groupingError, `aggregate functions are not allowed in ${cx.clause}`);
  }
  switch (name) {
    case 'now': case 'current_timestamp': case 'transaction_timestamp': case 'statement_timestamp':
      if ((f.args ?? []).length !== 0) break;
      return nowExpr(cx, T.timestamptz);
    case 'mz_now':
      if ((f.args ?? []).length !== 0) break;
      return { kind: 'mzNow', type: T.mzTimestamp };
    case 'mz_logical_timestamp':
      throw new SqlError(SqlState.undefinedFunction, 'mz_logical_timestamp has been renamed to mz_now');
    case 'concat': {
      const args = funcArgs(f, cx).map((a) => outputText(a, cx));
      return mkCall('concat', args, T.text);
    }
    case 'concat_ws': {
      const args = funcArgs(f, cx).map((a) => outputText(a, cx));
      return mkCall('concat_ws', args, T.text);
    }
    case 'coalesce': {
      const { exprs, type } = unify(funcArgs(f, cx), 'COALESCE', cx.qc.st);
      return call('coalesce', exprs, type);
    }
    case 'nullif': {
      const [l, r] = funcArgs(f, cx);
      if (l === undefined || r === undefined) break;
      const args = operatorArgs('=', [l, r], cx);
      return nullifCall(args);
    }
    case 'make_interval': {
      // make_interval(years, months, weeks, days, hours, mins, secs), each defaulting to 0, often by name.
      const params = ['years', 'months', 'weeks', 'days', 'hours', 'mins', 'secs'];
      const given: (MirScalarExpr | undefined)[] = params.map(() => undefined);
      (f.args ?? []).forEach((a, i) => {
        if ('NamedArgExpr' in a) {
          const k = params.indexOf(a.NamedArgExpr.name ?? '');
          if (k < 0) throw new SqlError(SqlState.undefinedFunction, `function make_interval(${a.NamedArgExpr.name ?? ''} => ...) does not exist`);
          given[k] = bindExpr(a.NamedArgExpr.arg!, cx);
        } else if (i < params.length) given[i] = bindExpr(a, cx);
        else throw new SqlError(SqlState.undefinedFunction, 'function make_interval with more than 7 arguments does not exist');
      });
      const args = given.map((g, i) => {
        const t = i === 6 ? T.float8 : T.int4;
        const c = tryCoerce(g ?? lit(i === 6 ? 0 : 0, t), t, 'implicit', cx.qc.st);
        if (c === undefined) throw new SqlError(SqlState.undefinedFunction, `function make_interval(${given.map((x) => (x === undefined ? '' : typeName(x.type))).join(', ')}) does not exist`);
        return c;
      });
      return mkCall('make_interval', args, T.interval);
    }
    case 'current_database': return lit(cx.qc.pc.database, T.text);
    case 'current_schema': return lit(cx.qc.pc.searchPath[0] ?? null, T.text);
    case 'current_user': case 'session_user': case 'user': return lit(cx.qc.pc.user ?? 'materialize', T.text);
    case 'version': return lit('PostgreSQL 9.5 on x86_64-pc-linux-gnu (Tributary)', T.text);
    case 'pg_typeof': {
      const [a] = funcArgs(f, cx);
      if (a === undefined) break;
      return lit(typeName(a.type), T.text);
    }
    default: break;
  }
  if (isTableFuncName(name)) return bindSrf(name, f, cx);
  if (isSpecialFuncName(name)) {
    const bound = bindSpecialFunc(name, funcArgs(f, cx), cx);
    if (bound !== undefined) return bound;
  }
  const args = funcArgs(f, cx);
  const cands = functionOverloads(name);
  const hooked = cands === undefined ? cx.qc.pc.functions?.bindCall(name, args) : undefined;
  if (hooked !== undefined) return hooked;
  const shown = `${name}(${args.map((a) => typeName(a.type)).join(', ')})`;
  if (cands === undefined) {
    throw new SqlError(SqlState.undefinedFunction, `function ${shown} does not exist`, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
  }
  const o = resolveOverload(cands, args.map((a) => a.type));
  if (o === 'ambiguous') {
    throw new SqlError('42725', `function ${shown} is not unique`, { hint: 'Could not choose a best candidate function. You might need to add explicit type casts.' });
  }
  if (o === undefined) {
    throw new SqlError(SqlState.undefinedFunction, `function ${shown} does not exist`, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
  }
  return applyOverload(o, args, cx);
}

/** A set-returning function in the SELECT list: the host row is repeated for each produced value. */
function bindSrf(name: string, f: FuncCall, cx: ExprContext): MirScalarExpr {
  const host = cx.host;
  if (host === undefined || !host.allowSrf) throw new SqlError(SqlState.featureNotSupported, `set-returning functions are not allowed in ${cx.clause}`);
  if (f.agg_distinct === true || f.agg_order !== undefined || f.agg_filter !== undefined) throw unsupported(`${name} with aggregate syntax`);
  // The same call written twice (pgjdbc's getPrimaryKeys selects `(_pg_expandarray(k)).n` and `_pg_expandarray(k)`)
  // is one expansion: PostgreSQL runs the SRFs of a SELECT list in lockstep, so both see the same row.
  let memo = srfMemo.get(host);
  if (memo === undefined) srfMemo.set(host, (memo = new Map()));
  const tf = bindTableFunc(name, funcArgs(f, cx), cx)!;
  // Keyed by the bound call: the AST carries positions (ARRAY's list_start) that differ between copies.
  const key = `${tf.func}(${tf.exprs.map(exprKey).join(',')})`;
  const seen = memo.get(key);
  if (seen !== undefined) return seen;
  if (host.srfCount++ > 0) throw unsupported('several set-returning functions in one SELECT list');
  const n = arity(host.rel);
  host.rel = { kind: 'flatMap', input: host.rel, func: tf.func, exprs: tf.exprs, types: tf.types };
  // A function with several output columns yields a record in the SELECT list, as in PostgreSQL.
  const out = tf.types.length === 1
    ? col(n, tf.types[0]!)
    : mkCall('record_create', tf.types.map((t, i) => col(n + i, t)), { name: 'record', fields: tf.types.map((type, i) => ({ name: tf.names[i]!, type })) });
  memo.set(key, out);
  return out;
}

const srfMemo = new WeakMap<object, Map<string, MirScalarExpr>>();

/** `arr[i]`, `arr[i][j]`, `arr[1:2]` (array subscripts and slices; func/arrays.ts), `j['k']` (jsonb) and `(rec).field` (field selection). */
function bindIndirection(node: A_Indirection, cx: ExprContext): MirScalarExpr {
  let e = bindExpr(node.arg!, cx);
  const ind = node.indirection ?? [];
  for (let i = 0; i < ind.length; i++) {
    const step = ind[i]!;
    if ('String' in step) {
      const field = step.String.sval ?? '';
      const fields = e.type.name === 'record' ? e.type.fields : undefined;
      const idx = fields?.findIndex((f) => f.name === field) ?? -1;
      if (fields === undefined || idx < 0) {
        throw new SqlError(SqlState.undefinedColumn, fields === undefined ? `column notation .${field} applied to type ${typeName(e.type)}, which is not a composite type` : `could not identify column "${field}" in record data type`);
      }
      e = mkCall('record_get', [e, lit(idx, T.int4)], fields[idx]!.type);
      continue;
    }
    if (!('A_Indices' in step)) throw unsupported('this indirection');
    const run: { is_slice?: boolean; lidx?: Node; uidx?: Node }[] = [];
    for (; i < ind.length && 'A_Indices' in ind[i]!; i++) run.push((ind[i] as { A_Indices: { is_slice?: boolean; lidx?: Node; uidx?: Node } }).A_Indices);
    i--;
    const toInt = (x: Node | undefined): MirScalarExpr | undefined => {
      if (x === undefined) return undefined;
      const sub = tryCoerce(bindExpr(x, cx), T.int4, 'assignment', cx.qc.st);
      if (sub === undefined) throw new SqlError(SqlState.datatypeMismatch, 'array subscript must have type integer');
      return sub;
    };
    if (e.type.name === 'jsonb') {
      // jsonb subscripting (PostgreSQL 14+): j['key'], j[0].
      for (const x of run) {
        if (x.is_slice === true || x.uidx === undefined) throw new SqlError(SqlState.datatypeMismatch, 'jsonb subscript does not support slices');
        // Unlike `->`, a subscript of a scalar is NULL.
        const k = bindExpr(x.uidx, cx);
        const asInt = isUnknown(k) ? undefined : tryCoerce(k, T.int4, 'implicit', cx.qc.st);
        const asText = asInt === undefined ? tryCoerce(k, T.text, 'implicit', cx.qc.st) : undefined;
        if (asInt === undefined && asText === undefined) throw new SqlError(SqlState.datatypeMismatch, `subscript type ${typeName(k.type)} is not supported`, { hint: 'jsonb subscript must be coercible to either integer or text.' });
        e = asInt !== undefined ? mkCall('jsonb_subscript_elem', [e, asInt], T.jsonb) : mkCall('jsonb_subscript_text', [e, asText!], T.jsonb);
      }
      continue;
    }
    if (isUnknown(e)) e = tryCoerce(e, arrayOf(T.text), 'implicit', cx.qc.st)!;
    if (e.type.name !== 'array' || e.type.elem === undefined) {
      throw new SqlError(SqlState.datatypeMismatch, `cannot subscript type ${typeName(e.type)} because it does not support subscripting`);
    }
    if (run.length > 6) throw new SqlError(SqlState.programLimitExceeded, `number of array dimensions (${run.length}) exceeds the maximum allowed (6)`);
    if (run.some((x) => x.is_slice === true)) {
      // In a slice, a plain subscript n means 1:n; an omitted bound is the array's own.
      const flags: string[] = [];
      const bounds: MirScalarExpr[] = [];
      for (const x of run) {
        const lo = x.is_slice === true ? toInt(x.lidx) : lit(1, T.int4);
        const hi = toInt(x.uidx);
        flags.push(lo === undefined ? '1' : '0', hi === undefined ? '1' : '0');
        bounds.push(lo ?? lit(null, T.int4), hi ?? lit(null, T.int4));
      }
      e = mkCall('array_slice', [e, lit(flags.join(''), T.text), ...bounds], e.type);
    } else {
      e = mkCall('array_subscript', [e, ...run.map((x) => toInt(x.uidx)!)], e.type.elem);
    }
  }
  return e;
}

function nowExpr(cx: ExprContext, type: ScalarType): MirScalarExpr {
  if (cx.qc.nowMode === 'call') return call('now', [], type);
  return lit(cx.qc.now, type);
}

function bindSqlValueFunction(op: string, cx: ExprContext): MirScalarExpr {
  switch (op) {
    case 'SVFOP_CURRENT_TIMESTAMP': case 'SVFOP_CURRENT_TIMESTAMP_N': return nowExpr(cx, T.timestamptz);
    case 'SVFOP_LOCALTIMESTAMP': case 'SVFOP_LOCALTIMESTAMP_N': return nowExpr(cx, T.timestamp);
    case 'SVFOP_CURRENT_DATE': {
      const e = nowExpr(cx, T.timestamptz);
      return mkCall('cast_timestamptz_to_date', [e], T.date);
    }
    case 'SVFOP_CURRENT_USER': case 'SVFOP_USER': case 'SVFOP_SESSION_USER': case 'SVFOP_CURRENT_ROLE':
      return lit(cx.qc.pc.user ?? 'materialize', T.text);
    case 'SVFOP_CURRENT_CATALOG': return lit(cx.qc.pc.database, T.text);
    case 'SVFOP_CURRENT_SCHEMA': return lit(cx.qc.pc.searchPath[0] ?? null, T.text);
    default: throw unsupported(op.replace('SVFOP_', '').toLowerCase());
  }
}

export { scalar };

export { mkCall };
