/**
 * Evaluation of MIR scalar expressions against one row. Errors are thrown as EvalError (a SqlError
 * with the right SQLSTATE); dataflows catch them and emit them into the errors collection.
 */
import type { Datum, Row } from '../repr/index.ts';
import { SqlError, SqlState, type SqlStateCode } from '../util/index.ts';
import type { MirScalarExpr } from './scalar.ts';
import { lookupFunc } from './func.ts';

/** An error raised while evaluating an expression (division by zero, bad cast, overflow). */
export class EvalError extends SqlError {
  constructor(code: SqlStateCode, message: string, detail?: string) {
    super(code, message, { detail });
    this.name = 'EvalError';
  }
}

export const divisionByZero = (): EvalError => new EvalError(SqlState.divisionByZero, 'division by zero');

/** Per-evaluation context: the logical time that mz_now() returns (ms, as mz_timestamp). */
export interface EvalContext {
  readonly mzNow?: bigint;
}

const NO_CONTEXT: EvalContext = {};

export function evalScalar(e: MirScalarExpr, row: Row, ctx: EvalContext = NO_CONTEXT): Datum {
  switch (e.kind) {
    case 'column': return row[e.index] ?? null;
    case 'literal': return e.value;
    case 'mzNow':
      if (ctx.mzNow === undefined) throw new EvalError(SqlState.featureNotSupported, 'mz_now() is not available in this context');
      return ctx.mzNow;
    case 'if': {
      const c = evalScalar(e.cond, row, ctx);
      return c === true ? evalScalar(e.then, row, ctx) : evalScalar(e.els, row, ctx);
    }
    case 'call': {
      const f = lookupFunc(e.func);
      if (f.kind === 'lazy') return f.evalLazy(e.args, row, ctx, e.type);
      const args: Datum[] = new Array(e.args.length);
      for (let i = 0; i < e.args.length; i++) {
        const v = evalScalar(e.args[i]!, row, ctx);
        if (v === null && f.strict) return null;
        args[i] = v;
      }
      return f.eval(args, e.type, ctx);
    }
  }
}

/** True iff the predicate is SQL-true for the row (NULL and false both reject). */
export function evalPredicate(e: MirScalarExpr, row: Row, ctx: EvalContext = NO_CONTEXT): boolean {
  return evalScalar(e, row, ctx) === true;
}
