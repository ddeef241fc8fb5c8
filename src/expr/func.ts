/**
 * The scalar function registry: every function, operator and cast MIR can call, by name.
 * The binder (sql/plan) resolves SQL operators and overloads to these names; evaluation looks them up.
 * Names are `<op>_<argtypes>` for type-specific implementations (e.g. 'add_int4') and plain names
 * for generic ones ('eq', 'not', 'and').
 */
import type { Datum, Row, ScalarType } from '../repr/index.ts';
import type { EvalContext } from './eval.ts';
import type { MirScalarExpr } from './scalar.ts';

export type ScalarFunc =
  /** Arguments are evaluated first; a strict function returns NULL on any NULL argument without being called. */
  | { readonly kind: 'eager'; readonly name: string; readonly strict: boolean; eval(args: Datum[], type: ScalarType, ctx: EvalContext): Datum }
  /** Gets unevaluated arguments (AND, OR, COALESCE: short-circuit and SQL's three-valued logic). */
  | { readonly kind: 'lazy'; readonly name: string; evalLazy(args: readonly MirScalarExpr[], row: Row, ctx: EvalContext, type: ScalarType): Datum };

const registry = new Map<string, ScalarFunc>();

export function registerFunc(f: ScalarFunc): void {
  if (registry.has(f.name)) throw new Error(`internal error: function ${f.name} registered twice`);
  registry.set(f.name, f);
}

export function lookupFunc(name: string): ScalarFunc {
  const f = registry.get(name);
  if (f === undefined) throw new Error(`internal error: unknown scalar function ${name}`);
  return f;
}

export function hasFunc(name: string): boolean {
  return registry.has(name);
}

export function eager(name: string, evalFn: (args: Datum[], type: ScalarType, ctx: EvalContext) => Datum, strict = true): void {
  registerFunc({ kind: 'eager', name, strict, eval: evalFn });
}
