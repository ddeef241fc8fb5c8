/**
 * PostgreSQL's text input and output formats for each scalar type (what psql shows, what COPY and
 * the text wire format carry, what `'...'::type` parses). Output matches PostgreSQL with
 * DateStyle=ISO, IntervalStyle=postgres, TimeZone=UTC, extra_float_digits=1.
 */
import { SqlError, SqlState } from '../util/index.ts';
import { type Datum, Interval, Numeric, PgArray } from './datum.ts';
import { type ScalarType, typeName } from './types.ts';
import { parseJson, parseJsonb } from './jsonb.ts';
import { checkZone, localToUtc } from './timezone.ts';

const MICROS_PER_DAY = 86_400_000_000n;

export function formatText(d: Datum, type: ScalarType): string | null {
  if (d === null) return null;
  switch (type.name) {
    case 'bool': return d ? 't' : 'f';
    case 'float4': return formatFloat(d as number, true);
    case 'float8': return formatFloat(d as number);
    case 'date': return formatDate(d as number);
    case 'time': return formatTime(BigInt(d as number));
    case 'timestamp': return formatTimestamp(d as bigint);
    case 'timestamptz': {
      const t = d as bigint;
      return t === TIMESTAMP_INFINITY || t === TIMESTAMP_NEG_INFINITY ? formatTimestamp(t) : formatTimestamp(t) + '+00';
    }
    case 'interval': return formatInterval(d as Interval);
    case 'bytea': return formatBytea(d as Uint8Array);
    case 'array': return formatArray(d as PgArray, type.elem ?? { name: 'text' });
    case 'record': return formatRecord(d as readonly Datum[], type);
    default:
      if (d instanceof Numeric) return d.toString();
      return String(d);
  }
}

/**
 * Shortest round-trip float output as PostgreSQL 12+ prints it: fixed notation for decimal exponents in
 * [-4, 15) (float8) or [-4, 6) (float4), otherwise scientific with a signed two-digit exponent.
 */
export function formatFloat(x: number, float4 = false): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  let digits: string;
  let exp: number;
  if (float4) {
    let p = 1;
    while (p < 9 && Math.fround(Number(x.toPrecision(p))) !== x) p++;
    const e = x.toExponential(p - 1);
    [digits, exp] = splitExp(e);
  } else {
    [digits, exp] = splitExp(x.toExponential());
  }
  const neg = digits.startsWith('-');
  if (neg) digits = digits.slice(1);
  digits = digits.replace('.', '').replace(/0+$/, '') || '0';
  let out: string;
  if (exp < -4 || exp >= (float4 ? 6 : 15)) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return neg ? '-' + out : out;
}

function splitExp(e: string): [string, number] {
  const i = e.indexOf('e');
  return [e.slice(0, i), Number(e.slice(i + 1))];
}

export function civilFromDays(days: number): [number, number, number] {
  // Howard Hinnant's days-from-civil inverse.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [m <= 2 ? y + 1 : y, m, d];
}

export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const pad = (n: number | bigint, w: number): string => String(n).padStart(w, '0');

function formatYear(y: number): string {
  return y <= 0 ? `${pad(1 - y, 4)}` : pad(y, 4);
}

export function formatDate(days: number): string {
  if (days === Infinity) return 'infinity';
  if (days === -Infinity) return '-infinity';
  const [y, m, d] = civilFromDays(days);
  return `${formatYear(y)}-${pad(m, 2)}-${pad(d, 2)}${y <= 0 ? ' BC' : ''}`;
}

function fraction(micros: bigint): string {
  if (micros === 0n) return '';
  return ('.' + pad(micros, 6)).replace(/0+$/, '');
}

export function formatTime(micros: bigint): string {
  const s = micros / 1_000_000n;
  return `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}${fraction(micros % 1_000_000n)}`;
}

export function formatTimestamp(micros: bigint): string {
  if (micros === TIMESTAMP_INFINITY) return 'infinity';
  if (micros === TIMESTAMP_NEG_INFINITY) return '-infinity';
  let days = micros / MICROS_PER_DAY;
  let rem = micros % MICROS_PER_DAY;
  if (rem < 0n) {
    rem += MICROS_PER_DAY;
    days -= 1n;
  }
  const [y, m, d] = civilFromDays(Number(days));
  return `${formatYear(y)}-${pad(m, 2)}-${pad(d, 2)} ${formatTime(rem)}${y <= 0 ? ' BC' : ''}`;
}

