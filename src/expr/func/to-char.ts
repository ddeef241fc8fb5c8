/**
 * to_char for timestamps, dates and numbers with PostgreSQL's template patterns: YYYY, MM, DD, HH24,
 * MI, SS, MS, US, Mon/Month/Day/Dy (padded unless FM), AM/PM, Q, WW, IW, IYYY, DDD, J, TZ, TH suffixes,
 * "quoted text"; for numbers 9, 0, '.', D, ',', G, S, MI, PL, FM.
 */
import { type Datum, Numeric, civilFromDays, daysFromCivil } from '../../repr/index.ts';
import { eager } from '../func.ts';

const DAY = 86_400_000_000n;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'];

// Longest patterns first so that e.g. HH24 wins over HH and MONTH over MON.
const PATTERN_LIST = [
  'HH24', 'HH12', 'HH', 'MI', 'SSSSS', 'SSSS', 'SS', 'MS', 'US', 'FF1', 'FF2', 'FF3', 'FF4', 'FF5', 'FF6',
  'A.M.', 'a.m.', 'P.M.', 'p.m.', 'AM', 'am', 'PM', 'pm', 'Y,YYY', 'IYYY', 'IYY', 'IY', 'YYYY', 'YYY', 'YY', 'Y', 'I',
  'MONTH', 'Month', 'month', 'MON', 'Mon', 'mon', 'MM', 'DAY', 'Day', 'day', 'DY', 'Dy', 'dy', 'IDDD', 'DDD', 'DD', 'ID', 'D',
  'IW', 'WW', 'W', 'CC', 'J', 'Q', 'RM', 'rm', 'TZH', 'TZM', 'TZ', 'tz', 'OF',
];

const PATTERNS = [...PATTERN_LIST].sort((a, b) => b.length - a.length);

function ordinal(n: number, upper: boolean): string {
  const t = n % 100;
  const s = t >= 11 && t <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return upper ? s.toUpperCase() : s;
}

function casedName(name: string, pat: string, fm: boolean, width: number): string {
  const s = pat === pat.toUpperCase() ? name.toUpperCase() : pat === pat.toLowerCase() ? name.toLowerCase() : name;
  return fm ? s : s.padEnd(width, ' ');
}

/** ISO year, week and day-of-week of a day number. */
function isoWeek(days: number): { year: number; week: number; dow: number } {
  const dow = ((((days + 4) % 7) + 7) % 7) || 7; // 1 = Monday .. 7 = Sunday
  const thursday = days - dow + 4;
  const [year] = civilFromDays(thursday);
  const week = Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1;
  return { year, week, dow };
}

