/**
 * Datums: the values in a row. The JavaScript representation is fixed per scalar type:
 *
 * | scalar type                         | representation                                   |
 * |-------------------------------------|--------------------------------------------------|
 * | NULL (any type)                     | `null`                                           |
 * | bool                                | `boolean`                                        |
 * | int2, int4, oid, float4, float8     | `number`                                         |
 * | int8, mz_timestamp                  | `bigint`                                         |
 * | numeric                             | `Numeric` (exact decimal)                        |
 * | text, varchar, bpchar, name, uuid   | `string` (uuid lower-case canonical)             |
 * | json, jsonb                         | `string` (jsonb: canonical text, so equal values are equal strings) |
 * | bytea                               | `Uint8Array`                                     |
 * | date                                | `number`, days since 1970-01-01                  |
 * | time                                | `number`, microseconds since midnight            |
 * | timestamp, timestamptz              | `bigint`, microseconds since 1970-01-01 00:00 UTC|
 * | interval                            | `Interval`                                       |
 * | array                               | `PgArray`                                        |
 * | record                              | `Datum[]`                                        |
 */

export type Datum = null | boolean | number | bigint | string | Uint8Array | Numeric | Interval | PgArray | readonly Datum[];

/** An exact decimal: value = coef × 10^-scale. NaN and ±Infinity as PostgreSQL 14+ has them. */
export class Numeric {
  readonly coef: bigint;
  readonly scale: number;
  readonly special: 'nan' | 'inf' | '-inf' | undefined;

  constructor(coef: bigint, scale: number, special?: 'nan' | 'inf' | '-inf') {
    this.coef = coef;
    this.scale = scale;
    this.special = special;
  }

