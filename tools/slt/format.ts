/**
 * Formats result values the way Materialize's sqllogictest runner does (runner.rs `format_datum`),
 * from the PostgreSQL *text* representation plus the column's type OID (the Rust runner decodes
 * binary values and formats them itself; these functions re-create its output from text).
 * Also owns sorting and hashing of formatted results.
 */
import { createHash } from 'node:crypto';
import type { ColumnType, Mode, Sort } from './ast.ts';
import { compareRows, compareStrings, splitColumns } from './parser.ts';

/** PostgreSQL type OIDs the formatter distinguishes. */
export const Oid = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  numeric: 1700,
  // Materialize's unsigned integer types.
  uint2: 16460,
  uint4: 16462,
  uint8: 16464,
} as const;

const INTEGER_OIDS: ReadonlySet<number> = new Set([Oid.int2, Oid.int4, Oid.int8, Oid.uint2, Oid.uint4, Oid.uint8]);
const TEXT_OIDS: ReadonlySet<number> = new Set([Oid.text, Oid.varchar, Oid.bpchar, Oid.name, Oid.char]);

const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

/** Formats one value (`null` = SQL NULL) of a column with type `oid` declared as `type`. */
export function formatValue(text: string | null, oid: number, type: ColumnType, mode: Mode): string {
  if (text === null) return 'NULL';
  switch (type) {
    case 'B':
      if (oid === Oid.bool) return formatBool(text);
      return cannotFormat(oid, type);
    case 'I':
      if (INTEGER_OIDS.has(oid) || oid === Oid.oid) return text;
      if (oid === Oid.float4) return truncateToI64(Math.fround(parseFloatText(text)));
      if (oid === Oid.float8) return truncateToI64(parseFloatText(text));
      if (TEXT_OIDS.has(oid)) return '0'; // SQLite compatibility, as Materialize
      if (oid === Oid.bool) return text === 't' || text === 'true' ? '1' : '0';
      if (oid === Oid.numeric) return roundNumeric(text, 0, mode === 'standard' ? 'truncate' : 'halfUp');
      return cannotFormat(oid, type);
    case 'R':
      // Rust's `{:.3}` ignores the precision for integers, so they print as they are.
      if (INTEGER_OIDS.has(oid)) return text;
      if (oid === Oid.float4 || oid === Oid.float8) {
        const x = oid === Oid.float4 ? Math.fround(parseFloatText(text)) : parseFloatText(text);
        return mode === 'standard' ? formatFixed3(x) : formatShortest(text, oid);
      }
      if (oid === Oid.numeric) {
        if (mode === 'cockroach') return text;
        return scaleOf(text) > 3 ? roundNumeric(text, 3, 'halfUp') : normalizeNumericZero(text);
      }
      return cannotFormat(oid, type);
    case 'T':
      if (TEXT_OIDS.has(oid)) return text === '' ? '(empty)' : text;
      if (oid === Oid.bool) return formatBool(text);
      if (oid === Oid.float4) return formatFixed3(Math.fround(parseFloatText(text)));
      if (oid === Oid.float8) return formatFixed3(parseFloatText(text));
      if (oid === Oid.bytea) return formatBytea(text);
      return text;
    case 'O':
      if (oid === Oid.oid) return text;
      return cannotFormat(oid, type);
  }
}

/** What Materialize's runner panics on; here it becomes a value that cannot match. */
function cannotFormat(oid: number, type: ColumnType): string {
  return `<cannot format type oid ${oid} as ${type}>`;
}

function formatBool(text: string): string {
  return text === 't' || text === 'true' ? 'true' : 'false';
}

function parseFloatText(text: string): number {
  switch (text) {
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case 'NaN':
      return NaN;
    default:
      return Number(text);
  }
}

/** Rust's `f as i64`: truncation toward zero, saturating, NaN as 0. */
function truncateToI64(x: number): string {
  if (Number.isNaN(x)) return '0';
  if (x === Infinity) return I64_MAX.toString();
  if (x === -Infinity) return I64_MIN.toString();
  let n = BigInt(Math.trunc(x));
  if (n > I64_MAX) n = I64_MAX;
  if (n < I64_MIN) n = I64_MIN;
  return n.toString();
}

/**
 * Rust's `format!("{:.3}", x)` for an f64: exact decimal expansion rounded half to even,
 * `NaN`/`inf`/`-inf`, and a sign on negative zero.
 */
