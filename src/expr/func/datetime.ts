/**
 * Date, time, timestamp and interval arithmetic and functions (UTC only, as Materialize):
 * date ± int, timestamp ± interval (month arithmetic clamps the day), differences, date_trunc,
 * date_part/extract, justify_*.
 */
import { type Datum, Interval, Numeric, civilFromDays, daysFromCivil, localToUtc, utcToLocal } from '../../repr/index.ts';
import { divisionByZero } from '../eval.ts';
import { eager } from '../func.ts';
import { EvalError, SqlState, asEval, checkI4 } from './util.ts';

const DAY = 86_400_000_000n;
// PostgreSQL's timestamp range: 4714-11-24 BC .. 294276-12-31 AD.
const TS_MIN = -211813488000000000n;
const TS_MAX = 9224318016000000000n;

function checkTs(v: bigint): bigint {
  if (v < TS_MIN || v >= TS_MAX) throw new EvalError(SqlState.datetimeFieldOverflow, 'timestamp out of range');
  return v;
}

function splitTs(ts: bigint): { days: number; time: bigint } {
  let days = ts / DAY;
  let time = ts % DAY;
  if (time < 0n) {
    time += DAY;
    days -= 1n;
  }
  return { days: Number(days), time };
}

function daysInMonth(y: number, m: number): number {
  return [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

function addMonthsToDays(days: number, months: number): number {
  if (months === 0) return days;
  const [y, m, d] = civilFromDays(days);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return daysFromCivil(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

export function addInterval(ts: bigint, iv: Interval, sign: 1 | -1): bigint {
  const { days, time } = splitTs(ts);
  const d = addMonthsToDays(days, sign * iv.months) + sign * iv.days;
  return checkTs(BigInt(d) * DAY + time + BigInt(sign) * iv.micros);
}

const ts = (d: Datum | undefined): bigint => d as bigint;
const iv = (d: Datum | undefined): Interval => d as Interval;

eager('add_date_int4', ([d, n]) => checkDate((d as number) + (n as number)));
eager('sub_date_int4', ([d, n]) => checkDate((d as number) - (n as number)));
eager('sub_date_date', ([a, b]) => (a as number) - (b as number));
eager('add_date_interval', ([d, i]) => addInterval(BigInt(d as number) * DAY, iv(i), 1));
eager('sub_date_interval', ([d, i]) => addInterval(BigInt(d as number) * DAY, iv(i), -1));
eager('add_date_time', ([d, t]) => checkTs(BigInt(d as number) * DAY + BigInt(t as number)));
for (const k of ['timestamp', 'timestamptz'] as const) {
  eager(`add_${k}_interval`, ([t, i]) => addInterval(ts(t), iv(i), 1));
  eager(`sub_${k}_interval`, ([t, i]) => addInterval(ts(t), iv(i), -1));
  eager(`sub_${k}_${k}`, ([a, b]) => justifyHours(new Interval(0, 0, ts(a) - ts(b))));
}
function timeOfDay(v: bigint): number {
  const r = v % DAY;
  return Number(r < 0n ? r + DAY : r);
}
eager('add_time_interval', ([t, i]) => timeOfDay(BigInt(t as number) + iv(i).micros));
eager('sub_time_interval', ([t, i]) => timeOfDay(BigInt(t as number) - iv(i).micros));
eager('sub_time_time', ([a, b]) => new Interval(0, 0, BigInt((a as number) - (b as number))));
eager('add_interval', ([a, b]) => new Interval(checkI4(iv(a).months + iv(b).months), checkI4(iv(a).days + iv(b).days), iv(a).micros + iv(b).micros));
eager('sub_interval', ([a, b]) => new Interval(checkI4(iv(a).months - iv(b).months), checkI4(iv(a).days - iv(b).days), iv(a).micros - iv(b).micros));
eager('neg_interval', ([a]) => new Interval(-iv(a).months || 0, -iv(a).days || 0, -iv(a).micros));

/** interval * factor with PostgreSQL's cascading of fractional months into days and days into time. */
export function mulInterval(i: Interval, f: number): Interval {
  if (Number.isNaN(f)) throw new EvalError(SqlState.numericValueOutOfRange, 'interval out of range');
  const monthsF = i.months * f;
  const months = Math.trunc(monthsF);
  const daysF = i.days * f + (monthsF - months) * 30;
  const days = Math.trunc(daysF);
  const micros = Math.round(Number(i.micros) * f + (daysF - days) * 86_400_000_000);
  if (!Number.isFinite(micros) || Math.abs(months) > 2147483647 || Math.abs(days) > 2147483647) {
    throw new EvalError(SqlState.numericValueOutOfRange, 'interval out of range');
  }
  return new Interval(months || 0, days || 0, BigInt(micros));
}
eager('mul_interval_float8', ([a, f]) => mulInterval(iv(a), f as number));
eager('div_interval_float8', ([a, f]) => {
  if (f === 0) throw divisionByZero();
  return mulInterval(iv(a), 1 / (f as number));
});

export function justifyHours(i: Interval): Interval {
  let days = i.days + Number(i.micros / DAY);
  let micros = i.micros % DAY;
  if (days > 0 && micros < 0n) {
    micros += DAY;
    days--;
  } else if (days < 0 && micros > 0n) {
    micros -= DAY;
    days++;
  }
  return new Interval(i.months, days, micros);
}
function justifyDays(i: Interval): Interval {
  let months = i.months + Math.trunc(i.days / 30);
  let days = i.days % 30;
  if (months > 0 && days < 0) {
    days += 30;
    months--;
  } else if (months < 0 && days > 0) {
    days -= 30;
    months++;
  }
  return new Interval(months, days || 0, i.micros);
}
eager('justify_hours', ([a]) => justifyHours(iv(a)));
eager('justify_days', ([a]) => justifyDays(iv(a)));
/** PostgreSQL's interval_justify_interval: hours into days, days into months, with one sign throughout. */
export function justifyInterval(i: Interval): Interval {
  let months = i.months;
  let days = i.days;
  let time = i.micros;
  if ((days > 0 && time > 0n) || (days < 0 && time < 0n)) {
    const wm = Math.trunc(days / 30);
    days -= wm * 30;
    months += wm;
  }
  const wd = time / DAY;
  time -= wd * DAY;
  days += Number(wd);
  const wm = Math.trunc(days / 30);
  days -= wm * 30;
  months += wm;
  if (months > 0 && (days < 0 || (days === 0 && time < 0n))) {
    days += 30;
    months--;
  } else if (months < 0 && (days > 0 || (days === 0 && time > 0n))) {
    days -= 30;
    months++;
  }
  if (days > 0 && time < 0n) {
    time += DAY;
    days--;
  } else if (days < 0 && time > 0n) {
    time -= DAY;
    days++;
  }
  return new Interval(months || 0, days || 0, time);
}
eager('justify_interval', ([a]) => justifyInterval(iv(a)));

function checkDate(d: number): number {
  if (d < -2451545 - 2440588 + 2451545 - 1 || d > 2147483647 - 2440588) throw new EvalError(SqlState.datetimeFieldOverflow, 'date out of range');
  return d;
}

eager('make_date', ([y, m, d]) => {
  const yy = y as number;
  const mm = m as number;
  const dd = d as number;
  if (yy === 0 || mm < 1 || mm > 12 || dd < 1 || dd > daysInMonth(yy < 0 ? yy + 1 : yy, mm)) {
    throw new EvalError(SqlState.datetimeFieldOverflow, `date field value out of range: ${yy}-${String(mm).padStart(2, '0')}-${String(dd).padStart(2, '0')}`);
  }
  return daysFromCivil(yy < 0 ? yy + 1 : yy, mm, dd);
});
eager('to_timestamp', ([s]) => {
  const x = s as number;
  if (!Number.isFinite(x)) throw new EvalError(SqlState.datetimeFieldOverflow, 'timestamp out of range');
  return checkTs(BigInt(Math.round(x * 1e6)));
});

function truncTs(unit: string, t: bigint): bigint {
  const { days, time } = splitTs(t);
  const [y, m] = civilFromDays(days);
  const dayStart = BigInt(days) * DAY;
  switch (unit.toLowerCase()) {
    case 'microseconds': case 'microsecond': return t;
    case 'milliseconds': case 'millisecond': return dayStart + (time / 1000n) * 1000n;
    case 'second': case 'seconds': return dayStart + (time / 1_000_000n) * 1_000_000n;
    case 'minute': case 'minutes': return dayStart + (time / 60_000_000n) * 60_000_000n;
    case 'hour': case 'hours': return dayStart + (time / 3_600_000_000n) * 3_600_000_000n;
    case 'day': case 'days': return dayStart;
    case 'week': case 'weeks': {
      const dow = (((days + 3) % 7) + 7) % 7; // 0 = Monday
      return BigInt(days - dow) * DAY;
    }
    case 'month': case 'months': return BigInt(daysFromCivil(y, m, 1)) * DAY;
    case 'quarter': return BigInt(daysFromCivil(y, m - ((m - 1) % 3), 1)) * DAY;
    case 'year': case 'years': return BigInt(daysFromCivil(y, 1, 1)) * DAY;
    case 'decade': return BigInt(daysFromCivil(Math.floor(y / 10) * 10, 1, 1)) * DAY;
    case 'century': return BigInt(daysFromCivil(y > 0 ? Math.floor((y - 1) / 100) * 100 + 1 : -Math.floor(-y / 100) * 100 - 99, 1, 1)) * DAY;
    case 'millennium': return BigInt(daysFromCivil(y > 0 ? Math.floor((y - 1) / 1000) * 1000 + 1 : -Math.floor(-y / 1000) * 1000 - 999, 1, 1)) * DAY;
    default: throw new EvalError(SqlState.featureNotSupported, `unit "${unit}" not supported for type timestamp`);
  }
}
eager('date_trunc_timestamp', ([u, t]) => truncTs(u as string, ts(t)));
eager('date_trunc_timestamptz', ([u, t]) => truncTs(u as string, ts(t)));
eager('date_trunc_interval', ([u, a]) => {
  const i = iv(a);
  const unit = (u as string).toLowerCase();
  const order = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'month', 'year'];
  const norm = unit.replace(/s$/, '') === 'microsecond' ? 'microseconds' : unit.replace(/s$/, '') === 'millisecond' ? 'milliseconds' : unit.replace(/s$/, '');
  const k = order.indexOf(norm);
  if (k < 0) throw new EvalError(SqlState.featureNotSupported, `unit "${u as string}" not supported for type interval`);
  const units = [1n, 1000n, 1_000_000n, 60_000_000n, 3_600_000_000n];
  if (k <= 4) return new Interval(i.months, i.days, (i.micros / units[k]!) * units[k]!);
  if (k === 5) return new Interval(i.months, i.days, 0n);
  if (k === 6) return new Interval(i.months, 0, 0n);
  return new Interval(Math.trunc(i.months / 12) * 12, 0, 0n);
});

/** extract(field FROM x) as an exact numeric (date_part converts it to float8). */
function extractFrom(field: string, kind: 'date' | 'time' | 'timestamp' | 'interval', v: Datum): Numeric {
  const f = field.toLowerCase();
  const int = (n: number | bigint): Numeric => new Numeric(BigInt(n), 0);
  if (kind === 'interval') {
    const i = v as Interval;
    const timeSec = i.micros;
    switch (f) {
      // A year counts 365.25 days and a month 30 (PostgreSQL's DAYS_PER_YEAR and DAYS_PER_MONTH).
      case 'epoch': {
        const years = BigInt(Math.trunc(i.months / 12));
        const months = BigInt(i.months % 12);
        const secs = years * 31_557_600n + months * 2_592_000n + BigInt(i.days) * 86_400n;
        return new Numeric(secs * 1_000_000n + timeSec, 6);
      }
      case 'year': case 'years': return int(Math.trunc(i.months / 12));
      case 'month': case 'months': return int(i.months % 12);
      case 'day': case 'days': return int(i.days);
      case 'hour': case 'hours': return int(timeSec / 3_600_000_000n);
      case 'minute': case 'minutes': return int((timeSec / 60_000_000n) % 60n);
      case 'second': case 'seconds': return new Numeric(timeSec % 60_000_000n, 6);
      case 'millisecond': case 'milliseconds': return new Numeric((timeSec % 60_000_000n), 3);
      case 'microsecond': case 'microseconds': return int(timeSec % 60_000_000n);
      default: throw new EvalError(SqlState.featureNotSupported, `unit "${field}" not supported for type interval`);
    }
  }
  let days: number;
  let time: bigint;
  if (kind === 'date') {
    days = v as number;
    time = 0n;
  } else if (kind === 'time') {
    days = 0;
    time = BigInt(v as number);
  } else ({ days, time } = splitTs(v as bigint));
  const [y, m, d] = civilFromDays(days);
  const dow = (((days + 4) % 7) + 7) % 7; // 0 = Sunday
  if (kind === 'time' && !['hour', 'minute', 'second', 'millisecond', 'microsecond', 'epoch', 'hours', 'minutes', 'seconds', 'milliseconds', 'microseconds'].includes(f)) {
    throw new EvalError(SqlState.featureNotSupported, `unit "${field}" not supported for type time without time zone`);
  }
  if (kind === 'date' && ['hour', 'minute', 'second', 'millisecond', 'microsecond', 'hours', 'minutes', 'seconds', 'milliseconds', 'microseconds'].includes(f)) {
    throw new EvalError(SqlState.featureNotSupported, `unit "${field}" not supported for type date`);
  }
  switch (f) {
    case 'epoch': return kind === 'date' ? int(BigInt(days) * 86400n) : new Numeric(BigInt(days) * DAY + time, 6);
    case 'year': case 'years': return int(y > 0 ? y : y - 1);
    case 'month': case 'months': return int(m);
    case 'day': case 'days': return int(d);
    case 'hour': case 'hours': return int(time / 3_600_000_000n);
    case 'minute': case 'minutes': return int((time / 60_000_000n) % 60n);
    case 'second': case 'seconds': return new Numeric(time % 60_000_000n, 6);
    case 'millisecond': case 'milliseconds': return new Numeric(time % 60_000_000n, 3);
    case 'microsecond': case 'microseconds': return int(time % 60_000_000n);
    case 'dow': return int(dow);
    case 'isodow': return int(dow === 0 ? 7 : dow);
    case 'doy': return int(days - daysFromCivil(y, 1, 1) + 1);
    case 'quarter': return int(Math.floor((m - 1) / 3) + 1);
    case 'decade': return int(Math.floor(y / 10));
    case 'century': return int(y > 0 ? Math.floor((y + 99) / 100) : -Math.floor((99 - (y - 1)) / 100));
    case 'millennium': return int(y > 0 ? Math.floor((y + 999) / 1000) : -Math.floor((999 - (y - 1)) / 1000));
    case 'week': {
      // ISO week number.
      const thursday = days - ((dow + 6) % 7) + 3;
      const [ty] = civilFromDays(thursday);
      return int(Math.floor((thursday - daysFromCivil(ty, 1, 1)) / 7) + 1);
    }
    case 'isoyear': {
      const thursday = days - ((dow + 6) % 7) + 3;
      return int(civilFromDays(thursday)[0]);
    }
    case 'julian': return int(days + 2440588);
    default: throw new EvalError(SqlState.featureNotSupported, `unit "${field}" not supported for type ${kind === 'timestamp' ? 'timestamp' : kind}`);
  }
}
for (const [name, kind] of [['date', 'date'], ['time', 'time'], ['timestamp', 'timestamp'], ['timestamptz', 'timestamp'], ['interval', 'interval']] as const) {
  eager(`extract_${name}`, ([f, v]) => extractFrom(f as string, kind, v!));
  eager(`date_part_${name}`, ([f, v]) => extractFrom(f as string, kind, v!).toNumber());
}
/**
 * age(a, b): the symbolic difference in years, months and days (then time), borrowing from the next
 * field as PostgreSQL's timestamp_age does.
 */
export function age(a: bigint, b: bigint): Interval {
  const neg = a < b;
  const [hi, lo] = neg ? [b, a] : [a, b];
  const x = splitTs(hi);
  const y = splitTs(lo);
  const [y1, m1, d1] = civilFromDays(x.days);
  const [y2, m2, d2] = civilFromDays(y.days);
  let time = x.time - y.time;
  let day = d1 - d2;
  let mon = m1 - m2;
  let year = y1 - y2;
  if (time < 0n) {
    time += DAY;
    day--;
  }
  while (day < 0) {
    // A borrowed month is as long as the earlier timestamp's month.
    day += daysInMonth(y2, m2);
    mon--;
  }
  if (mon < 0) {
    mon += 12;
    year--;
  }
  const months = year * 12 + mon;
  const s = neg ? -1 : 1;
  return new Interval(s * months || 0, s * day || 0, BigInt(s) * time);
}
eager('age_timestamp', ([a, b]) => age(ts(a), ts(b)));

eager('make_interval', ([y, mo, w, d, h, mi, sec]) => {
  const secs = sec as number;
  if (!Number.isFinite(secs)) throw new EvalError(SqlState.numericValueOutOfRange, 'interval out of range');
  const months = (y as number) * 12 + (mo as number);
  const days = (w as number) * 7 + (d as number);
  const micros = BigInt(h as number) * 3_600_000_000n + BigInt(mi as number) * 60_000_000n + BigInt(Math.round(secs * 1e6));
  return new Interval(checkI4(months), checkI4(days), micros);
});

function makeTimestamp(y: number, mo: number, d: number, h: number, mi: number, sec: number): bigint {
  const bad = (): EvalError => new EvalError(SqlState.datetimeFieldOverflow, `date field value out of range: ${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
  if (y === 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y < 0 ? y + 1 : y, mo)) throw bad();
  if (h < 0 || h > 24 || mi < 0 || mi > 59 || sec < 0 || sec > 60 || (h === 24 && (mi > 0 || sec > 0))) {
    throw new EvalError(SqlState.datetimeFieldOverflow, `time field value out of range: ${h}:${String(mi).padStart(2, '0')}:${String(sec).padStart(2, '0')}`);
  }
  const days = daysFromCivil(y < 0 ? y + 1 : y, mo, d);
  return checkTs(BigInt(days) * DAY + BigInt(h * 3600 + mi * 60) * 1_000_000n + BigInt(Math.round(sec * 1e6)));
}
eager('make_timestamp', ([y, mo, d, h, mi, s]) => makeTimestamp(y as number, mo as number, d as number, h as number, mi as number, s as number));
eager('make_timestamptz', ([y, mo, d, h, mi, s, z]) => {
  const local = makeTimestamp(y as number, mo as number, d as number, h as number, mi as number, s as number);
  return z === undefined ? local : asEval(() => localToUtc(z as string, local));
});
eager('make_time', ([h, mi, s]) => {
  const hh = h as number;
  const mm = mi as number;
  const ss = s as number;
  if (hh < 0 || hh > 24 || mm < 0 || mm > 59 || ss < 0 || ss > 60 || (hh === 24 && (mm > 0 || ss > 0))) {
    throw new EvalError(SqlState.datetimeFieldOverflow, `time field value out of range: ${hh}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`);
  }
  return (hh * 3600 + mm * 60) * 1e6 + Math.round(ss * 1e6);
});

/** date_bin(stride, source, origin): the start of the stride-wide bin (aligned at origin) holding source. */
eager('date_bin', ([st, src, org]) => {
  const stride = iv(st);
  if (stride.months !== 0) throw new EvalError(SqlState.invalidParameterValue, 'timestamps cannot be binned into intervals containing months or years');
  const step = BigInt(stride.days) * DAY + stride.micros;
  if (step <= 0n) throw new EvalError(SqlState.invalidParameterValue, 'stride must be greater than zero');
  const diff = ts(src) - ts(org);
  let q = diff / step;
  if (diff % step !== 0n && diff < 0n) q -= 1n;
  return checkTs(ts(org) + q * step);
});

/** Materialize's datediff(part, a, b): how many `part` boundaries lie between a and b. */
function datediff(part: string, a: bigint, b: bigint): bigint {
  const p = part.toLowerCase().replace(/s$/, '');
  const [ya, ma] = civilFromDays(splitTs(a).days);
  const [yb, mb] = civilFromDays(splitTs(b).days);
  const trunc = (unit: string, t: bigint): bigint => truncTs(unit, t);
  const per = (unit: string, size: bigint): bigint => (trunc(unit, b) - trunc(unit, a)) / size;
  switch (p) {
    case 'millennium': case 'millennia': return BigInt(Math.floor((yb - 1) / 1000) - Math.floor((ya - 1) / 1000));
    case 'century': case 'centurie': return BigInt(Math.floor((yb - 1) / 100) - Math.floor((ya - 1) / 100));
    case 'decade': return BigInt(Math.floor(yb / 10) - Math.floor(ya / 10));
    case 'year': return BigInt(yb - ya);
    case 'quarter': return BigInt((yb * 4 + Math.floor((mb - 1) / 3)) - (ya * 4 + Math.floor((ma - 1) / 3)));
    case 'month': return BigInt((yb * 12 + mb) - (ya * 12 + ma));
    case 'week': return per('week', 7n * DAY);
    case 'day': return per('day', DAY);
    case 'hour': return per('hour', 3_600_000_000n);
    case 'minute': return per('minute', 60_000_000n);
    case 'second': return per('second', 1_000_000n);
    case 'millisecond': return per('millisecond', 1000n);
    case 'microsecond': return b - a;
    default: throw new EvalError(SqlState.invalidParameterValue, `invalid datepart ${part}`);
  }
}
eager('datediff_timestamp', ([p, a, b]) => datediff(p as string, ts(a), ts(b)));
eager('datediff_date', ([p, a, b]) => datediff(p as string, BigInt(a as number) * DAY, BigInt(b as number) * DAY));
eager('datediff_time', ([p, a, b]) => datediff(p as string, BigInt(a as number), BigInt(b as number)));

// AT TIME ZONE / timezone(zone, x).
eager('timezone_timestamptz', ([z, t]) => asEval(() => utcToLocal(z as string, ts(t))));
eager('timezone_timestamp', ([z, t]) => asEval(() => localToUtc(z as string, ts(t))));
