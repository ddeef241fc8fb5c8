/**
 * Coercion: turning a bound expression into one of another type (unknown literals are parsed at plan
 * time, `$n` parameters of unknown type take the type their context wants), PostgreSQL's common-type
 * selection (CASE, UNION, COALESCE, IN) and overload resolution among operator/function candidates.
 */
import { type MirScalarExpr, call, lit } from '../../expr/index.ts';
import { mkCall } from './fold.ts';
import { type ScalarType, parseText, scalar, typeName } from '../../repr/index.ts';
import { SqlError, SqlState } from '../../util/index.ts';
import type { Overload } from './overloads.ts';
import { type CastContext, canImplicit, category, findCast, isPreferred, typmodFunc } from './types.ts';

/** Per-statement binding state shared by every expression of the statement. */
export interface BindState {
  /** Parameter types: declared by the client or inferred while binding (undefined = not yet known). */
  readonly paramTypes: (ScalarType | undefined)[];
  /** Bound parameter values (planStatement); undefined while describing. */
  readonly params: readonly import('../../repr/index.ts').Datum[] | undefined;
}

export const PARAM_FUNC = '$param';

export function paramMarker(n: number, type: ScalarType): MirScalarExpr {
  return call(PARAM_FUNC, [lit(n, scalar('int4'))], type);
}

function paramNumber(e: MirScalarExpr): number | undefined {
  if (e.kind === 'call' && e.func === PARAM_FUNC) {
    const a = e.args[0];
    if (a !== undefined && a.kind === 'literal' && typeof a.value === 'number') return a.value;
  }
  return undefined;
}

export const isUnknown = (e: MirScalarExpr): boolean => e.type.name === 'unknown';

function retype(e: MirScalarExpr, to: ScalarType): MirScalarExpr {
  if (e.kind === 'call' && e.func.startsWith('typmod_')) return call('identity', [e], to);
  return { ...e, type: to } as MirScalarExpr;
}

function withTypmod(e: MirScalarExpr, to: ScalarType, ctx: CastContext): MirScalarExpr {
  const f = typmodFunc(to, ctx);
  if (f === undefined || (e.type.typmod === to.typmod && e.type.name === to.name)) return e;
  return mkCall(f, [e], to);
}

/** Coerces `e` to `to` in context `ctx`; undefined when no such cast exists. Literal text is parsed now. */
export function tryCoerce(e: MirScalarExpr, to: ScalarType, ctx: CastContext, st: BindState): MirScalarExpr | undefined {
  if (to.name === 'unknown') return e;
  if (isUnknown(e)) {
    const n = paramNumber(e);
    if (n !== undefined) {
      st.paramTypes[n - 1] ??= to.typmod === undefined ? to : scalar(to.name);
      return withTypmod(paramMarker(n, st.paramTypes[n - 1]!), to, ctx);
    }
    if (e.kind === 'literal') {
      if (e.value === null) return lit(null, to);
      if (typeof e.value === 'string') return withTypmod(lit(parseText(e.value, to), to.typmod === undefined ? to : scalar(to.name)), to, ctx);
    }
    // An unknown-typed non-literal (e.g. CASE of unknowns) is text underneath.
    return tryCoerce(retype(e, scalar('text')), to, ctx, st);
  }
  const f = findCast(e.type, to, ctx);
  if (f === undefined) return undefined;
  const base: ScalarType = to.typmod === undefined ? to : (to.name === 'array' ? to : scalar(to.name));
  const converted = f === 'noop' ? retype(e, base)
    : f.startsWith('array:') ? mkCall('cast_array', [e, lit(f.slice(6), scalar('text'))], base)
    : mkCall(f, [e], base);
  return withTypmod(converted, to, ctx);
}

export function coerceExplicit(e: MirScalarExpr, to: ScalarType, st: BindState): MirScalarExpr {
  const r = tryCoerce(e, to, 'explicit', st);
  if (r === undefined) throw new SqlError(SqlState.cannotCoerce, `cannot cast type ${typeName(e.type)} to ${typeName(to)}`);
  return r;
}

/** Coerces for an assignment into `column` (INSERT/UPDATE): errors as PostgreSQL words them. */
export function coerceAssignment(e: MirScalarExpr, to: ScalarType, column: string, st: BindState): MirScalarExpr {
  const r = tryCoerce(e, to, 'assignment', st);
  if (r === undefined) {
    throw new SqlError(SqlState.datatypeMismatch, `column "${column}" is of type ${typeName(to)} but expression is of type ${typeName(e.type)}`, {
      hint: 'You will need to rewrite or cast the expression.',
    });
  }
  return r;
}

