/**
 * Casts, registered as `cast_<from>_to_<to>` (the binder's cast table in sql/plan/types.ts lists which
 * exist in which context), and the type-modifier functions (`typmod_varchar`, `typmod_numeric`, ...).
 */
import {
  type Datum, type ScalarType, type ScalarTypeName, Interval, Numeric, PgArray, formatText, parseText, scalar, typeName,
} from '../../repr/index.ts';
import { eager } from '../func.ts';
import { EvalError, SqlState, asEval, checkI2, checkI4, checkI8, rint } from './util.ts';

const DAY = 86_400_000_000n;
type Conv = (v: Datum, to: ScalarType) => Datum;
const reg = (from: ScalarTypeName, to: ScalarTypeName, f: Conv): void => eager(`cast_${from}_to_${to}`, ([v], t) => f(v!, t));

const SMALL = { int2: checkI2, int4: checkI4 } as const;

function numericToInt(n: Numeric, check: (v: number) => number, what: string): number {
  if (n.special === 'nan') throw new EvalError(SqlState.featureNotSupported, `cannot convert NaN to ${what}`);
  if (n.isSpecial()) throw new EvalError(SqlState.featureNotSupported, `cannot convert infinity to ${what}`);
  const r = n.withScale(0).coef;
  if (r > 2n ** 40n || r < -(2n ** 40n)) return check(Infinity);
  return check(Number(r));
}

function floatToInt(x: number, check: (v: number) => number): number {
  if (!Number.isFinite(x)) return check(NaN);
  return check(rint(x));
}

function toFloat4(x: number): number {
  const r = Math.fround(x);
  if (!Number.isFinite(r) && Number.isFinite(x)) throw new EvalError(SqlState.numericValueOutOfRange, 'value out of range: overflow');
  if (r === 0 && x !== 0) throw new EvalError(SqlState.numericValueOutOfRange, 'value out of range: underflow');
  return r;
}

// The numeric tower.
for (const from of ['int2', 'int4'] as const) {
  for (const to of ['int2', 'int4'] as const) if (from !== to) reg(from, to, (v) => SMALL[to](v as number));
  reg(from, 'int8', (v) => BigInt(v as number));
  reg(from, 'numeric', (v) => Numeric.fromBigInt(BigInt(v as number)));
  reg(from, 'float4', (v) => Math.fround(v as number));
  reg(from, 'float8', (v) => v as number);
  reg(from, 'oid', (v) => ((v as number) < 0 ? (v as number) + 4294967296 : (v as number)));
  reg('oid', from, (v) => SMALL[from]((v as number) > 2147483647 ? (v as number) - 4294967296 : (v as number)));
}
reg('int8', 'int2', (v) => checkI2(Number(v as bigint)));
reg('int8', 'int4', (v) => checkI4(Number(v as bigint)));
reg('int8', 'numeric', (v) => Numeric.fromBigInt(v as bigint));
reg('int8', 'float4', (v) => Math.fround(Number(v as bigint)));
reg('int8', 'float8', (v) => Number(v as bigint));
reg('int8', 'oid', (v) => {
  const n = v as bigint;
  if (n < -2147483648n || n > 4294967295n) throw new EvalError(SqlState.numericValueOutOfRange, 'OID out of range');
  return Number(n < 0n ? n + 4294967296n : n);
});
reg('oid', 'int8', (v) => BigInt(v as number));
reg('numeric', 'int2', (v) => numericToInt(v as Numeric, checkI2, 'smallint'));
reg('numeric', 'int4', (v) => numericToInt(v as Numeric, checkI4, 'integer'));
reg('numeric', 'int8', (v) => {
  const n = v as Numeric;
  if (n.special === 'nan') throw new EvalError(SqlState.featureNotSupported, 'cannot convert NaN to bigint');
  if (n.isSpecial()) throw new EvalError(SqlState.featureNotSupported, 'cannot convert infinity to bigint');
  return checkI8(n.withScale(0).coef);
});
reg('numeric', 'float4', (v) => toFloat4((v as Numeric).toNumber()));
reg('numeric', 'float8', (v) => {
  const x = (v as Numeric).toNumber();
  if (!Number.isFinite(x) && !(v as Numeric).isSpecial()) throw new EvalError(SqlState.numericValueOutOfRange, 'value out of range: overflow');
  return x;
});
for (const from of ['float4', 'float8'] as const) {
  reg(from, 'int2', (v) => floatToInt(v as number, checkI2));
  reg(from, 'int4', (v) => floatToInt(v as number, checkI4));
  reg(from, 'int8', (v) => {
    const x = v as number;
    if (!Number.isFinite(x) || Math.abs(x) >= 9223372036854775808) throw new EvalError(SqlState.numericValueOutOfRange, 'bigint out of range');
    return BigInt(rint(x));
  });
  // float4 → numeric goes through 6 significant digits, float8 through 15 (PostgreSQL's FLT_DIG / DBL_DIG).
  reg(from, 'numeric', (v) => {
    const x = v as number;
    if (from === 'float8' || !Number.isFinite(x)) return Numeric.fromNumber(x);
    return Numeric.fromString(x.toPrecision(6))!.normalize();
  });
}
reg('float4', 'float8', (v) => v as number);
reg('float8', 'float4', (v) => toFloat4(v as number));
reg('bool', 'int4', (v) => (v ? 1 : 0));
reg('int4', 'bool', (v) => v !== 0);

