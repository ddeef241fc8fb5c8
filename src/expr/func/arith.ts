/**
 * Numeric arithmetic with PostgreSQL's semantics: integer overflow (22003), division by zero (22012),
 * float overflow/underflow, exact numeric; plus abs/round/trunc/ceil/floor/sqrt/... and bitwise ops.
 */
import { type Datum, Numeric } from '../../repr/index.ts';
import { divisionByZero } from '../eval.ts';
import { eager } from '../func.ts';
import { EvalError, SqlState, checkI2, checkI4, checkI8, outOfRange } from './util.ts';
import { numericExp, numericLn, numericLog, numericLog10, numericPowerFrac } from './numeric-math.ts';

type IntKind = 'int2' | 'int4';
const checkSmall = (k: IntKind): ((v: number) => number) => (k === 'int2' ? checkI2 : checkI4);

for (const k of ['int2', 'int4'] as const) {
  const chk = checkSmall(k);
  eager(`add_${k}`, ([a, b]) => chk((a as number) + (b as number)));
  eager(`sub_${k}`, ([a, b]) => chk((a as number) - (b as number)));
  eager(`mul_${k}`, ([a, b]) => chk((a as number) * (b as number)));
  eager(`div_${k}`, ([a, b]) => {
    if (b === 0) throw divisionByZero();
    return chk(Math.trunc((a as number) / (b as number)));
  });
  eager(`mod_${k}`, ([a, b]) => {
    if (b === 0) throw divisionByZero();
    const r = (a as number) % (b as number);
    return r === 0 ? 0 : r;
  });
  eager(`neg_${k}`, ([a]) => chk(-(a as number)));
  eager(`abs_${k}`, ([a]) => chk(Math.abs(a as number)));
  eager(`bitand_${k}`, ([a, b]) => (a as number) & (b as number));
  eager(`bitor_${k}`, ([a, b]) => (a as number) | (b as number));
  eager(`bitxor_${k}`, ([a, b]) => (a as number) ^ (b as number));
  eager(`bitnot_${k}`, ([a]) => ~(a as number));
  eager(`shl_${k}`, ([a, b]) => (k === 'int2' ? ((((a as number) << (b as number)) << 16) >> 16) : (a as number) << (b as number)));
  eager(`shr_${k}`, ([a, b]) => (a as number) >> (b as number));
}

eager('add_int8', ([a, b]) => checkI8((a as bigint) + (b as bigint)));
eager('sub_int8', ([a, b]) => checkI8((a as bigint) - (b as bigint)));
eager('mul_int8', ([a, b]) => checkI8((a as bigint) * (b as bigint)));
eager('div_int8', ([a, b]) => {
  if (b === 0n) throw divisionByZero();
  return checkI8((a as bigint) / (b as bigint));
});
eager('mod_int8', ([a, b]) => {
  if (b === 0n) throw divisionByZero();
  return (a as bigint) % (b as bigint);
});
eager('neg_int8', ([a]) => checkI8(-(a as bigint)));
eager('abs_int8', ([a]) => checkI8((a as bigint) < 0n ? -(a as bigint) : (a as bigint)));
eager('bitand_int8', ([a, b]) => (a as bigint) & (b as bigint));
eager('bitor_int8', ([a, b]) => (a as bigint) | (b as bigint));
eager('bitxor_int8', ([a, b]) => (a as bigint) ^ (b as bigint));
eager('bitnot_int8', ([a]) => ~(a as bigint));
eager('shl_int8', ([a, b]) => BigInt.asIntN(64, (a as bigint) << BigInt(b as number)));
eager('shr_int8', ([a, b]) => (a as bigint) >> BigInt(b as number));

