/**
 * ln, exp and log for numeric with PostgreSQL's result scales (16 significant digits around the decimal
 * point), computed exactly enough in BigInt fixed point (40 digits) that the rounded result is
 * PostgreSQL's. Float evaluation is off in the 16th-17th digit, which numeric output shows.
 */
import { Numeric } from '../../repr/index.ts';
import { EvalError, SqlState } from './util.ts';

const P = 40;
const ONE = 10n ** BigInt(P);
const LN2 = 693147180559945309417232121458176568075500134360255254120680009n * ONE / 10n ** 63n;
const LN10 = 2302585092994045684017991454684364207601101488628772976033327900n * ONE / 10n ** 63n;

/** A numeric as a P-digit fixed-point bigint. */
function toFixed(x: Numeric): bigint {
  const shift = P - x.scale;
  return shift >= 0 ? x.coef * 10n ** BigInt(shift) : x.coef / 10n ** BigInt(-shift);
}
const mul = (a: bigint, b: bigint): bigint => (a * b) / ONE;
const div = (a: bigint, b: bigint): bigint => (a * ONE) / b;

/** ln of a positive fixed-point value. */
function lnFixed(v: bigint): bigint {
  // v = m × 2^k with m in [1, 2).
  let k = 0n;
  let m = v;
  while (m >= 2n * ONE) {
    m /= 2n;
    k++;
  }
  while (m < ONE) {
    m *= 2n;
    k--;
  }
  // ln(m) = 2 atanh(z), z = (m - 1) / (m + 1) ≤ 1/3.
  const z = div(m - ONE, m + ONE);
  const z2 = mul(z, z);
  let term = z;
  let sum = 0n;
  for (let n = 1n; term !== 0n; n += 2n) {
    sum += term / n;
    term = mul(term, z2);
  }
  return 2n * sum + k * LN2;
}

/** exp of a fixed-point value (|x| small enough not to overflow the caller's checks). */
function expFixed(x: bigint): bigint {
  // exp(x) = exp(x / 2^s)^(2^s) with x / 2^s < 0.01.
  let s = 0;
  let r = x < 0n ? -x : x;
  while (r > ONE / 100n) {
    r /= 2n;
    s++;
  }
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = mul(term, r) / n;
    sum += term;
  }
  for (let i = 0; i < s; i++) sum = mul(sum, sum);
  return x < 0n ? div(ONE, sum) : sum;
}

/** Rounds a fixed-point result to PostgreSQL's scale: 16 significant digits around the point, at least `minScale`. */
function result(v: bigint, minScale: number): Numeric {
  const abs = v < 0n ? -v : v;
  const intDigits = abs >= ONE ? (abs / ONE).toString().length : 0;
  let lead = 0;
  if (abs !== 0n && abs < ONE) lead = P - abs.toString().length; // zeros after the point
  const rscale = Math.min(Math.max(abs >= ONE ? 16 - (intDigits - 1) : 16 + lead, minScale, 0), P - 2);
  return new Numeric(v, P).withScale(rscale);
}

export function numericLn(x: Numeric): Numeric {
  if (x.special === 'nan' || x.special === 'inf') return x;
  if (x.special === '-inf' || x.coef < 0n) throw new EvalError('2201E', 'cannot take logarithm of a negative number');
  if (x.coef === 0n) throw new EvalError('2201E', 'cannot take logarithm of zero');
  return result(lnAny(x), x.scale);
}

/** ln of any positive numeric, reducing by powers of ten first so that huge and tiny values stay exact. */
function lnAny(x: Numeric): bigint {
  const digits = x.coef.toString().length;
  const e10 = digits - x.scale - 1;
  const m = new Numeric(x.coef, digits - 1);
  return lnFixed(toFixed(m)) + BigInt(e10) * LN10;
}

export function numericLog10(x: Numeric): Numeric {
  if (x.special === 'nan' || x.special === 'inf') return x;
  if (x.special === '-inf' || x.coef < 0n) throw new EvalError('2201E', 'cannot take logarithm of a negative number');
  if (x.coef === 0n) throw new EvalError('2201E', 'cannot take logarithm of zero');
  return result(div(lnAny(x), LN10), x.scale);
}

export function numericLog(b: Numeric, x: Numeric): Numeric {
  if (b.isSpecial() || x.isSpecial()) return new Numeric(0n, 0, 'nan');
  for (const v of [b, x]) {
    if (v.coef < 0n) throw new EvalError('2201E', 'cannot take logarithm of a negative number');
    if (v.coef === 0n) throw new EvalError('2201E', 'cannot take logarithm of zero');
  }
  const lb = lnAny(b);
  if (lb === 0n) throw new EvalError(SqlState.divisionByZero, 'division by zero');
  return result(div(lnAny(x), lb), Math.max(b.scale, x.scale));
}

export function numericExp(x: Numeric): Numeric {
  if (x.special === 'nan' || x.special === 'inf') return x;
  if (x.special === '-inf') return new Numeric(0n, 0);
  const f = x.toNumber();
  if (f > 2900) throw new EvalError(SqlState.numericValueOutOfRange, 'value overflows numeric format');
  if (f < -2900) return new Numeric(0n, 0).withScale(Math.max(16, x.scale));
  return result(expFixed(toFixed(x)), x.scale);
}

/** x ^ y for a non-integer y (x > 0): exp(y ln x), at 16 significant digits as PostgreSQL's power_var. */
export function numericPowerFrac(x: Numeric, y: Numeric): Numeric {
  const r = expFixed(mul(lnAny(x), toFixed(y)));
  // The result's decimal weight from a float estimate (the fixed-point value may sit just below a power of ten).
  const weight = Math.floor(y.toNumber() * Math.log10(x.toNumber()) + 1e-12);
  const rscale = Math.min(Math.max(16 - weight, x.scale, y.scale, 0), P - 2);
  return new Numeric(r, P).withScale(rscale);
}
