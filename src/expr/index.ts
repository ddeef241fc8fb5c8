/** expr: MIR relation and scalar expressions, the function registry, and scalar evaluation. */
export * from './relation.ts';
export * from './scalar.ts';
export { evalScalar, evalPredicate, EvalError, divisionByZero, type EvalContext } from './eval.ts';
export { registerFunc, lookupFunc, hasFunc, eager, type ScalarFunc } from './func.ts';
import './func/index.ts';
export { TABLE_FUNCTIONS, withOrdinality, type TableFunctionImpl } from './func/table.ts';
export { quoteIdent } from './func/catalog.ts';
export { datumToJson } from './func/jsonb.ts';
export { stackArrays } from './func/arrays.ts';
