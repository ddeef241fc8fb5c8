/** Scalar-expression helpers for the rules: structural keys and column substitution. */
import type { MirScalarExpr } from '../expr/index.ts';

/** A structural key for matching expressions (bigints and class instances included). */
export function exprKey(e: unknown): string {
  return JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Replaces each column reference for which `f` returns an expression; keeps identity when nothing changes. */
export function substituteColumns(e: MirScalarExpr, f: (index: number) => MirScalarExpr | undefined): MirScalarExpr {
  switch (e.kind) {
    case 'column': return f(e.index) ?? e;
    case 'literal': case 'mzNow': return e;
    case 'call': {
      const args = e.args.map((a) => substituteColumns(a, f));
      return args.every((a, i) => a === e.args[i]) ? e : { ...e, args };
    }
    case 'if': {
      const cond = substituteColumns(e.cond, f);
      const then = substituteColumns(e.then, f);
      const els = substituteColumns(e.els, f);
      return cond === e.cond && then === e.then && els === e.els ? e : { ...e, cond, then, els };
    }
  }
}