/** PostgreSQL's float overflow/underflow checks. */
function checkFloat(r: number, a: number, b: number, zeroOk: boolean, f4: boolean): number {
  const v = f4 ? Math.fround(r) : r;
  if (!Number.isFinite(v) && Number.isFinite(a) && Number.isFinite(b)) throw new EvalError(SqlState.numericValueOutOfRange, 'value out of range: overflow');
  if (v === 0 && !zeroOk) throw new EvalError(SqlState.numericValueOutOfRange, 'value out of range: underflow');
  return v;
}

for (const k of ['float4', 'float8'] as const) {
  const f4 = k === 'float4';
  eager(`add_${k}`, ([a, b]) => checkFloat((a as number) + (b as number), a as number, b as number, true, f4));
  eager(`sub_${k}`, ([a, b]) => checkFloat((a as number) - (b as number), a as number, b as number, true, f4));
  eager(`mul_${k}`, ([a, b]) => checkFloat((a as number) * (b as number), a as number, b as number, a === 0 || b === 0, f4));
  eager(`div_${k}`, ([a, b]) => {
    if (b === 0) throw divisionByZero();
    return checkFloat((a as number) / (b as number), a as number, b as number, a === 0 || !Number.isFinite(b as number), f4);
  });
  eager(`neg_${k}`, ([a]) => -(a as number));
  eager(`abs_${k}`, ([a]) => Math.abs(a as number));
}

const num = (d: Datum | undefined): Numeric => d as Numeric;
const NAN = new Numeric(0n, 0, 'nan');

eager('add_numeric', ([a, b]) => num(a).add(num(b)));
eager('sub_numeric', ([a, b]) => num(a).sub(num(b)));
eager('mul_numeric', ([a, b]) => num(a).mul(num(b)));
eager('div_numeric', ([a, b]) => {
  if (!num(b).isSpecial() && num(b).coef === 0n && num(a).special !== 'nan') throw divisionByZero();
  return num(a).div(num(b));
});
eager('mod_numeric', ([a, b]) => {
  const x = num(a);
  const y = num(b);
  if (x.special === 'nan' || y.special === 'nan') return NAN;
  if (!y.isSpecial() && y.coef === 0n) throw divisionByZero();
  if (x.isSpecial()) return NAN;
  if (y.isSpecial()) return x;
  const s = Math.max(x.scale, y.scale);
  return new Numeric(x.withScale(s).coef % y.withScale(s).coef, s);
});
eager('neg_numeric', ([a]) => num(a).negate());
eager('abs_numeric', ([a]) => {
  const x = num(a);
  if (x.special === '-inf') return new Numeric(0n, 0, 'inf');
  return x.coef < 0n ? x.negate() : x;
});

function truncScale(x: Numeric, s: number, mode: 'trunc' | 'ceil' | 'floor'): Numeric {
  if (x.isSpecial()) return x;
  if (s >= x.scale) return x.withScale(Math.max(s, 0));
  const div = 10n ** BigInt(x.scale - s);
  let q = x.coef / div;
  const r = x.coef % div;
  if (r !== 0n) {
    if (mode === 'ceil' && x.coef > 0n) q += 1n;
    if (mode === 'floor' && x.coef < 0n) q -= 1n;
  }
  if (s >= 0) return new Numeric(q, s);
  return new Numeric(q * 10n ** BigInt(-s), 0);
}

eager('round_numeric', ([a]) => num(a).withScale(0));
eager('round_numeric_int4', ([a, s]) => {
  const x = num(a);
  const sc = s as number;
  if (sc >= 0) return x.withScale(sc);
  const shifted = new Numeric(x.coef, x.scale - sc).withScale(0);
  return new Numeric(shifted.coef * 10n ** BigInt(-sc), 0);
});
eager('trunc_numeric', ([a]) => truncScale(num(a), 0, 'trunc'));
eager('trunc_numeric_int4', ([a, s]) => truncScale(num(a), s as number, 'trunc'));
eager('ceil_numeric', ([a]) => truncScale(num(a), 0, 'ceil'));
eager('floor_numeric', ([a]) => truncScale(num(a), 0, 'floor'));
eager('round_float8', ([a]) => {
  const x = a as number;
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
});
eager('trunc_float8', ([a]) => Math.trunc(a as number));
eager('ceil_float8', ([a]) => Math.ceil(a as number));
eager('floor_float8', ([a]) => Math.floor(a as number));
eager('sign_float8', ([a]) => Math.sign(a as number));
eager('sign_numeric', ([a]) => {
  const x = num(a);
  if (x.special === 'nan') return x;
  const s = x.special === 'inf' ? 1n : x.special === '-inf' ? -1n : x.coef > 0n ? 1n : x.coef < 0n ? -1n : 0n;
  return new Numeric(s, 0);
});