/** to_char(timestamp, template); `tz` is true for timestamptz (zone shown as UTC). */
export function formatTimestampTemplate(micros: bigint, fmt: string, tz: boolean): string {
  let days = micros / DAY;
  let time = micros % DAY;
  if (time < 0n) {
    time += DAY;
    days -= 1n;
  }
  const d = Number(days);
  const [y, m, dom] = civilFromDays(d);
  const secs = Number(time / 1_000_000n);
  const usec = Number(time % 1_000_000n);
  const h24 = Math.floor(secs / 3600);
  const mi = Math.floor(secs / 60) % 60;
  const ss = secs % 60;
  const dow = (((d + 4) % 7) + 7) % 7;
  const doy = d - daysFromCivil(y, 1, 1) + 1;
  const iso = isoWeek(d);
  let out = '';
  let i = 0;
  while (i < fmt.length) {
    if (fmt[i] === '"') {
      const end = fmt.indexOf('"', i + 1);
      out += end < 0 ? fmt.slice(i + 1) : fmt.slice(i + 1, end);
      i = end < 0 ? fmt.length : end + 1;
      continue;
    }
    if (fmt[i] === '\\' && i + 1 < fmt.length) {
      out += fmt[i + 1];
      i += 2;
      continue;
    }
    let fm = false;
    let j = i;
    for (;;) {
      if (fmt.startsWith('FM', j)) {
        fm = true;
        j += 2;
      } else if (fmt.startsWith('FX', j) || fmt.startsWith('TM', j)) j += 2;
      else break;
    }
    const pat = PATTERNS.find((p) => fmt.startsWith(p, j));
    if (pat === undefined) {
      out += fmt.slice(i, j === i ? i + 1 : j);
      i = j === i ? i + 1 : j;
      continue;
    }
    j += pat.length;
    let th: 'TH' | 'th' | undefined;
    if (fmt.startsWith('TH', j)) th = 'TH';
    else if (fmt.startsWith('th', j)) th = 'th';
    if (th !== undefined) j += 2;
    const num = (n: number, width: number): string => {
      const sign = n < 0 ? '-' : '';
      const abs = String(Math.abs(n));
      return sign + (fm ? abs : abs.padStart(width, '0')) + (th !== undefined ? ordinal(Math.abs(n), th === 'TH') : '');
    };
    const year = y > 0 ? y : 1 - y;
    let piece: string;
    switch (pat) {
      case 'HH24': piece = num(h24, 2); break;
      case 'HH12': case 'HH': piece = num(h24 % 12 === 0 ? 12 : h24 % 12, 2); break;
      case 'MI': piece = num(mi, 2); break;
      case 'SS': piece = num(ss, 2); break;
      case 'SSSS': case 'SSSSS': piece = num(secs, 0); break;
      case 'MS': piece = num(Math.floor(usec / 1000), 3); break;
      case 'US': piece = num(usec, 6); break;
      case 'FF1': case 'FF2': case 'FF3': case 'FF4': case 'FF5': case 'FF6': {
        const k = Number(pat[2]);
        piece = String(usec).padStart(6, '0').slice(0, k);
        break;
      }
      case 'AM': case 'PM': piece = h24 < 12 ? 'AM' : 'PM'; break;
      case 'am': case 'pm': piece = h24 < 12 ? 'am' : 'pm'; break;
      case 'A.M.': case 'P.M.': piece = h24 < 12 ? 'A.M.' : 'P.M.'; break;
      case 'a.m.': case 'p.m.': piece = h24 < 12 ? 'a.m.' : 'p.m.'; break;
      case 'Y,YYY': piece = `${Math.floor(year / 1000)},${String(year % 1000).padStart(3, '0')}`; break;
      case 'YYYY': piece = num(year, 4); break;
      case 'YYY': piece = num(year % 1000, 3); break;
      case 'YY': piece = num(year % 100, 2); break;
      case 'Y': piece = num(year % 10, 1); break;
      case 'IYYY': piece = num(iso.year, 4); break;
      case 'IYY': piece = num(iso.year % 1000, 3); break;
      case 'IY': piece = num(iso.year % 100, 2); break;
      case 'I': piece = num(iso.year % 10, 1); break;
      case 'MONTH': case 'Month': case 'month': piece = casedName(MONTHS[m - 1]!, pat, fm, 9); break;
      case 'MON': case 'Mon': case 'mon': piece = casedName(MONTHS[m - 1]!.slice(0, 3), pat, true, 3); break;
      case 'MM': piece = num(m, 2); break;
      case 'DAY': case 'Day': case 'day': piece = casedName(DAYS[dow]!, pat, fm, 9); break;
      case 'DY': case 'Dy': case 'dy': piece = casedName(DAYS[dow]!.slice(0, 3), pat, true, 3); break;
      case 'DDD': piece = num(doy, 3); break;
      case 'IDDD': piece = num((iso.week - 1) * 7 + iso.dow, 3); break;
      case 'DD': piece = num(dom, 2); break;
      case 'D': piece = num(dow + 1, 1); break;
      case 'ID': piece = num(iso.dow, 1); break;
      case 'IW': piece = num(iso.week, 2); break;
      case 'WW': piece = num(Math.floor((doy - 1) / 7) + 1, 2); break;
      case 'W': piece = num(Math.floor((dom - 1) / 7) + 1, 1); break;
      case 'CC': piece = num(y > 0 ? Math.floor((y - 1) / 100) + 1 : -(Math.floor((-y) / 100) + 1), 2); break;
      case 'J': piece = num(d + 2440588, 0); break;
      case 'Q': piece = num(Math.floor((m - 1) / 3) + 1, 1); break;
      case 'RM': piece = fm ? ROMAN[m - 1]! : ROMAN[m - 1]!.padEnd(4, ' '); break;
      case 'rm': piece = (fm ? ROMAN[m - 1]! : ROMAN[m - 1]!.padEnd(4, ' ')).toLowerCase(); break;
      case 'TZ': piece = tz ? 'UTC' : ''; break;
      case 'tz': piece = tz ? 'utc' : ''; break;
      case 'TZH': piece = tz ? '+00' : ''; break;
      case 'TZM': piece = tz ? '00' : ''; break;
      case 'OF': piece = tz ? '+00' : ''; break;
      default: piece = pat;
    }
    out += piece;
    i = j;
  }
  return out;
}

