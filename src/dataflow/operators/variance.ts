/**
 * The variance family (var_pop, var_samp/variance, stddev_pop, stddev_samp/stddev) with
 * PostgreSQL's result rules: numeric inputs (int2/4/8, numeric) give numeric computed exactly as
 * PostgreSQL's numeric_stddev_internal does (numerator N·Σx² − (Σx)² at scale 2·dscale(Σx),
 * divided with select_div_scale, square root at that scale); float inputs give float8.
 * State is accumulable and exact (bigint / Numeric sums, specials counted), so retractions never
 * drift; float inputs are summed as the exact decimal value of each double, so a float8 result can
 * differ from PostgreSQL's float8 (Youngs–Cramer) accumulation in the last bits.
 */
import type { AggregateFunc } from '../../expr/index.ts';
import { type Datum, Numeric } from '../../repr/index.ts';
import { SqlState } from '../../util/index.ts';
import { EvalError } from '../../expr/index.ts';

export type VarianceFunc = Extract<AggregateFunc, 'stddev' | 'stddev_pop' | 'stddev_samp' | 'variance' | 'var_pop' | 'var_samp'>;

export function isVarianceFunc(f: AggregateFunc): f is VarianceFunc {
  return f === 'stddev' || f === 'stddev_pop' || f === 'stddev_samp' || f === 'variance' || f === 'var_pop' || f === 'var_samp';
}

/** The exact decimal value of a double (every finite double is m·2^-k = m·5^k·10^-k). */
export function floatToNumeric(v: number): Numeric {
  if (Number.isInteger(v)) return new Numeric(BigInt(v), 0);
  let x = v;
  let k = 0;
  while (!Number.isInteger(x)) {
    x *= 2;
    k++;
  }
  return new Numeric(BigInt(x) * 5n ** BigInt(k), k);
}

/** Exact running sums n, Σx, Σx² with counted specials and the multiset of input scales. */
export class VarianceState {
  n = 0;
  private sum = new Numeric(0n, 0);
  private sum2 = new Numeric(0n, 0);
  private specials = 0;
  /** Count of current inputs per scale: dscale(Σx) is the largest scale still present. */
  private readonly scales = new Map<number, number>();

  add(v: Datum, d: number): void {
    if (v === null) return;
    let x: Numeric;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        this.n += d;
        this.specials += d;
        return;
      }
      x = floatToNumeric(v);
    } else if (typeof v === 'bigint') x = new Numeric(v, 0);
    else if (v instanceof Numeric) {
      if (v.special !== undefined) {
        this.n += d;
        this.specials += d;
        return;
      }
      x = v;
    } else throw new EvalError(SqlState.datatypeMismatch, 'variance: unsupported input value');
    this.n += d;
    const dd = new Numeric(BigInt(d), 0);
    this.sum = this.sum.add(x.mul(dd));
    this.sum2 = this.sum2.add(x.mul(x).mul(dd));
    const c = (this.scales.get(x.scale) ?? 0) + d;
    if (c === 0) this.scales.delete(x.scale);
    else this.scales.set(x.scale, c);
  }

  isEmpty(): boolean {
    return this.n === 0 && this.specials === 0 && this.sum.coef === 0n && this.sum2.coef === 0n && this.scales.size === 0;
  }

  result(func: VarianceFunc, floatOut: boolean): Datum {
    const sample = func === 'stddev' || func === 'stddev_samp' || func === 'variance' || func === 'var_samp';
    const root = func === 'stddev' || func === 'stddev_pop' || func === 'stddev_samp';
    if (this.n <= 0 || (sample && this.n === 1)) return null;
    if (this.specials > 0) return floatOut ? NaN : new Numeric(0n, 0, 'nan');
    let dscale = 0;
    for (const s of this.scales.keys()) dscale = Math.max(dscale, s);
    const n = new Numeric(BigInt(this.n), 0);
    const sum = this.sum.withScale(dscale);
    const rscale = dscale * 2;
    const num = n.mul(this.sum2.withScale(rscale)).sub(sum.mul(sum)).withScale(rscale);
    if (num.coef <= 0n) return floatOut ? 0 : new Numeric(0n, rscale);
    const den = sample ? n.mul(new Numeric(BigInt(this.n - 1), 0)) : n.mul(n);
    const variance = num.div(den);
    if (floatOut) {
      const f = variance.toNumber();
      return root ? Math.sqrt(f) : f;
    }
    return root ? numericSqrt(variance, variance.scale) : variance;
  }
}

/** √x rounded (half away from zero) to `scale` digits, x > 0. */
export function numericSqrt(x: Numeric, scale: number): Numeric {
  // isqrt(x · 10^(2·(scale+1))) = √x to scale+1 digits, truncated; then round to scale.
  const shift = 2 * (scale + 1) - x.scale;
  const big = shift >= 0 ? x.coef * 10n ** BigInt(shift) : x.coef / 10n ** BigInt(-shift);
  return new Numeric(isqrt(big), scale + 1).withScale(scale);
}

function isqrt(v: bigint): bigint {
  if (v < 2n) return v;
  // Newton's method from a power of two above the root decreases monotonically to floor(√v).
  let x = 1n << BigInt((v.toString(2).length >> 1) + 1);
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}
