/** Text functions and operators: ||, LIKE/ILIKE, regular expressions, length, substr, trim, pad, ... */
import { createHash } from 'node:crypto';
import { type Datum, PgArray } from '../../repr/index.ts';
import { eager } from '../func.ts';
import { EvalError, checkI4 } from './util.ts';
import { quoteIdent } from './catalog.ts';

const str = (d: Datum | undefined): string => d as string;
const cps = (s: string): string[] => Array.from(s);

eager('concat_text', ([a, b]) => str(a) + str(b));
eager('concat_bytea', ([a, b]) => {
  const x = a as Uint8Array;
  const y = b as Uint8Array;
  const out = new Uint8Array(x.length + y.length);
  out.set(x);
  out.set(y, x.length);
  return out;
});
eager('concat', (args) => args.filter((a) => a !== null).map(str).join(''), false);
eager('concat_ws', ([sep, ...rest]) => (sep === null || sep === undefined ? null : rest.filter((a) => a !== null).map(str).join(str(sep))), false);

const likeCache = new Map<string, RegExp>();
function likeRegex(pattern: string, insensitive: boolean): RegExp {
  const key = (insensitive ? 'i' : 'c') + pattern;
  let re = likeCache.get(key);
  if (re !== undefined) return re;
  let src = '^';
  const chars = cps(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      const next = chars[++i];
      if (next === undefined) throw new EvalError('22025', 'LIKE pattern must not end with escape character');
      src += next.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '%') src += '.*';
    else if (c === '_') src += '.';
    else src += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  re = new RegExp(src + '$', insensitive ? 'isu' : 'su');
  if (likeCache.size > 1000) likeCache.clear();
  likeCache.set(key, re);
  return re;
}
eager('like', ([s, p]) => likeRegex(str(p), false).test(str(s)));
eager('not_like', ([s, p]) => !likeRegex(str(p), false).test(str(s)));
eager('ilike', ([s, p]) => likeRegex(str(p), true).test(str(s)));
eager('not_ilike', ([s, p]) => !likeRegex(str(p), true).test(str(s)));
eager('like_escape', ([p, e]) => {
  const esc = str(e);
  const pat = str(p);
  if (esc === '\\') return pat;
  if (cps(esc).length > 1) throw new EvalError('22019', 'invalid escape string', 'Escape string must be empty or one character.');
  let out = '';
  const chars = cps(pat);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (esc !== '' && c === esc) {
      const next = chars[++i];
      out += next === undefined ? '\\' : '\\' + next;
    } else if (c === '\\') out += '\\\\';
    else out += c;
  }
  return out;
});

const reCache = new Map<string, RegExp>();
function regex(p: string, flags: string): RegExp {
  const key = flags + p;
  let re = reCache.get(key);
  if (re === undefined) {
    try {
      re = new RegExp(p, flags + 'u');
    } catch (err) {
      throw new EvalError('2201B', `invalid regular expression: ${(err as Error).message}`);
    }
    if (reCache.size > 1000) reCache.clear();
    reCache.set(key, re);
  }
  return re;
}
eager('regex_match', ([s, p]) => regex(translatePattern(str(p)), '').test(str(s)));
eager('regex_imatch', ([s, p]) => regex(translatePattern(str(p)), 'i').test(str(s)));
eager('not_regex_match', ([s, p]) => !regex(translatePattern(str(p)), '').test(str(s)));
eager('not_regex_imatch', ([s, p]) => !regex(translatePattern(str(p)), 'i').test(str(s)));

eager('length_text', ([s]) => cps(str(s)).length);
eager('length_bytea', ([b]) => (b as Uint8Array).length);
eager('octet_length_text', ([s]) => Buffer.byteLength(str(s), 'utf8'));
eager('bit_length_text', ([s]) => Buffer.byteLength(str(s), 'utf8') * 8);
eager('lower', ([s]) => str(s).toLowerCase());
eager('upper', ([s]) => str(s).toUpperCase());
eager('initcap', ([s]) => str(s).toLowerCase().replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase()));