function sqrtCheck(x: number): number {
  if (x < 0) throw new EvalError('2201F', 'cannot take square root of a negative number');
  return Math.sqrt(x);
}
function lnCheck(x: number): number {
  if (x === 0) throw new EvalError('2201E', 'cannot take logarithm of zero');
  if (x < 0) throw new EvalError('2201E', 'cannot take logarithm of a negative number');
  return Math.log(x);
}
function powCheck(a: number, b: number): number {
  if (a === 0 && b < 0) throw new EvalError('2201F', 'zero raised to a negative power is undefined');
  if (a < 0 && !Number.isInteger(b)) throw new EvalError('2201F', 'a negative number raised to a non-integer power yields a complex result');
  const r = a ** b;
  if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b)) throw new EvalError(SqlState.numericValueOutOfRange, 'value out of range: overflow');
  return r;
}
eager('sqrt_float8', ([a]) => sqrtCheck(a as number));
eager('sqrt_numeric', ([a]) => numericSqrt(num(a)));
eager('cbrt_float8', ([a]) => Math.cbrt(a as number));
eager('exp_float8', ([a]) => {
  const r = Math.exp(a as number);
  if (!Number.isFinite(r) && Number.isFinite(a as number)) throw new EvalError(SqlState.numericValueOutOfRange, 'value out of range: overflow');
  return r;
});
eager('exp_numeric', ([a]) => numericExp(num(a)));
eager('ln_float8', ([a]) => lnCheck(a as number));
eager('ln_numeric', ([a]) => numericLn(num(a)));
eager('log10_float8', ([a]) => {
  lnCheck(a as number);
  return Math.log10(a as number);
});
eager('log10_numeric', ([a]) => numericLog10(num(a)));
eager('power_float8', ([a, b]) => powCheck(a as number, b as number));
eager('power_numeric', ([a, b]) => {
  const x = num(a);
  const y = num(b);
  const yi = y.isSpecial() ? undefined : y.normalize();
  if (!x.isSpecial() && yi !== undefined && yi.scale === 0 && yi.coef > -1000n && yi.coef < 1000n) {
    if (x.coef === 0n && yi.coef < 0n) throw new EvalError('2201F', 'zero raised to a negative power is undefined');
    const n = yi.coef < 0n ? -yi.coef : yi.coef;
    let r = new Numeric(1n, 0);
    for (let i = 0n; i < n; i++) r = r.mul(x);
    // PostgreSQL's scale for an integer power: 16 decimals, or the inputs' scales if larger.
    const rscale = Math.min(Math.max(16, x.scale, y.scale), 1000);
    if (yi.coef < 0n) r = new Numeric(1n, 0).div(r);
    return r.withScale(rscale);
  }
  if (!x.isSpecial() && !y.isSpecial() && x.coef > 0n && Math.abs(y.toNumber() * Math.log10(x.toNumber())) < 1000) return numericPowerFrac(x, y);
  return Numeric.fromNumber(powCheck(x.toNumber(), y.toNumber()));
});
eager('pi', () => Math.PI);
eager('random', () => Math.random());
export { outOfRange };