/** to_char(number, template) for the common digit patterns. */
export function formatNumberTemplate(value: Numeric, fmt: string): string {
  const fm = fmt.includes('FM');
  const f = fmt.replace(/FM/g, '');
  const dot = f.search(/[.D]/);
  const intPart = dot < 0 ? f : f.slice(0, dot);
  const fracPart = dot < 0 ? '' : f.slice(dot + 1);
  const intDigits = (intPart.match(/[90]/g) ?? []).length;
  const fracDigits = (fracPart.match(/[90]/g) ?? []).length;
  if (value.isSpecial()) return value.toString();
  const rounded = value.withScale(fracDigits);
  const neg = rounded.coef < 0n;
  const absText = (neg ? rounded.negate() : rounded).toString();
  const [ip, fp = ''] = absText.split('.');
  let intStr = ip === '0' ? '' : ip!;
  if (intStr.length > intDigits) {
    // Too many digits: PostgreSQL fills every digit position with '#'.
    return (fm ? '' : ' ') + f.replace(/[90]/g, '#').replace(/[D]/g, '.').replace(/[G]/g, ',').replace(/[SL]/g, '');
  }
  // Lay the digits into the integer template right to left.
  const firstZero = intPart.search(/0/);
  let digitPos = intDigits;
  let outInt = '';
  let started = false;
  const intChars = intPart.split('');
  const digitsLeft = intStr.padStart(intDigits, ' ');
  let k = 0;
  for (let idx = 0; idx < intChars.length; idx++) {
    const c = intChars[idx]!;
    if (c === '9' || c === '0') {
      const dch = digitsLeft[k++]!;
      const forceZero = firstZero >= 0 && idx >= firstZero;
      if (dch !== ' ') {
        started = true;
        outInt += dch;
      } else if (forceZero || (digitPos === 1 && fracDigits === 0 && intStr === '' )) {
        started = true;
        outInt += '0';
      } else outInt += fm ? '' : ' ';
      digitPos--;
    } else if (c === ',' || c === 'G') outInt += started ? ',' : fm ? '' : ' ';
    else if (c === 'S' || c === 'L' || c === 'M' || c === 'I' || c === 'P') continue;
    else outInt += c;
  }
  intStr = outInt;
  let fracStr = '';
  if (dot >= 0) {
    let fk = 0;
    const fpPadded = fp.padEnd(fracDigits, '0');
    // FM trims trailing zeros only from '9' positions; '0' positions always print.
    let keep = 0;
    for (const c of fracPart) {
      if (c === '9' || c === '0') {
        fracStr += fpPadded[fk++]!;
        if (c === '0' || fpPadded[fk - 1] !== '0') keep = fracStr.length;
      } else if (c === 'S' || c === 'M' || c === 'I' || c === 'L') continue;
      else fracStr += c;
    }
    if (fm) fracStr = fracStr.slice(0, keep);
    fracStr = '.' + fracStr;
  }
  let sign: string;
  const explicitSign = /S/.test(f);
  if (/MI/.test(f)) return (intStr + fracStr) + (neg ? '-' : fm ? '' : ' ');
  if (explicitSign) sign = neg ? '-' : '+';
  else sign = neg ? '-' : fm ? '' : ' ';
  // The sign goes just before the first digit.
  const m = /^( *)/.exec(intStr)!;
  return m[1]! + sign + intStr.slice(m[1]!.length) + fracStr;
}

const toNumeric = (d: Datum): Numeric => {
  if (d instanceof Numeric) return d;
  if (typeof d === 'bigint') return Numeric.fromBigInt(d);
  return Numeric.fromNumber(d as number);
};

eager('to_char_timestamp', ([t, f]) => formatTimestampTemplate(t as bigint, f as string, false));
eager('to_char_timestamptz', ([t, f]) => formatTimestampTemplate(t as bigint, f as string, true));
eager('to_char_number', ([n, f]) => {
  const v = toNumeric(n!);
  if (v.special === 'nan') return formatNumberTemplate(new Numeric(0n, 0), f as string).replace(/\d/g, '#');
  return formatNumberTemplate(v, f as string);
});