function substr(s: string, start: number, len: number | undefined): string {
  const chars = cps(s);
  if (len !== undefined && len < 0) throw new EvalError('22011', 'negative substring length not allowed');
  const from = start - 1;
  const to = len === undefined ? chars.length : from + len;
  return chars.slice(Math.max(from, 0), Math.max(to, 0)).join('');
}
eager('substr_2', ([s, a]) => substr(str(s), a as number, undefined));
eager('substr_3', ([s, a, l]) => substr(str(s), a as number, l as number));

function trimSet(s: string, chars: string, left: boolean, right: boolean): string {
  const set = new Set(cps(chars));
  const arr = cps(s);
  let i = 0;
  let j = arr.length;
  if (left) while (i < j && set.has(arr[i]!)) i++;
  if (right) while (j > i && set.has(arr[j - 1]!)) j--;
  return arr.slice(i, j).join('');
}
eager('btrim_1', ([s]) => trimSet(str(s), ' ', true, true));
eager('btrim_2', ([s, c]) => trimSet(str(s), str(c), true, true));
eager('ltrim_1', ([s]) => trimSet(str(s), ' ', true, false));
eager('ltrim_2', ([s, c]) => trimSet(str(s), str(c), true, false));
eager('rtrim_1', ([s]) => trimSet(str(s), ' ', false, true));
eager('rtrim_2', ([s, c]) => trimSet(str(s), str(c), false, true));
eager('replace', ([s, f, t]) => (str(f) === '' ? str(s) : str(s).split(str(f)).join(str(t))));
eager('strpos', ([s, sub]) => {
  const i = str(s).indexOf(str(sub));
  return i < 0 ? 0 : cps(str(s).slice(0, i)).length + 1;
});
eager('left', ([s, n]) => {
  const c = cps(str(s));
  const k = n as number;
  return (k >= 0 ? c.slice(0, k) : c.slice(0, Math.max(c.length + k, 0))).join('');
});
eager('right', ([s, n]) => {
  const c = cps(str(s));
  const k = n as number;
  return (k >= 0 ? c.slice(Math.max(c.length - k, 0)) : c.slice(Math.min(-k, c.length))).join('');
});
eager('repeat', ([s, n]) => {
  const k = n as number;
  if (k <= 0) return '';
  if (str(s).length * k > 1 << 28) throw new EvalError('54000', 'requested length too large');
  return str(s).repeat(k);
});
eager('reverse', ([s]) => cps(str(s)).reverse().join(''));
eager('split_part', ([s, d, n]) => {
  const k = n as number;
  if (k === 0) throw new EvalError('22023', 'field position must not be zero');
  const parts = str(d) === '' ? [str(s)] : str(s).split(str(d));
  const idx = k > 0 ? k - 1 : parts.length + k;
  return parts[idx] ?? '';
});
function pad(s: string, len: number, fill: string, left: boolean): string {
  const c = cps(s);
  if (len <= c.length) return c.slice(0, Math.max(len, 0)).join('');
  const f = cps(fill);
  if (f.length === 0) return s;
  const need = len - c.length;
  let p = '';
  for (let i = 0; i < need; i++) p += f[i % f.length]!;
  return left ? p + s : s + p;
}
eager('lpad_2', ([s, n]) => pad(str(s), n as number, ' ', true));
eager('lpad_3', ([s, n, f]) => pad(str(s), n as number, str(f), true));
eager('rpad_2', ([s, n]) => pad(str(s), n as number, ' ', false));
eager('rpad_3', ([s, n, f]) => pad(str(s), n as number, str(f), false));
eager('starts_with', ([s, p]) => str(s).startsWith(str(p)));
eager('ascii', ([s]) => str(s).codePointAt(0) ?? 0);
eager('chr', ([n]) => {
  const k = n as number;
  if (k === 0) throw new EvalError('54000', 'null character not permitted');
  if (k < 0 || k > 0x10ffff) throw new EvalError('54000', 'requested character too large for encoding: ' + k);
  return String.fromCodePoint(k);
});
eager('md5', ([s]) => createHash('md5').update(str(s), 'utf8').digest('hex'));
eager('md5_bytea', ([b]) => createHash('md5').update(b as Uint8Array).digest('hex'));
export { checkI4 };