/** IntervalStyle postgres: `1 year 2 mons -3 days +04:05:06.7`. */
export function formatInterval(iv: Interval): string {
  const parts: string[] = [];
  let isBefore = false;
  let isZero = true;
  const add = (v: number, unit: string): void => {
    if (v === 0) return;
    parts.push(`${isBefore && v > 0 ? '+' : ''}${v} ${unit}${v !== 1 ? 's' : ''}`);
    isBefore = v < 0;
    isZero = false;
  };
  add(Math.trunc(iv.months / 12), 'year');
  add(iv.months % 12, 'mon');
  add(iv.days, 'day');
  if (isZero || iv.micros !== 0n) {
    const neg = iv.micros < 0n;
    const abs = neg ? -iv.micros : iv.micros;
    const secs = abs / 1_000_000n;
    const time = `${pad(secs / 3600n, 2)}:${pad((secs / 60n) % 60n, 2)}:${pad(secs % 60n, 2)}${fraction(abs % 1_000_000n)}`;
    parts.push(`${neg ? '-' : isBefore ? '+' : ''}${time}`);
  }
  return parts.join(' ');
}

export function formatBytea(b: Uint8Array): string {
  let s = '\\x';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

function quoteArrayElem(s: string): string {
  if (s === '' || /[{},"\\\s]/.test(s) || s.toUpperCase() === 'NULL') return '"' + s.replace(/[\\"]/g, '\\$&') + '"';
  return s;
}

export function formatArray(a: PgArray, elem: ScalarType): string {
  if (a.dims.length === 0) return '{}';
  const lengths = a.dims.map((d) => d.length);
  let i = 0;
  const rec = (dim: number): string => {
    const items: string[] = [];
    for (let k = 0; k < lengths[dim]!; k++) {
      if (dim + 1 < lengths.length) items.push(rec(dim + 1));
      else {
        const t = formatText(a.elems[i++] ?? null, elem);
        items.push(t === null ? 'NULL' : quoteArrayElem(t));
      }
    }
    return '{' + items.join(',') + '}';
  };
  const bounds = a.dims.some((d) => d.lower !== 1) ? a.dims.map((d) => `[${d.lower}:${d.lower + d.length - 1}]`).join('') + '=' : '';
  return bounds + rec(0);
}

function formatRecord(r: readonly Datum[], type: ScalarType): string {
  const items = r.map((d, i) => {
    const t = formatText(d, type.fields?.[i]?.type ?? { name: 'text' });
    if (t === null) return '';
    return t === '' || /[(),"\\\s]/.test(t) ? '"' + t.replace(/["\\]/g, (c) => c + c) + '"' : t;
  });
  return '(' + items.join(',') + ')';
}

function invalid(type: ScalarType, text: string): SqlError {
  return new SqlError(SqlState.invalidTextRepresentation, `invalid input syntax for type ${typeName(type)}: "${text}"`);
}

/** Parses PostgreSQL's text input format for `type`. Throws SqlError (22P02, 22003, 22007, 22008). */
export function parseText(text: string, type: ScalarType): Datum {
  switch (type.name) {
    case 'bool': {
      const s = text.trim().toLowerCase();
      if (['t', 'true', 'y', 'yes', 'on', '1'].includes(s)) return true;
      if (['f', 'false', 'n', 'no', 'off', '0'].includes(s)) return false;
      throw invalid(type, text);
    }
    case 'int2': case 'int4': case 'oid': {
      const s = text.trim();
      if (!/^[+-]?\d+$/.test(s)) throw invalid(type, text);
      const n = Number(s);
      const [lo, hi] = type.name === 'int2' ? [-32768, 32767] : type.name === 'oid' ? [0, 4294967295] : [-2147483648, 2147483647];
      if (n < lo || n > hi) throw new SqlError(SqlState.numericValueOutOfRange, `value "${text}" is out of range for type ${typeName(type)}`);
      return n;
    }
    case 'int8': case 'mz_timestamp': {
      const s = text.trim();
      if (!/^[+-]?\d+$/.test(s)) throw invalid(type, text);
      const n = BigInt(s);
      if (n < -(2n ** 63n) || n > 2n ** 63n - 1n) throw new SqlError(SqlState.numericValueOutOfRange, `value "${text}" is out of range for type bigint`);
      return n;
    }
    case 'float4': case 'float8': {
      const s = text.trim().toLowerCase();
      if (s === 'nan') return NaN;
      if (s === 'infinity' || s === '+infinity' || s === 'inf') return Infinity;
      if (s === '-infinity' || s === '-inf') return -Infinity;
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) throw invalid(type, text);
      const v = Number(s);
      return type.name === 'float4' ? Math.fround(v) : v;
    }
    case 'numeric': {
      const n = Numeric.fromString(text);
      if (n === undefined) throw invalid(type, text);
      return n;
    }
    case 'date': return parseDate(text, type);
    case 'time': return parseTime(text, type);
    case 'interval': return parseInterval(text, type);
    case 'timestamp': case 'timestamptz': return parseTimestamp(text, type);
    case 'bytea': {
      if (text.startsWith('\\x')) {
        const hex = text.slice(2);
        if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw invalid(type, text);
        return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
      }
      return new TextEncoder().encode(text);
    }
    case 'uuid': {
      const s = text.trim().toLowerCase().replace(/^\{|\}$/g, '').replace(/-/g, '');
      if (!/^[0-9a-f]{32}$/.test(s)) throw invalid(type, text);
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    }
    case 'text': case 'varchar': case 'bpchar': case 'name': case 'unknown':
      return text;
    case 'json':
      parseJson(text, 'json');
      return text;
    case 'jsonb': return parseJsonb(text);
    // "char" is one byte: PostgreSQL keeps the first character of the input.
    case 'char': return text.slice(0, 1);
    case 'array': return parseArray(text, type);
    default:
      throw new SqlError(SqlState.featureNotSupported, `text input for type ${typeName(type)} not yet supported`);
  }
}

/** PostgreSQL's array input: `{a,"b c",NULL}`, nested braces for more dimensions (all sub-arrays equal length). */
function parseArray(text: string, type: ScalarType): PgArray {
  const elem = type.elem ?? { name: 'text' };
  const s = text.trim();
  const malformed = (detail: string): SqlError => new SqlError(SqlState.invalidTextRepresentation, `malformed array literal: "${text}"`, { detail });
  let i = 0;
  const elems: Datum[] = [];
  const lengths: number[] = [];
  const parseLevel = (depth: number): void => {
    if (s[i] !== '{') throw malformed('Array value must start with "{" or dimension information.');
    i++;
    let count = 0;
    const close = (): void => {
      if (lengths[depth] === undefined) lengths[depth] = count;
      else if (lengths[depth] !== count) throw new SqlError(SqlState.invalidTextRepresentation, `malformed array literal: "${text}"`, { detail: 'Multidimensional arrays must have sub-arrays with matching dimensions.' });
    };
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (s[i] === '}') {
      i++;
      close();
      return;
    }
    for (;;) {
      while (i < s.length && /\s/.test(s[i]!)) i++;
      if (s[i] === '{') parseLevel(depth + 1);
      else if (s[i] === '"') {
        let v = '';
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\') i++;
          v += s[i] ?? '';
          i++;
        }
        if (s[i] !== '"') throw malformed('Unexpected end of input.');
        i++;
        elems.push(parseText(v, elem));
      } else {
        let v = '';
        while (i < s.length && s[i] !== ',' && s[i] !== '}') {
          if (s[i] === '\\') i++;
          v += s[i] ?? '';
          i++;
        }
        v = v.trim();
        if (v === '') throw malformed(i >= s.length ? 'Unexpected end of input.' : `Unexpected "${s[i] ?? ''}" character.`);
        elems.push(v.toUpperCase() === 'NULL' ? null : parseText(v, elem));
      }
      count++;
      while (i < s.length && /\s/.test(s[i]!)) i++;
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '}') {
        i++;
        close();
        return;
      }
      throw malformed(i >= s.length ? 'Unexpected end of input.' : `Unexpected "${s[i] ?? ''}" character.`);
    }
  };
  parseLevel(0);
  if (s.slice(i).trim() !== '') throw malformed('Junk after closing right brace.');
  if (elems.length === 0) return new PgArray([]);
  return new PgArray(elems, lengths.map((length) => ({ length, lower: 1 })));
}

function parseDate(text: string, type: ScalarType): number {
  if (type.name === 'date') {
    const special = text.trim().toLowerCase();
    if (special === 'epoch') return 0;
    if (special === 'infinity' || special === '+infinity') return Infinity;
    if (special === '-infinity') return -Infinity;
  }
  // A time of day and a zone are accepted and ignored, as PostgreSQL does (pgjdbc's setDate sends '2024-02-29 +00').
  const m = /^\s*(-?\d{1,7})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{1,2}(?::?\d{2})?)?\s*(BC|AD)?\s*$/i.exec(text);
  if (!m) throw invalid(type, text);
  const y = m[4]?.toUpperCase() === 'BC' ? 1 - Number(m[1]) : Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw new SqlError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${text}"`);
  return daysFromCivil(y, mo, d);
}

