/**
 * Upstream types and values: which PostgreSQL type OIDs a source ingests as which Tributary scalar
 * type, and the decoding of their text form (pgoutput and COPY both carry text) into Datums. Scalars
 * go through repr's parseText; arrays, int2vector and "char" are decoded here. Range types have no
 * Tributary type yet and are ingested as their canonical text.
 */
import { type Datum, PgArray, type ScalarType, arrayOf, parseText, scalar, typeFromOid, T } from '../../../repr/index.ts';

/** Range types (int4range, numrange, tsrange, tstzrange, daterange, int8range): kept as text. */
const RANGE_OIDS = new Set([3904, 3906, 3908, 3910, 3912, 3926]);
/** Arrays of the range types. */
const RANGE_ARRAY_OIDS = new Set([3905, 3907, 3909, 3911, 3913, 3927]);
const INT2VECTOR = 22;
/** Scalar types a PostgreSQL source supports (materialize-surface.md §2), by Tributary name. */
const SUPPORTED = new Set<string>([
  'bool', 'bpchar', 'bytea', 'char', 'date', 'float4', 'float8', 'int2', 'int4', 'int8', 'interval', 'json', 'jsonb',
  'numeric', 'oid', 'text', 'time', 'timestamp', 'timestamptz', 'uuid', 'varchar',
]);

/**
 * The Tributary type for an upstream column, or undefined when a source cannot ingest it (the user
 * must name it in TEXT COLUMNS or EXCLUDE COLUMNS). `typmod` is kept for numeric/varchar/bpchar.
 */
export function sourceTypeForOid(oid: number, typmod: number): ScalarType | undefined {
  if (RANGE_OIDS.has(oid)) return T.text;
  if (RANGE_ARRAY_OIDS.has(oid)) return arrayOf(T.text);
  if (oid === INT2VECTOR) return arrayOf(T.int2);
  const t = typeFromOid(oid);
  if (t === undefined) return undefined;
  const base = t.name === 'array' ? t.elem : t;
  if (base === undefined || !SUPPORTED.has(base.name)) return undefined;
  if (t.name !== 'array' && typmod >= 0 && (t.name === 'numeric' || t.name === 'varchar' || t.name === 'bpchar')) {
    return { name: t.name, typmod };
  }
  return t;
}

/** Decodes a value's text form for a column of Tributary type `type` (whose upstream OID was `oid`). */
export type ValueDecoder = (text: string) => Datum;

export function decoderFor(type: ScalarType, oid: number): ValueDecoder {
  if (oid === INT2VECTOR) return decodeInt2Vector;
  switch (type.name) {
    case 'array': {
      const elem = type.elem ?? T.text;
      const decodeElem = decoderFor(elem, 0);
      return (text) => parseArrayText(text, decodeElem);
    }
    case 'char':
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'json':
    case 'jsonb':
      return identity;
    default:
      return (text) => parseText(text, type);
  }
}

const identity: ValueDecoder = (text) => text;

function decodeInt2Vector(text: string): Datum {
  const parts = text.trim() === '' ? [] : text.trim().split(/\s+/);
  return new PgArray(parts.map((p) => parseText(p, scalar('int2'))));
}

/**
 * PostgreSQL's array text form: optional `[lo:hi]...=` bounds, `{...}` nesting, `NULL`, double
 * quotes with backslash escapes, comma delimiters (every supported element type uses ',').
 */
export function parseArrayText(text: string, decodeElem: ValueDecoder): PgArray {
  let i = 0;
  const s = text;
  let lowers: number[] | undefined;
  if (s[0] === '[') {
    lowers = [];
    while (s[i] === '[') {
      const close = s.indexOf(']', i);
      const m = /^\[(-?\d+):(-?\d+)\]$/.exec(s.slice(i, close + 1));
      if (m === null) throw new Error(`malformed array literal: "${text}"`);
      lowers.push(Number(m[1]));
      i = close + 1;
    }
    if (s[i] !== '=') throw new Error(`malformed array literal: "${text}"`);
    i++;
  }
  const elems: Datum[] = [];
  const lengths: number[] = [];
  const parseLevel = (depth: number): void => {
    if (s[i] !== '{') throw new Error(`malformed array literal: "${text}"`);
    i++;
    let count = 0;
    if (s[i] === '}') {
      i++;
      if (lengths[depth] === undefined) lengths[depth] = 0;
      return;
    }
    for (;;) {
      if (s[i] === '{') {
        parseLevel(depth + 1);
      } else if (s[i] === '"') {
        i++;
        let v = '';
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\') i++;
          v += s[i];
          i++;
        }
        i++; // closing quote
        elems.push(decodeElem(v));
      } else {
        let j = i;
        while (j < s.length && s[j] !== ',' && s[j] !== '}') j++;
        const raw = s.slice(i, j);
        i = j;
        elems.push(raw === 'NULL' ? null : decodeElem(raw));
      }
      count++;
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '}') {
        i++;
        break;
      }
      throw new Error(`malformed array literal: "${text}"`);
    }
    const known = lengths[depth];
    if (known !== undefined && known !== count) throw new Error(`malformed array literal: "${text}" (ragged dimensions)`);
    lengths[depth] = count;
  };
  parseLevel(0);
  if (elems.length === 0) return new PgArray([], []);
  const dims = lengths.map((length, d) => ({ length, lower: lowers?.[d] ?? 1 }));
  return new PgArray(elems, dims);
}

/**
 * Splits one line of COPY's text format into fields: tab-delimited, `\N` is NULL, backslash escapes
 * (\b \f \n \r \t \v \\, octal \ooo and hex \xhh). Returns raw strings (null for NULL).
 */
export function splitCopyLine(line: string, out: (string | null)[]): number {
  let n = 0;
  let start = 0;
  const len = line.length;
  for (;;) {
    let end = line.indexOf('\t', start);
    if (end < 0) end = len;
    const field = line.slice(start, end);
    if (field === '\\N') out[n++] = null;
    else out[n++] = field.includes('\\') ? unescapeCopy(field) : field;
    if (end === len) break;
    start = end + 1;
  }
  return n;
}

function unescapeCopy(f: string): string {
  let out = '';
  for (let i = 0; i < f.length; i++) {
    const c = f[i]!;
    if (c !== '\\' || i + 1 >= f.length) {
      out += c;
      continue;
    }
    const d = f[++i]!;
    switch (d) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(f.slice(i + 1));
        if (m === null) out += 'x';
        else {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        }
        break;
      }
      default:
        if (d >= '0' && d <= '7') {
          const m = /^[0-7]{1,3}/.exec(f.slice(i))!;
          out += String.fromCharCode(parseInt(m[0], 8));
          i += m[0].length - 1;
        } else {
          out += d;
        }
    }
  }
  return out;
}