/**
 * A PostgreSQL (ARE) regular expression as a JavaScript one: POSIX bracket classes, `\y` `\m` `\M`
 * word boundaries and the flag letters regexp_replace/regexp_match take (`g` is returned separately).
 */
function translatePattern(p: string): string {
  const classes: Record<string, string> = {
    alpha: '\\p{L}', digit: '0-9', alnum: '\\p{L}\\p{N}', upper: '\\p{Lu}', lower: '\\p{Ll}', space: '\\s',
    punct: '\\p{P}\\p{S}', xdigit: '0-9A-Fa-f', word: '\\w', blank: ' \\t', cntrl: '\\p{Cc}', print: '\\P{Cc}', graph: '\\p{L}\\p{N}\\p{P}\\p{S}',
  };
  return p
    .replace(/\[:([a-z]+):\]/g, (m, name: string) => classes[name] ?? m)
    .replace(/\\y/g, '\\b').replace(/\\m/g, '\\b(?=\\w)').replace(/\\M/g, '\\b(?<=\\w)')
    .replace(/\\A/g, '^').replace(/\\Z/g, '$');
}
function regexWithFlags(p: string, flags: string, fn: string): { re: RegExp; global: boolean } {
  let js = '';
  let global = false;
  for (const f of flags) {
    switch (f) {
      case 'g': global = true; break;
      case 'i': js = js.replace('i', '') + 'i'; break;
      case 'c': js = js.replace('i', ''); break;
      case 'n': case 'm': if (!js.includes('m')) js += 'm'; break;
      case 's': case 'p': case 'w': case 't': break;
      default: throw new EvalError('22023', `invalid regular expression option: "${f}"`);
    }
  }
  void fn;
  return { re: regex(translatePattern(p), js + (global ? 'g' : '')), global };
}
/** PostgreSQL replacement text: `\1`..`\9` are groups, `\&` the whole match, `\\` a backslash. */
function expandReplacement(repl: string, m: RegExpExecArray | string[]): string {
  return repl.replace(/\\([0-9&\\])/g, (_x, c: string) => (c === '\\' ? '\\' : c === '&' ? m[0] ?? '' : m[Number(c)] ?? ''));
}
function regexpReplace(s: string, p: string, repl: string, flags: string): string {
  const { re } = regexWithFlags(p, flags, 'regexp_replace');
  re.lastIndex = 0;
  return s.replace(re, (...a: unknown[]) => {
    const groups = a.slice(0, a.findIndex((x) => typeof x === 'number')) as string[];
    return expandReplacement(repl, groups);
  });
}
eager('regexp_replace', ([s, p, r, f]) => regexpReplace(str(s), str(p), str(r), f === undefined ? '' : str(f)));
function matchArray(m: RegExpExecArray): PgArray {
  return new PgArray(m.length > 1 ? m.slice(1).map((g) => g ?? null) : [m[0]]);
}
eager('regexp_match', ([s, p, f]) => {
  const { re, global } = regexWithFlags(str(p), f === undefined ? '' : str(f), 'regexp_match');
  if (global) throw new EvalError('22023', 'regexp_match() does not support the "global" option');
  re.lastIndex = 0;
  const m = re.exec(str(s));
  return m === null ? null : matchArray(m);
});
/** All matches as rows of text[] (regexp_matches; one match unless the `g` flag is given). */
export function regexpMatches(s: string, p: string, flags: string): PgArray[] {
  const { re, global } = regexWithFlags(p, flags, 'regexp_matches');
  const out: PgArray[] = [];
  if (!global) {
    const m = re.exec(s);
    return m === null ? [] : [matchArray(m)];
  }
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    out.push(matchArray(m));
    if (m[0] === '') re.lastIndex++;
  }
  return out;
}
eager('regexp_count', ([s, p]) => {
  const { re } = regexWithFlags(str(p), 'g', 'regexp_count');
  return [...str(s).matchAll(re)].length;
});
/** substring(s FROM pattern): the first parenthesized group if the pattern has one, else the match. */
eager('substring_regex', ([s, p]) => {
  const re = regex(translatePattern(str(p)), '');
  const m = re.exec(str(s));
  if (m === null) return null;
  return m.length > 1 ? m[1] ?? null : m[0];
});
eager('translate', ([s, from, to]) => {
  const f = cps(str(from));
  const t = cps(str(to));
  return cps(str(s)).map((c) => {
    const i = f.indexOf(c);
    return i < 0 ? c : (t[i] ?? '');
  }).join('');
});
eager('quote_literal', ([s]) => {
  const v = str(s);
  const q = "'" + v.replace(/'/g, "''").replace(/\\/g, '\\\\') + "'";
  return v.includes('\\') ? 'E' + q : q;
});
eager('sha256', ([b]) => new Uint8Array(createHash('sha256').update(b as Uint8Array).digest()));
eager('to_hex_int4', ([n]) => ((n as number) >>> 0).toString(16));
eager('to_hex_int8', ([n]) => BigInt.asUintN(64, n as bigint).toString(16));

/** format(fmt, args...): %s, %I, %L and %% with optional position (`%2$s`) and width (`%-10s`, `%*s`). */
eager('format', ([fmt, ...args]) => {
  if (fmt === null || fmt === undefined) return null;
  const f = str(fmt);
  let out = '';
  let next = 0;
  const tooFew = (): EvalError => new EvalError('22023', 'too few arguments for format()');
  for (let i = 0; i < f.length; i++) {
    const c = f[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    i++;
    if (f[i] === '%') {
      out += '%';
      continue;
    }
    const m = /^(?:(\d+)\$)?(-)?(\d+|\*)?([sIL])/.exec(f.slice(i));
    if (m === null) {
      if (i >= f.length) throw new EvalError('22023', 'unterminated format() type specifier', 'For a single "%" use "%%".');
      throw new EvalError('22023', `unrecognized format() type specifier "${f[i]}"`, 'For a single "%" use "%%".');
    }
    i += m[0].length - 1;
    let width = 0;
    let left = m[2] === '-';
    if (m[3] === '*') {
      if (next >= args.length) throw tooFew();
      const w = args[next++];
      width = w === null || w === undefined ? 0 : Number(w);
      if (width < 0) {
        left = true;
        width = -width;
      }
    } else if (m[3] !== undefined) width = Number(m[3]);
    let idx: number;
    if (m[1] !== undefined) {
      idx = Number(m[1]) - 1;
      if (idx < 0) throw new EvalError('22023', 'format specifies argument 0, but arguments are numbered from 1');
      next = idx + 1;
    } else idx = next++;
    if (idx >= args.length) throw tooFew();
    const v = args[idx] ?? null;
    let text: string;
    if (m[4] === 's') text = v === null ? '' : str(v);
    else if (m[4] === 'L') text = v === null ? 'NULL' : (() => {
      const x = str(v);
      const q = "'" + x.replace(/'/g, "''").replace(/\\/g, '\\\\') + "'";
      return x.includes('\\') ? 'E' + q : q;
    })();
    else {
      if (v === null) throw new EvalError('22004', 'null values cannot be formatted as an SQL identifier');
      text = quoteIdent(str(v));
    }
    const len = cps(text).length;
    if (len < width) text = left ? text + ' '.repeat(width - len) : ' '.repeat(width - len) + text;
    out += text;
  }
  return out;
}, false);


/** similar_to_escape(pattern [, escape]): a SIMILAR TO pattern as the POSIX regex `~` matches. */
function similarToRegex(pat: string, esc: string | null): string {
  const escChar = esc === null ? '\\' : esc;
  if (cps(escChar).length > 1) throw new EvalError('22019', 'invalid escape string', 'Escape string must be empty or one character.');
  let out = '^(?:';
  let inBracket = false;
  const chars = cps(pat);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (escChar !== '' && c === escChar) {
      const next = chars[++i];
      if (next === undefined) throw new EvalError('2201B', 'invalid regular expression: trailing escape');
      out += /[\^$\\.*+?()[\]{}|/-]/.test(next) ? '\\' + next : next;
      continue;
    }
    if (inBracket) {
      if (c === ']') inBracket = false;
      out += c === '\\' ? '\\\\' : c;
      continue;
    }
    switch (c) {
      case '[': inBracket = true; out += c; break;
      case '%': out += '.*'; break;
      case '_': out += '.'; break;
      case '(': out += '(?:'; break;
      case '\\': case '.': case '^': case '$': out += '\\' + c; break;
      default: out += c;
    }
  }
  return out + ')$';
}
eager('similar_to_escape', ([p, e]) => similarToRegex(str(p), e === undefined ? null : (e as string | null)), true);

/** regexp_split_to_array / regexp_split_to_table's splitting (an empty match splits between characters). */
export function regexpSplit(s: string, p: string, flags: string): string[] {
  const { re } = regexWithFlags(p, flags.replace('g', '') + 'g', 'regexp_split_to_array');
  const out: string[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (m[0] === '') {
      if (m.index >= s.length) break;
      if (m.index === last && m.index === 0) {
        re.lastIndex++;
        continue;
      }
      out.push(s.slice(last, m.index));
      last = m.index;
      re.lastIndex++;
      continue;
    }
    out.push(s.slice(last, m.index));
    last = m.index + m[0].length;
  }
  out.push(s.slice(last));
  return out;
}
eager('regexp_split_to_array', ([s, p, f]) => new PgArray(regexpSplit(str(s), str(p), f === undefined ? '' : str(f))));

/** encode(bytea, format) / decode(text, format) for hex, base64 and escape. */
eager('encode', ([b, f]) => {
  const bytes = Buffer.from(b as Uint8Array);
  switch (str(f).toLowerCase()) {
    case 'hex': return bytes.toString('hex');
    case 'base64': return (bytes.toString('base64').match(/.{1,76}/g) ?? ['']).join('\n');
    case 'escape': {
      let out = '';
      for (const x of bytes) out += x === 92 ? '\\\\' : x < 32 || x > 126 ? '\\' + x.toString(8).padStart(3, '0') : String.fromCharCode(x);
      return out;
    }
    default: throw new EvalError('22023', `unrecognized encoding: "${str(f)}"`);
  }
});
eager('decode', ([t, f]) => {
  const s = str(t);
  switch (str(f).toLowerCase()) {
    case 'hex': {
      const h = s.replace(/\s+/g, '');
      if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new EvalError('22023', h.length % 2 === 1 ? 'invalid hexadecimal data: odd number of digits' : 'invalid hexadecimal digit');
      return new Uint8Array(Buffer.from(h, 'hex'));
    }
    case 'base64': {
      const b = s.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b) || b.length % 4 === 1) throw new EvalError('22023', 'invalid base64 end sequence');
      return new Uint8Array(Buffer.from(b, 'base64'));
    }
    case 'escape': {
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (s[i] !== '\\') {
          out.push(...Buffer.from(s[i]!, 'utf8'));
          continue;
        }
        if (s[i + 1] === '\\') {
          out.push(92);
          i++;
        } else if (/^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
          out.push(parseInt(s.slice(i + 1, i + 4), 8));
          i += 3;
        } else throw new EvalError('22P02', 'invalid input syntax for type bytea');
      }
      return Uint8Array.from(out);
    }
    default: throw new EvalError('22023', `unrecognized encoding: "${str(f)}"`);
  }
});

function substrBytes(b: Uint8Array, start: number, len: number | undefined): Uint8Array {
  if (len !== undefined && len < 0) throw new EvalError('22011', 'negative substring length not allowed');
  const from = start - 1;
  const to = len === undefined ? b.length : from + len;
  return b.slice(Math.max(from, 0), Math.max(to, 0));
}
eager('substr_bytea_2', ([b, s]) => substrBytes(b as Uint8Array, s as number, undefined));
eager('substr_bytea_3', ([b, s, l]) => substrBytes(b as Uint8Array, s as number, l as number));
