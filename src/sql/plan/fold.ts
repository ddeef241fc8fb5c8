/** Constant folding of calls at bind time: a call over literals is evaluated now when that succeeds. */
import { type MirScalarExpr, call, evalScalar, hasFunc, lit } from '../../expr/index.ts';
import type { ScalarType } from '../../repr/index.ts';

/** Functions never folded at plan time (nondeterministic or context-dependent). */
const NO_FOLD = new Set(['random', 'now', '$param', 'not_null_check']);

/** A call, folded to a literal when every argument is a literal and evaluation succeeds. */
export function mkCall(func: string, args: readonly MirScalarExpr[], type: ScalarType): MirScalarExpr {
  const e = call(func, args, type);
  if (NO_FOLD.has(func) || !hasFunc(func) || !args.every((a) => a.kind === 'literal')) return e;
  try {
    return lit(evalScalar(e, []), type);
  } catch {
    // Errors surface when (if) the expression is evaluated, as in PostgreSQL and Materialize.
    return e;
  }
}

/** A structural key for a scalar expression (bigints and class instances included), for matching. */
export function exprKey(e: unknown): string {
  return JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}
