/**
 * Compiled scalar expressions: MIR scalars turned into closures once per operator, so inner loops
 * call a function instead of re-dispatching on the expression tree for column references and
 * literals. Anything else evaluates through expr's evalScalar (which may throw EvalError).
 */
import { type MirScalarExpr, evalScalar } from '../expr/index.ts';
import type { Datum, Row } from '../repr/index.ts';

export type CompiledScalar = (row: Row) => Datum;

export function compileScalar(e: MirScalarExpr): CompiledScalar {
  switch (e.kind) {
    case 'column': {
      const i = e.index;
      return (row) => row[i] ?? null;
    }
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    default:
      return (row) => evalScalar(e, row);
  }
}

/**
 * Evaluates a list of key expressions to a key row. When every expression is a column reference
 * the key is a plain gather (no closure calls).
 */
export class KeyFn {
  readonly arity: number;
  private readonly cols: number[] | undefined;
  private readonly fns: CompiledScalar[];

  constructor(exprs: readonly MirScalarExpr[]) {
    this.arity = exprs.length;
    this.cols = exprs.every((e) => e.kind === 'column') ? exprs.map((e) => (e as { index: number }).index) : undefined;
    this.fns = exprs.map(compileScalar);
  }

  /** The key of `row` in packed form (the datum itself for one-column keys); may throw EvalError. */
  applyPacked(row: Row): Datum | Row {
    if (this.arity !== 1) return this.apply(row);
    const cols = this.cols;
    return cols !== undefined ? (row[cols[0]!] ?? null) : this.fns[0]!(row);
  }

  /** The key of `row`; may throw EvalError. */
  apply(row: Row): Row {
    const cols = this.cols;
    if (cols !== undefined) {
      if (cols.length === 1) return [row[cols[0]!] ?? null];
      const out: Datum[] = new Array(cols.length);
      for (let i = 0; i < cols.length; i++) out[i] = row[cols[i]!] ?? null;
      return out;
    }
    const fns = this.fns;
    const out: Datum[] = new Array(fns.length);
    for (let i = 0; i < fns.length; i++) out[i] = fns[i]!(row);
    return out;
  }
}