/** Requires a boolean (WHERE, HAVING, ON, CASE WHEN ...). */
export function coerceBool(e: MirScalarExpr, what: string, st: BindState): MirScalarExpr {
  const r = e.type.name === 'bool' ? e : isUnknown(e) ? tryCoerce(e, scalar('bool'), 'implicit', st) : undefined;
  if (r === undefined) throw new SqlError(SqlState.datatypeMismatch, `argument of ${what} must be type boolean, not type ${typeName(e.type)}`);
  return r;
}

/** PostgreSQL's select_common_type; `what` names the construct in errors (CASE, UNION, COALESCE, ...). */
export function commonType(types: readonly ScalarType[], what: string): ScalarType {
  let pick: ScalarType | undefined;
  for (const t of types) {
    if (t.name === 'unknown') continue;
    if (pick === undefined) {
      pick = t;
      continue;
    }
    if (t.name === pick.name && (t.name !== 'array' || t.elem?.name === pick.elem?.name)) continue;
    if (category(t) !== category(pick)) {
      throw new SqlError(SqlState.datatypeMismatch, `${what} types ${typeName(pick)} and ${typeName(t)} cannot be matched`);
    }
    if (!isPreferred(pick) && canImplicit(pick, t) && !canImplicit(t, pick)) pick = t;
  }
  if (pick === undefined) return scalar('text');
  for (const t of types) {
    if (!canImplicit(t, pick)) throw new SqlError(SqlState.datatypeMismatch, `${what} could not convert type ${typeName(t)} to ${typeName(pick)}`);
  }
  // A typmod survives only if every input agrees on it.
  if (pick.typmod !== undefined && !types.every((t) => t.typmod === pick.typmod || t.name === 'unknown')) return scalar(pick.name);
  return pick;
}

/** Coerces every expression to their common type. */
export function unify(es: readonly MirScalarExpr[], what: string, st: BindState): { exprs: MirScalarExpr[]; type: ScalarType } {
  const type = commonType(es.map((e) => e.type), what);
  return { exprs: es.map((e) => tryCoerce(e, type, 'implicit', st)!), type };
}

/**
 * Chooses among overloads for the given argument types the way PostgreSQL's func_select_candidate does.
 * Returns undefined if none fits and 'ambiguous' if several remain.
 */
export function resolveOverload(cands: readonly Overload[], argTypes: readonly ScalarType[]): Overload | 'ambiguous' | undefined {
  const n = argTypes.length;
  const paramType = (o: Overload, i: number): ScalarType => o.args[Math.min(i, o.args.length - 1)]!;
  let list = cands.filter((o) => o.args.length === n || (o.variadic === true && n >= o.args.length - 1));
  const same = (a: ScalarType, b: ScalarType): boolean => a.name === b.name;
  // Exact match, with unknowns taking the type of the known arguments when those all agree.
  const known = argTypes.filter((t) => t.name !== 'unknown');
  const exact = list.filter((o) => argTypes.every((t, i) => same(t, paramType(o, i)) || (t.name === 'unknown' && known.length > 0 && known.every((k) => same(k, paramType(o, i))))));
  if (exact.length === 1) return exact[0];
  list = list.filter((o) => argTypes.every((t, i) => canImplicit(t, paramType(o, i))));
  if (list.length <= 1) return list[0];
  const best = <X>(xs: X[], score: (x: X) => number): X[] => {
    const max = Math.max(...xs.map(score));
    return xs.filter((x) => score(x) === max);
  };
  list = best(list, (o) => argTypes.filter((t, i) => t.name !== 'unknown' && same(t, paramType(o, i))).length);
  if (list.length === 1) return list[0];
  list = best(list, (o) => argTypes.filter((t, i) => t.name !== 'unknown' && !same(t, paramType(o, i)) && isPreferred(paramType(o, i))).length);
  if (list.length === 1) return list[0];
  // Unknown arguments: prefer the string category if any candidate takes it there, then preferred types.
  for (let i = 0; i < n; i++) {
    if (argTypes[i]!.name !== 'unknown') continue;
    const cats = new Set(list.map((o) => category(paramType(o, i))));
    let keep = cats.has('S') ? 'S' : cats.size === 1 ? [...cats][0]! : undefined;
    if (keep === undefined) {
      // Assume unknowns have the same category as the known arguments.
      const knownCats = new Set(known.map(category));
      keep = knownCats.size === 1 ? [...knownCats][0]! : undefined;
    }
    if (keep === undefined) return 'ambiguous';
    const k = keep;
    list = list.filter((o) => category(paramType(o, i)) === k);
    const pref = list.filter((o) => isPreferred(paramType(o, i)));
    if (pref.length > 0) list = pref;
  }
  if (list.length === 1) return list[0];
  if (known.length > 0 && known.every((k) => k.name === known[0]!.name)) {
    const k = known[0]!;
    const m = list.filter((o) => argTypes.every((_t, i) => paramType(o, i).name === k.name));
    if (m.length === 1) return m[0];
  }
  return list.length === 0 ? undefined : 'ambiguous';
}
