/**
 * MIR scalar expressions: typed, name-free expressions over the columns of one input row.
 * Functions are referenced by a registry name (see func.ts); evaluation may throw an EvalError,
 * which dataflows turn into updates of the errors collection rather than failing.
 */
import type { Datum, ScalarType } from '../repr/index.ts';

export type MirScalarExpr =
  /** The value of input column `index`. */
  | { readonly kind: 'column'; readonly index: number; readonly type: ScalarType }
  /** A constant. */
  | { readonly kind: 'literal'; readonly value: Datum; readonly type: ScalarType }
  /**
   * A function call: unary, binary and variadic functions, operators and casts all use this form.
   * `func` names an entry of the function registry (e.g. 'add_int4', 'cast_int4_to_text', 'eq').
   * Strict functions (the default) return NULL when any argument is NULL without being called.
   */
  | { readonly kind: 'call'; readonly func: string; readonly args: readonly MirScalarExpr[]; readonly type: ScalarType }
  /** CASE WHEN cond THEN then ELSE els END: only the taken branch is evaluated (errors in the other don't fire). */
  | { readonly kind: 'if'; readonly cond: MirScalarExpr; readonly then: MirScalarExpr; readonly els: MirScalarExpr; readonly type: ScalarType }
  /** The logical time of the read or of the update being processed (mz_now()); type mz_timestamp. */
  | { readonly kind: 'mzNow'; readonly type: ScalarType };

export const col = (index: number, type: ScalarType): MirScalarExpr => ({ kind: 'column', index, type });
export const lit = (value: Datum, type: ScalarType): MirScalarExpr => ({ kind: 'literal', value, type });
export const call = (func: string, args: readonly MirScalarExpr[], type: ScalarType): MirScalarExpr => ({ kind: 'call', func, args, type });
export const ifThen = (cond: MirScalarExpr, then: MirScalarExpr, els: MirScalarExpr): MirScalarExpr => ({ kind: 'if', cond, then, els, type: then.type });

/** Calls `f` on each direct child. */
export function scalarChildren(e: MirScalarExpr): readonly MirScalarExpr[] {
  switch (e.kind) {
    case 'column': case 'literal': case 'mzNow': return [];
    case 'call': return e.args;
    case 'if': return [e.cond, e.then, e.els];
  }
}

/** Rewrites column references through `f` (e.g. when a projection moves columns). */
export function permuteColumns(e: MirScalarExpr, f: (index: number) => number): MirScalarExpr {
  switch (e.kind) {
    case 'column': return { ...e, index: f(e.index) };
    case 'literal': case 'mzNow': return e;
    case 'call': return { ...e, args: e.args.map((a) => permuteColumns(a, f)) };
    case 'if': return { ...e, cond: permuteColumns(e.cond, f), then: permuteColumns(e.then, f), els: permuteColumns(e.els, f) };
  }
}

/** The input columns an expression reads. */
export function columnsUsed(e: MirScalarExpr, into: Set<number> = new Set()): Set<number> {
  if (e.kind === 'column') into.add(e.index);
  for (const c of scalarChildren(e)) columnsUsed(c, into);
  return into;
}

export function containsMzNow(e: MirScalarExpr): boolean {
  return e.kind === 'mzNow' || scalarChildren(e).some(containsMzNow);
}