// Dates and times (UTC only: timestamp and timestamptz share a representation).
const tsToDays = (t: bigint): number => {
  let d = t / DAY;
  if (t % DAY < 0n) d -= 1n;
  return Number(d);
};
const timeOfDay = (t: bigint): number => {
  const r = t % DAY;
  return Number(r < 0n ? r + DAY : r);
};
reg('date', 'timestamp', (v) => BigInt(v as number) * DAY);
reg('date', 'timestamptz', (v) => BigInt(v as number) * DAY);
reg('timestamp', 'timestamptz', (v) => v);
reg('timestamptz', 'timestamp', (v) => v);
reg('timestamp', 'date', (v) => tsToDays(v as bigint));
reg('timestamptz', 'date', (v) => tsToDays(v as bigint));
reg('timestamp', 'time', (v) => timeOfDay(v as bigint));
reg('timestamptz', 'time', (v) => timeOfDay(v as bigint));
reg('time', 'interval', (v) => new Interval(0, 0, BigInt(v as number)));
reg('interval', 'time', (v) => timeOfDay((v as Interval).micros));
reg('json', 'jsonb', (v) => asEval(() => parseText(v as string, scalar('jsonb'))));
reg('jsonb', 'json', (v) => v);

// mz_timestamp: milliseconds since the epoch, unsigned.
const mzRange = (n: bigint): bigint => {
  if (n < 0n || n > 18446744073709551615n) throw new EvalError(SqlState.numericValueOutOfRange, 'out of range integral type conversion attempted');
  return n;
};
reg('int4', 'mz_timestamp', (v) => mzRange(BigInt(v as number)));
reg('int8', 'mz_timestamp', (v) => mzRange(v as bigint));
reg('numeric', 'mz_timestamp', (v) => {
  const n = (v as Numeric).normalize();
  if (n.isSpecial() || n.scale > 0) throw new EvalError(SqlState.numericValueOutOfRange, 'decimal cannot be expressed in target primitive type');
  return mzRange(n.coef);
});
reg('date', 'mz_timestamp', (v) => mzRange(BigInt(v as number) * 86_400_000n));
for (const t of ['timestamp', 'timestamptz'] as const) {
  reg(t, 'mz_timestamp', (v) => {
    const us = v as bigint;
    return mzRange(us >= 0n ? us / 1000n : -((-us + 999n) / 1000n));
  });
  reg('mz_timestamp', t, (v) => (v as bigint) * 1000n);
}
reg('mz_timestamp', 'int8', (v) => checkI8(v as bigint));
reg('mz_timestamp', 'numeric', (v) => Numeric.fromBigInt(v as bigint));