function daysInMonth(y: number, m: number): number {
  return [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** PostgreSQL's timestamp infinities (the extreme int64 values it uses). */
export const TIMESTAMP_INFINITY = 9223372036854775807n;
export const TIMESTAMP_NEG_INFINITY = -9223372036854775808n;

function parseTimestamp(text: string, type: ScalarType): bigint {
  const special = text.trim().toLowerCase();
  if (special === 'epoch') return 0n;
  if (special === 'infinity' || special === '+infinity') return TIMESTAMP_INFINITY;
  if (special === '-infinity') return TIMESTAMP_NEG_INFINITY;
  const m = /^\s*(\d{1,7})-(\d{1,2})-(\d{1,2})(?:(?:[ T]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?|(?!(?:BC|AD)\s*$)[A-Za-z][A-Za-z0-9_/+-]*)?\s*(BC|AD)?\s*$/i.exec(text);
  if (!m) throw invalid(type, text);
  const bc = m[9]?.toUpperCase() === 'BC';
  const days = parseDate(`${bc ? 1 - Number(m[1]) : m[1]}-${m[2]}-${m[3]}`, type);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (h > 24 || mi > 59 || s > 60) throw new SqlError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${text}"`);
  const frac = m[7] === undefined ? 0n : BigInt(m[7].padEnd(6, '0'));
  let micros = BigInt(days) * MICROS_PER_DAY + BigInt(h * 3600 + mi * 60 + s) * 1_000_000n + frac;
  const tz = m[8];
  // timestamp without time zone ignores a zone in its input, as PostgreSQL does.
  if (tz !== undefined && type.name === 'timestamptz' && tz.toUpperCase() !== 'Z') {
    const tm = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(tz);
    if (tm !== null) {
      const offset = (Number(tm[2]) * 60 + Number(tm[3] ?? 0)) * (tm[1] === '-' ? -1 : 1);
      micros -= BigInt(offset) * 60_000_000n;
    } else {
      try {
        checkZone(tz);
      } catch {
        throw new SqlError(SqlState.invalidDatetimeFormat, `time zone "${tz}" not recognized`);
      }
      micros = localToUtc(tz, micros);
    }
  } else if (tz !== undefined && type.name !== 'timestamptz' && !/^(Z|[+-].*)$/i.test(tz)) {
    try {
      checkZone(tz);
    } catch {
      throw invalid(type, text);
    }
  }
  return micros;
}

function parseTime(text: string, type: ScalarType): number {
  const m = /^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*$/.exec(text);
  if (!m) throw invalid(type, text);
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3] ?? 0);
  const frac = m[4] === undefined ? 0 : Math.round(Number('0.' + m[4]) * 1e6);
  const total = ((h * 60 + mi) * 60 + s) * 1e6 + frac;
  if (mi > 59 || s > 60 || total > 86_400_000_000) throw new SqlError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${text}"`);
  return total;
}

const INTERVAL_UNITS: Record<string, [number, number, number]> = {
  // [months, days, micros] per unit
  microsecond: [0, 0, 1], millisecond: [0, 0, 1000], second: [0, 0, 1e6], minute: [0, 0, 6e7], hour: [0, 0, 3.6e9],
  day: [0, 1, 0], week: [0, 7, 0], month: [1, 0, 0], year: [12, 0, 0], decade: [120, 0, 0], century: [1200, 0, 0],
  millennium: [12000, 0, 0],
};
const UNIT_ALIASES: Record<string, string> = {
  us: 'microsecond', usec: 'microsecond', usecs: 'microsecond', microseconds: 'microsecond', microsecon: 'microsecond',
  ms: 'millisecond', msec: 'millisecond', msecs: 'millisecond', milliseconds: 'millisecond',
  s: 'second', sec: 'second', secs: 'second', seconds: 'second',
  m: 'minute', min: 'minute', mins: 'minute', minutes: 'minute',
  h: 'hour', hr: 'hour', hrs: 'hour', hours: 'hour',
  d: 'day', days: 'day', w: 'week', weeks: 'week',
  mon: 'month', mons: 'month', months: 'month', y: 'year', yr: 'year', yrs: 'year', years: 'year',
  decades: 'decade', centuries: 'century', millennia: 'millennium', millenniums: 'millennium',
};

/** PostgreSQL interval input: `1 year 2 mons 3 days 04:05:06.7`, `1.5 hours`, `-1 day +02:00`, `P1DT2H`, `@ 1 day ago`. */
export function parseInterval(text: string, type: ScalarType): Interval {
  let s = text.trim().toLowerCase();
  if (s === '') throw invalid(type, text);
  let ago = false;
  if (s.startsWith('@')) s = s.slice(1).trim();
  if (/\sago$/.test(s)) {
    ago = true;
    s = s.replace(/\s*ago$/, '');
  }
  if (s.startsWith('p')) return parseIsoInterval(s, type, text);
  let months = 0;
  let days = 0;
  let micros = 0;
  const spill = (m: number, d: number): void => {
    // Fractional months spill into days (30 per month) and fractional days into time, as PostgreSQL does.
    const wm = Math.trunc(m);
    months += wm;
    const dd = d + (m - wm) * 30;
    const wd = Math.trunc(dd);
    days += wd;
    micros += (dd - wd) * 86_400_000_000;
  };
  const tokens = s.match(/[+-]?\d+(?::\d+)+(?:\.\d*)?|[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|[a-z]+/g);
  if (tokens === null || tokens.join('').replace(/\s/g, '') !== s.replace(/\s/g, '')) throw invalid(type, text);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.includes(':')) {
      const neg = tok.startsWith('-');
      const parts = tok.replace(/^[+-]/, '').split(':');
      const h = Number(parts[0]);
      const mi = Number(parts[1] ?? 0);
      const sec = Number(parts[2] ?? 0);
      if (parts.length > 3 || mi > 59 || sec >= 60) throw new SqlError(SqlState.datetimeFieldOverflow, `interval field value out of range: "${text}"`);
      micros += (neg ? -1 : 1) * ((h * 3600 + mi * 60) * 1e6 + sec * 1e6);
      continue;
    }
    if (/^[a-z]+$/.test(tok)) throw invalid(type, text);
    const n = Number(tok);
    const unitTok = tokens[i + 1];
    if (unitTok === undefined || !/^[a-z]+$/.test(unitTok)) {
      // A bare number is seconds.
      micros += n * 1e6;
      continue;
    }
    i++;
    const unit = INTERVAL_UNITS[unitTok] !== undefined ? unitTok : UNIT_ALIASES[unitTok];
    const f = unit === undefined ? undefined : INTERVAL_UNITS[unit];
    if (f === undefined) throw invalid(type, text);
    if (f[0] !== 0) spill(n * f[0], 0);
    else if (f[1] !== 0) spill(0, n * f[1]);
    else micros += n * f[2];
  }
  const sign = ago ? -1 : 1;
  if (Math.abs(months) > 2147483647 || Math.abs(days) > 2147483647 || !Number.isFinite(micros)) {
    throw new SqlError(SqlState.datetimeFieldOverflow, `interval field value out of range: "${text}"`);
  }
  return new Interval(sign * months || 0, sign * days || 0, BigInt(Math.round(sign * micros)));
}

function parseIsoInterval(s: string, type: ScalarType, text: string): Interval {
  const m = /^p(?:([\d.]+)y)?(?:([\d.]+)m)?(?:([\d.]+)w)?(?:([\d.]+)d)?(?:t(?:([\d.]+)h)?(?:([\d.]+)m)?(?:([\d.]+)s)?)?$/.exec(s);
  if (!m || s === 'p' || s.endsWith('t')) throw invalid(type, text);
  const n = (i: number): number => Number(m[i] ?? 0);
  const months = n(1) * 12 + n(2);
  const days = n(3) * 7 + n(4);
  const wm = Math.trunc(months);
  const dd = days + (months - wm) * 30;
  const wd = Math.trunc(dd);
  const micros = (dd - wd) * 86_400_000_000 + (n(5) * 3600 + n(6) * 60 + n(7)) * 1e6;
  return new Interval(wm, wd, BigInt(Math.round(micros)));
}