  static fromString(text: string): Numeric | undefined {
    const s = text.trim();
    const lower = s.toLowerCase();
    if (lower === 'nan') return new Numeric(0n, 0, 'nan');
    if (lower === 'infinity' || lower === '+infinity' || lower === 'inf') return new Numeric(0n, 0, 'inf');
    if (lower === '-infinity' || lower === '-inf') return new Numeric(0n, 0, '-inf');
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return undefined;
    const sign = m[1] === '-' ? -1n : 1n;
    const intPart = m[2] ?? '';
    const fracPart = m[3] ?? '';
    const exp = m[4] === undefined ? 0 : Number(m[4]);
    let coef = BigInt((intPart + fracPart) || '0') * sign;
    let scale = fracPart.length - exp;
    if (scale < 0) {
      coef *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new Numeric(coef, scale);
  }

  static fromBigInt(v: bigint): Numeric {
    return new Numeric(v, 0);
  }

  static fromNumber(v: number): Numeric {
    if (Number.isNaN(v)) return new Numeric(0n, 0, 'nan');
    if (!Number.isFinite(v)) return new Numeric(0n, 0, v > 0 ? 'inf' : '-inf');
    if (Number.isInteger(v) && Math.abs(v) < 2 ** 53) return new Numeric(BigInt(v), 0);
    // PostgreSQL converts float8 → numeric through its 15-significant-digit text form.
    return Numeric.fromString(v.toPrecision(15))!.normalize();
  }

  isSpecial(): boolean {
    return this.special !== undefined;
  }

  /** The same value with scale `s` (rounding half away from zero when reducing scale). */
  withScale(s: number): Numeric {
    if (this.special || s === this.scale) return this;
    if (s > this.scale) return new Numeric(this.coef * 10n ** BigInt(s - this.scale), s);
    const div = 10n ** BigInt(this.scale - s);
    let q = this.coef / div;
    const r = this.coef % div;
    const twice = (r < 0n ? -r : r) * 2n;
    if (twice >= div) q += this.coef < 0n ? -1n : 1n;
    return new Numeric(q, s);
  }

  /** Strips trailing fractional zeros. */
  normalize(): Numeric {
    if (this.special) return this;
    let { coef, scale } = this;
    while (scale > 0 && coef % 10n === 0n) {
      coef /= 10n;
      scale--;
    }
    return new Numeric(coef, scale);
  }

  add(o: Numeric): Numeric {
    if (this.special || o.special) return specialArith(this, o, '+');
    const s = Math.max(this.scale, o.scale);
    return new Numeric(this.withScale(s).coef + o.withScale(s).coef, s);
  }

  sub(o: Numeric): Numeric {
    return this.add(o.negate());
  }

  negate(): Numeric {
    if (this.special === 'inf') return new Numeric(0n, 0, '-inf');
    if (this.special === '-inf') return new Numeric(0n, 0, 'inf');
    if (this.special) return this;
    return new Numeric(-this.coef, this.scale);
  }

  mul(o: Numeric): Numeric {
    if (this.special || o.special) return specialArith(this, o, '*');
    return new Numeric(this.coef * o.coef, this.scale + o.scale);
  }

  /**
   * Division with PostgreSQL's result scale rule (select_div_scale): at least 16 significant digits and
   * at least the scales of the inputs, at most 1000. Throws on a zero divisor (caller maps to 22012).
   */
  div(o: Numeric): Numeric {
    if (this.special || o.special) return specialArith(this, o, '/');
    if (o.coef === 0n) throw new RangeError('division by zero');
    // PostgreSQL's select_div_scale works on base-10000 digits: weight and value of the first digit.
    const nbase = (n: Numeric): [number, bigint] => {
      const abs = n.coef < 0n ? -n.coef : n.coef;
      if (abs === 0n) return [0, 0n];
      const e10 = abs.toString().length - n.scale - 1;
      const w = Math.floor(e10 / 4);
      const shift = n.scale + 4 * w;
      return [w, shift >= 0 ? abs / 10n ** BigInt(shift) : abs * 10n ** BigInt(-shift)];
    };
    const [w1, d1] = nbase(this);
    const [w2, d2] = nbase(o);
    let qweight = w1 - w2;
    if (d1 <= d2) qweight--;
    let rscale = 16 - qweight * 4;
    rscale = Math.max(rscale, this.scale, o.scale, 0);
    rscale = Math.min(rscale, 1000);
    // value = (a.coef / 10^a.scale) / (b.coef / 10^b.scale), wanted with rscale digits, rounded.
    const extra = rscale + o.scale - this.scale + 1;
    let num = this.coef;
    let den = o.coef;
    if (extra >= 0) num *= 10n ** BigInt(extra);
    else den *= 10n ** BigInt(-extra);
    const q = num / den;
    return new Numeric(q, rscale + 1).withScale(rscale);
  }

  compare(o: Numeric): number {
    // PostgreSQL orders NaN above everything, including +Infinity.
    const rank = (n: Numeric): number => (n.special === 'nan' ? 3 : n.special === 'inf' ? 2 : n.special === '-inf' ? 0 : 1);
    const ra = rank(this);
    const rb = rank(o);
    if (ra !== rb || ra !== 1) return ra - rb;
    const s = Math.max(this.scale, o.scale);
    const a = this.withScale(s).coef;
    const b = o.withScale(s).coef;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  toNumber(): number {
    if (this.special === 'nan') return NaN;
    if (this.special === 'inf') return Infinity;
    if (this.special === '-inf') return -Infinity;
    return Number(this.toString());
  }

  toString(): string {
    if (this.special === 'nan') return 'NaN';
    if (this.special === 'inf') return 'Infinity';
    if (this.special === '-inf') return '-Infinity';
    const neg = this.coef < 0n;
    let digits = (neg ? -this.coef : this.coef).toString();
    if (this.scale <= 0) return (neg ? '-' : '') + digits;
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const cut = digits.length - this.scale;
    return (neg ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut);
  }
}

function specialArith(a: Numeric, b: Numeric, op: '+' | '*' | '/'): Numeric {
  const nan = new Numeric(0n, 0, 'nan');
  if (a.special === 'nan' || b.special === 'nan') return nan;
  const af = a.toNumber();
  const bf = b.toNumber();
  const r = op === '+' ? af + bf : op === '*' ? af * bf : af / bf;
  return Number.isNaN(r) ? nan : Numeric.fromNumber(r);
}

/** A PostgreSQL interval: months, days and microseconds are kept apart, as PostgreSQL does. */
export class Interval {
  readonly months: number;
  readonly days: number;
  readonly micros: bigint;
  constructor(months: number, days: number, micros: bigint) {
    this.months = months;
    this.days = days;
    this.micros = micros;
  }
  /** The value PostgreSQL compares intervals by: months as 30 days, days as 24 hours. */
  totalMicros(): bigint {
    return (BigInt(this.months) * 30n + BigInt(this.days)) * 86_400_000_000n + this.micros;
  }
  compare(o: Interval): number {
    const a = this.totalMicros();
    const b = o.totalMicros();
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

/** A PostgreSQL array: elements in row-major order plus dimensions (lower bounds default to 1). */
export class PgArray {
  readonly elems: readonly Datum[];
  readonly dims: readonly { readonly length: number; readonly lower: number }[];
  constructor(elems: readonly Datum[], dims?: readonly { length: number; lower: number }[]) {
    this.elems = elems;
    this.dims = dims ?? (elems.length === 0 ? [] : [{ length: elems.length, lower: 1 }]);
  }
}

function typeRank(d: Datum): number {
  if (d === null) return 100; // NULLs sort last, as in PostgreSQL ascending order.
  switch (typeof d) {
    case 'boolean': return 1;
    case 'number': return 2;
    case 'bigint': return 3;
    case 'string': return 4;
    default:
      if (d instanceof Numeric) return 5;
      if (d instanceof Interval) return 6;
      if (d instanceof Uint8Array) return 7;
      if (d instanceof PgArray) return 8;
      return 9; // record
  }
}

/**
 * Total order on datums of one type, matching PostgreSQL's default (ascending, NULLS LAST; text in
 * code-point order, i.e. the C collation Materialize uses; NaN above all numbers).
 */
export function compareDatum(a: Datum, b: Datum): number {
  if (a === b) return 0;
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 1: return (a as boolean) ? 1 : -1;
    case 2: {
      const x = a as number;
      const y = b as number;
      if (x < y) return -1;
      if (x > y) return 1;
      if (x === y) return 0;
      return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
    }
    case 3: return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case 4: return compareStrings(a as string, b as string);
    case 5: return (a as Numeric).compare(b as Numeric);
    case 6: return (a as Interval).compare(b as Interval);
    case 7: return compareBytes(a as Uint8Array, b as Uint8Array);
    case 8: return compareDatumLists((a as PgArray).elems, (b as PgArray).elems);
    default: return compareDatumLists(a as readonly Datum[], b as readonly Datum[]);
  }
}

/** Code-point order (UTF-16 code-unit order differs for astral characters). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function compareDatumLists(a: readonly Datum[], b: readonly Datum[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareDatum(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