export function formatFixed3(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  let digits: string;
  if (abs >= 1e21) {
    digits = `${BigInt(abs).toString()}.000`; // integral; toFixed would switch to exponent form
  } else {
    digits = abs.toFixed(3);
    // Ties are exactly the odd multiples of 1/16 (x·1000 = m·125/2 with m odd). toFixed rounds
    // them away from zero; Rust rounds them to even.
    const m = abs * 16;
    if (Number.isInteger(m) && m % 2 === 1 && m < 2 ** 45) {
      const low = BigInt((m * 125 - 1) / 2); // the candidate below, in thousandths
      const thousandths = low % 2n === 0n ? low : low + 1n;
      const s = thousandths.toString().padStart(4, '0');
      digits = `${s.slice(0, -3)}.${s.slice(-3)}`;
    }
  }
  return negative ? `-${digits}` : digits;
}

/**
 * Rust's `format!("{}", x)` for floats (cockroach mode): shortest round-trip digits, never in
 * exponent form. The server's text is already the shortest representation for its own width.
 */
export function formatShortest(text: string, oid: number): string {
  const x = parseFloatText(text);
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const shortest = oid === Oid.float8 ? (Object.is(x, -0) ? '-0' : String(x)) : text;
  return expandExponent(shortest);
}

/** Rewrites `1.5e+21` / `1e-7` as plain decimal notation. */
export function expandExponent(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(s);
  if (m === null) return s;
  const sign = m[1]!;
  const intPart = m[2]!;
  const fracPart = m[3] ?? '';
  const exp = Number(m[4]);
  const digits = intPart + fracPart;
  const point = intPart.length + exp; // position of the decimal point within `digits`
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, '');
  if (out.includes('.')) out = out.replace(/\.?0+$/, '');
  return sign + out;
}

function scaleOf(numeric: string): number {
  const dot = numeric.indexOf('.');
  return dot === -1 ? 0 : numeric.length - dot - 1;
}

/** Negative zero becomes zero (Materialize's `munge_numeric`). */
function normalizeNumericZero(text: string): string {
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/**
 * Rounds a numeric in standard notation to `scale` digits after the point: `truncate` toward zero
 * or `halfUp` (half away from zero). NaN/Infinity pass through.
 */
export function roundNumeric(text: string, scale: number, rounding: 'truncate' | 'halfUp'): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (m === null) return text;
  const negative = m[1] === '-';
  const intPart = m[2] === '' ? '0' : m[2]!;
  const fracPart = m[3] ?? '';
  const kept = fracPart.slice(0, scale).padEnd(scale, '0');
  let units = BigInt(intPart + kept);
  if (rounding === 'halfUp' && (fracPart[scale] ?? '0') >= '5') units += 1n;
  if (units === 0n) return scale === 0 ? '0' : `0.${'0'.repeat(scale)}`;
  let s = units.toString().padStart(scale + 1, '0');
  if (scale > 0) s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return negative ? `-${s}` : s;
}

/** bytea is printed as a string when it is valid UTF-8, else as Rust's debug form of the bytes. */
function formatBytea(text: string): string {
  if (!text.startsWith('\\x')) return text;
  const bytes = Buffer.from(text.slice(2), 'hex');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return `[${[...bytes].join(', ')}]`;
  }
}

/** One row's formatted values; in cockroach mode with sorting, values split at whitespace as Materialize does. */
export function formatRow(
  row: readonly (string | null)[],
  oids: readonly number[],
  types: readonly ColumnType[],
  mode: Mode,
  sort: Sort,
): string[] {
  const formatted = row.map((v, i) => formatValue(v, oids[i] ?? Oid.text, types[i] ?? 'T', mode));
  if (mode === 'cockroach' && sort !== 'nosort') return formatted.flatMap((s) => splitColumns(s, types.length));
  return formatted;
}

/** Applies the sort option to formatted rows and flattens them into the value list that is compared. */
export function sortAndFlatten(rows: string[][], sort: Sort): string[] {
  if (sort === 'rowsort') rows.sort(compareRows);
  const values = rows.flat();
  if (sort === 'valuesort') values.sort(compareStrings);
  return values;
}

/** md5 over every value followed by a newline (the `N values hashing to <md5>` form). */
export function hashValues(values: readonly string[]): string {
  const hash = createHash('md5');
  for (const v of values) {
    hash.update(v);
    hash.update('\n');
  }
  return hash.digest('hex');
}
