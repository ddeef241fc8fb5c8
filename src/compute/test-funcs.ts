/**
 * Scalar functions for compute/dataflow tests only, registered under `test_` names so they never
 * collide with the SQL layer's registry entries. Import for its side effect.
 */
import { EvalError, divisionByZero, hasFunc, registerFunc } from '../expr/index.ts';
import type { Datum } from '../repr/index.ts';
import { SqlState } from '../util/index.ts';

function eagerOnce(name: string, f: (args: Datum[]) => Datum): void {
  if (!hasFunc(name)) registerFunc({ kind: 'eager', name, strict: true, eval: (args) => f(args) });
}

/** Integer division that throws division_by_zero, the canonical error source for tests. */
eagerOnce('test_div', ([a, b]) => {
  if (b === 0) throw divisionByZero();
  return Math.trunc((a as number) / (b as number));
});
eagerOnce('test_add', ([a, b]) => (a as number) + (b as number));
eagerOnce('test_gt', ([a, b]) => (a as number) > (b as number));
eagerOnce('test_eq', ([a, b]) => a === b);
eagerOnce('test_mod', ([a, b]) => {
  if (b === 0) throw divisionByZero();
  return (a as number) % (b as number);
});
eagerOnce('test_to_text', ([a]) => String(a));
eagerOnce('test_to_int8', ([a]) => BigInt(a as number));
eagerOnce('test_fail_if_negative', ([a]) => {
  if ((a as number) < 0) throw new EvalError(SqlState.numericValueOutOfRange, 'negative value');
  return a ?? null;
});
/** Builds a record (value, delimiter), the input shape string_agg expects. */
eagerOnce('test_pair', (args) => [args[0] ?? null, args[1] ?? null]);
