/** Shared helpers for function implementations: range checks and error constructors. */
import { SqlError, SqlState } from '../../util/index.ts';
import { EvalError } from '../eval.ts';

export const I2_MIN = -32768;
export const I2_MAX = 32767;
export const I4_MIN = -2147483648;
export const I4_MAX = 2147483647;
export const I8_MIN = -(2n ** 63n);
export const I8_MAX = 2n ** 63n - 1n;

export const outOfRange = (what: string): EvalError => new EvalError(SqlState.numericValueOutOfRange, `${what} out of range`);

export function checkI2(v: number): number {
  if (v < I2_MIN || v > I2_MAX || Number.isNaN(v)) throw outOfRange('smallint');
  return v;
}
export function checkI4(v: number): number {
  if (v < I4_MIN || v > I4_MAX || Number.isNaN(v)) throw outOfRange('integer');
  return v;
}
export function checkI8(v: bigint): bigint {
  if (v < I8_MIN || v > I8_MAX) throw outOfRange('bigint');
  return v;
}

/** Converts a SqlError thrown by shared code (text parsing) into an EvalError, so dataflows treat it as data. */
export function asEval<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof EvalError) throw err;
    if (err instanceof SqlError) throw new EvalError(err.code, err.message, err.detail);
    throw err;
  }
}

/** Round half to even (C's rint), as PostgreSQL uses for float → int conversions. */
export function rint(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x % 1) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

export { EvalError, SqlState };