// Trigonometry (float8), as PostgreSQL: out-of-domain inputs are 22003 "input is out of range".
function domain(f: (x: number) => number, lo: number, hi: number): (args: Datum[]) => Datum {
  return ([a]) => {
    const x = a as number;
    if (Number.isNaN(x)) return NaN;
    if (x < lo || x > hi) throw new EvalError(SqlState.numericValueOutOfRange, 'input is out of range');
    return f(x);
  };
}
const finiteIn = (f: (x: number) => number) => ([a]: Datum[]): Datum => {
  const x = a as number;
  if (!Number.isFinite(x) && !Number.isNaN(x)) throw new EvalError(SqlState.numericValueOutOfRange, 'input is out of range');
  return f(x);
};
eager('sin', finiteIn(Math.sin));
eager('cos', finiteIn(Math.cos));
eager('tan', finiteIn(Math.tan));
eager('cot', finiteIn((x) => 1 / Math.tan(x)));
eager('asin', domain(Math.asin, -1, 1));
eager('acos', domain(Math.acos, -1, 1));
eager('atan', ([a]) => Math.atan(a as number));
eager('atan2', ([a, b]) => Math.atan2(a as number, b as number));
eager('sinh', ([a]) => Math.sinh(a as number));
eager('cosh', ([a]) => Math.cosh(a as number));
eager('tanh', ([a]) => Math.tanh(a as number));
eager('degrees', ([a]) => (a as number) * (180 / Math.PI));
eager('radians', ([a]) => (a as number) * (Math.PI / 180));
eager('log_numeric_numeric', ([b, x]) => numericLog(num(b), num(x)));
eager('div_numeric_trunc', ([a, b]) => {
  const x = num(a);
  const y = num(b);
  if (!y.isSpecial() && y.coef === 0n) throw divisionByZero();
  if (x.isSpecial() || y.isSpecial()) return NAN;
  const s = Math.max(x.scale, y.scale);
  return new Numeric(x.withScale(s).coef / y.withScale(s).coef, 0);
});
function gcdBig(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}
eager('gcd_int4', ([a, b]) => checkI4(Number(gcdBig(BigInt(a as number), BigInt(b as number)))));
eager('gcd_int8', ([a, b]) => checkI8(gcdBig(a as bigint, b as bigint)));
eager('lcm_int4', ([a, b]) => {
  const x = BigInt(a as number);
  const y = BigInt(b as number);
  if (x === 0n || y === 0n) return 0;
  const r = (x / gcdBig(x, y)) * y;
  return checkI4(Number(r < 0n ? -r : r));
});
eager('lcm_int8', ([a, b]) => {
  const x = a as bigint;
  const y = b as bigint;
  if (x === 0n || y === 0n) return 0n;
  const r = (x / gcdBig(x, y)) * y;
  return checkI8(r < 0n ? -r : r);
});

/** Exact numeric square root with PostgreSQL's result scale (at least 16 significant digits). */
function numericSqrt(x: Numeric): Numeric {
  if (x.special === 'nan' || x.special === 'inf') return x;
  if (x.special === '-inf' || x.coef < 0n) throw new EvalError('2201F', 'cannot take square root of a negative number');
  if (x.coef === 0n) return new Numeric(0n, Math.max(x.scale, 0)).withScale(Math.max(16, x.scale));
  const digits = x.coef.toString().length;
  const weight = Math.floor((digits - x.scale - 1) / 4);
  const sweight = Math.trunc(((weight + 1) * 4) / 2) - 1;
  let rscale = 16 - sweight;
  rscale = Math.min(Math.max(rscale, x.scale, 0), 1000);
  const shift = 2 * (rscale + 1) - x.scale;
  const n = shift >= 0 ? x.coef * 10n ** BigInt(shift) : x.coef / 10n ** BigInt(-shift);
  return new Numeric(isqrt(n), rscale + 1).withScale(rscale);
}
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x && y - x <= 1n) {
      while (x * x > n) x--;
      while ((x + 1n) * (x + 1n) <= n) x++;
      return x;
    }
    x = y;
  }
}
export { numericSqrt };