// I/O conversions to and from text.
const IO: readonly ScalarTypeName[] = [
  'bool', 'int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'bytea', 'date', 'time', 'timestamp', 'timestamptz',
  'interval', 'uuid', 'json', 'jsonb', 'oid', 'mz_timestamp', 'char',
];
for (const t of IO) {
  const type = scalar(t);
  // bool::text is 'true'/'false' (booltext), unlike bool's output function ('t'/'f').
  reg(t, 'text', t === 'bool' ? (v) => (v ? 'true' : 'false') : (v) => formatText(v, type) ?? '');
  reg('text', t, (v, to) => asEval(() => parseText(v as string, to.name === t ? to : type)));
}

/** Best-effort element type of an array or record datum, for `cast_any_to_text`. */
function guessType(d: Datum): ScalarType {
  if (typeof d === 'boolean') return scalar('bool');
  if (typeof d === 'number') return scalar(Number.isInteger(d) ? 'int4' : 'float8');
  if (typeof d === 'bigint') return scalar('int8');
  if (d instanceof Numeric) return scalar('numeric');
  if (d instanceof Interval) return scalar('interval');
  if (d instanceof Uint8Array) return scalar('bytea');
  if (d instanceof PgArray) return { name: 'array', elem: guessType(d.elems.find((e) => e !== null) ?? null) };
  return scalar('text');
}
eager('cast_any_to_text', ([v]) => {
  if (v instanceof PgArray) return formatText(v, guessType(v)) ?? '';
  if (Array.isArray(v)) return formatText(v, { name: 'record', fields: (v as Datum[]).map((e, i) => ({ name: `f${i + 1}`, type: guessType(e) })) }) ?? '';
  return String(v);
});

// Type modifiers.
function typmodLength(t: ScalarType): number {
  return (t.typmod ?? 4) - 4;
}
function lengthCheck(s: string, t: ScalarType, explicit: boolean): string {
  const n = typmodLength(t);
  const chars = Array.from(s);
  if (chars.length <= n) return s;
  if (!explicit && !/^ *$/.test(chars.slice(n).join(''))) {
    throw new EvalError(SqlState.stringDataRightTruncation, `value too long for type ${typeName(t)}`);
  }
  return chars.slice(0, n).join('');
}
eager('typmod_varchar', ([v], t) => lengthCheck(v as string, t, false));
eager('typmod_varchar_explicit', ([v], t) => lengthCheck(v as string, t, true));
const padTo = (s: string, t: ScalarType): string => {
  const len = Array.from(s).length;
  const n = typmodLength(t);
  return len < n ? s + ' '.repeat(n - len) : s;
};
eager('typmod_bpchar', ([v], t) => padTo(lengthCheck(v as string, t, false), t));
eager('typmod_bpchar_explicit', ([v], t) => padTo(lengthCheck(v as string, t, true), t));
eager('typmod_numeric', ([v], t) => {
  const n = v as Numeric;
  if (n.isSpecial() || t.typmod === undefined || t.typmod < 4) return n;
  const m = t.typmod - 4;
  const p = m >> 16;
  const s = m & 0xffff;
  const r = n.withScale(s);
  const abs = r.coef < 0n ? -r.coef : r.coef;
  if (abs >= 10n ** BigInt(p)) {
    throw new EvalError(SqlState.numericValueOutOfRange, 'numeric field overflow', `A field with precision ${p}, scale ${s} must round to an absolute value less than ${p - s > 0 ? `10^${p - s}` : '1'}.`);
  }
  return r;
});

/** character(n) → text/varchar: trailing spaces are not significant in bpchar and are dropped. */
eager('cast_bpchar_to_text', ([v]) => (v as string).replace(/ +$/, ''));
/** bool's output function ('t'/'f'): what concat() and format() print, unlike the cast to text. */
eager('bool_out', ([v]) => (v ? 't' : 'f'));
