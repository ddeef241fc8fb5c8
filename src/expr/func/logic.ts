/**
 * Comparisons, SQL's three-valued logic (AND/OR/NOT, IS [NOT] NULL/TRUE/FALSE, IS [NOT] DISTINCT FROM),
 * COALESCE/NULLIF/GREATEST/LEAST, and structural helpers (records, arrays, NOT NULL checks).
 */
import { type Datum, PgArray, compareDatum } from '../../repr/index.ts';
import { EvalError, evalScalar } from '../eval.ts';
import { eager, registerFunc } from '../func.ts';
import { SqlState } from './util.ts';

eager('eq', ([a, b]) => compareDatum(a!, b!) === 0);
eager('neq', ([a, b]) => compareDatum(a!, b!) !== 0);
eager('lt', ([a, b]) => compareDatum(a!, b!) < 0);
eager('lte', ([a, b]) => compareDatum(a!, b!) <= 0);
eager('gt', ([a, b]) => compareDatum(a!, b!) > 0);
eager('gte', ([a, b]) => compareDatum(a!, b!) >= 0);
eager('is_distinct', ([a, b]) => (a === null || b === null ? a !== b : compareDatum(a!, b!) !== 0), false);
eager('is_not_distinct', ([a, b]) => (a === null || b === null ? a === b : compareDatum(a!, b!) === 0), false);

registerFunc({
  kind: 'lazy', name: 'and',
  evalLazy(args, row, ctx) {
    let sawNull = false;
    for (const a of args) {
      const v = evalScalar(a, row, ctx);
      if (v === false) return false;
      if (v === null) sawNull = true;
    }
    return sawNull ? null : true;
  },
});
registerFunc({
  kind: 'lazy', name: 'or',
  evalLazy(args, row, ctx) {
    let sawNull = false;
    for (const a of args) {
      const v = evalScalar(a, row, ctx);
      if (v === true) return true;
      if (v === null) sawNull = true;
    }
    return sawNull ? null : false;
  },
});
registerFunc({
  kind: 'lazy', name: 'coalesce',
  evalLazy(args, row, ctx) {
    for (const a of args) {
      const v = evalScalar(a, row, ctx);
      if (v !== null) return v;
    }
    return null;
  },
});
eager('not', ([a]) => !(a as boolean));
eager('is_null', ([a]) => a === null, false);
eager('is_not_null', ([a]) => a !== null, false);
eager('is_true', ([a]) => a === true, false);
eager('is_not_true', ([a]) => a !== true, false);
eager('is_false', ([a]) => a === false, false);
eager('is_not_false', ([a]) => a !== false, false);
eager('nullif', ([a, b]) => (a !== null && b !== null && compareDatum(a!, b!) === 0 ? null : a!), false);
function extreme(args: Datum[], sign: number): Datum {
  let best: Datum = null;
  for (const a of args) if (a !== null && (best === null || compareDatum(a, best) * sign > 0)) best = a;
  return best;
}
eager('greatest', (args) => extreme(args, 1), false);
eager('least', (args) => extreme(args, -1), false);
eager('identity', ([a]) => a!);
eager('record_create', (args) => [...args], false);
eager('array_create', (args) => new PgArray([...args]), false);
eager('not_null_check', ([v, name]) => {
  if (v === null) throw new EvalError(SqlState.notNullViolation, `null value in column "${String(name)}" violates not-null constraint`);
  return v!;
}, false);
eager('now', () => {
  throw new EvalError(SqlState.featureNotSupported, 'now() is not available in this context');
}, false);
eager('$param', () => {
  throw new Error('internal error: unbound parameter evaluated');
}, false);
/** raise_error(sqlstate, message): an evaluation error as data (e.g. a scalar subquery returning several rows). */
eager('raise_error', ([code, message]) => {
  throw new EvalError(String(code), String(message));
}, false);
/** record_get(record, i): field i (0-based) of a record. */
eager('record_get', ([r, i]) => (r as readonly Datum[])[i as number] ?? null);

// character(n) comparisons ignore trailing spaces.
const rtrim = (d: Datum | undefined): string => (d as string).replace(/ +$/, '');
for (const [name, test] of [['eq', (c: number) => c === 0], ['neq', (c: number) => c !== 0], ['lt', (c: number) => c < 0], ['lte', (c: number) => c <= 0], ['gt', (c: number) => c > 0], ['gte', (c: number) => c >= 0]] as const) {
  eager(`${name}_bpchar`, ([a, b]) => test(compareDatum(rtrim(a), rtrim(b))));
}
