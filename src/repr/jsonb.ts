/**
 * JSON values as PostgreSQL's json and jsonb types see them: a parser that keeps numbers exact (as
 * numeric text, the way jsonb stores them), jsonb's canonical text (object keys unique, ordered by
 * byte length then bytes; ", " and ": " separators), json_build_object's text, jsonb_pretty, and the
 * structural operations (containment, equality) the jsonb operators need.
 *
 * A jsonb datum is its canonical text (datum.ts), so equal documents are equal strings; a json datum
 * is the input text as given (validated).
 */
import { SqlError, SqlState } from '../util/index.ts';
import { Numeric } from './datum.ts';

/** A JSON number, kept as PostgreSQL numeric text (`1e2` → `100`, `1.50` stays `1.50`). */
export class JsonNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toNumeric(): Numeric {
    return Numeric.fromString(this.text)!;
  }
}

/** A JSON object: entries in order (canonical order for jsonb values, insertion order for json). */
export class JsonObject {
  readonly entries: readonly (readonly [string, JsonValue])[];
  constructor(entries: readonly (readonly [string, JsonValue])[]) {
    this.entries = entries;
  }
  get(key: string): JsonValue | undefined {
    // Later duplicates win, as in jsonb.
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]![0] === key) return this.entries[i]![1];
    return undefined;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

export function jsonTypeof(v: JsonValue): 'null' | 'boolean' | 'string' | 'number' | 'array' | 'object' {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (v instanceof JsonNumber) return 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function syntaxError(typeName: string, _text: string, detail: string): SqlError {
  // PostgreSQL names json in the message for jsonb input too.
  void typeName;
  return new SqlError(SqlState.invalidTextRepresentation, 'invalid input syntax for type json', { detail });
}

/** Parses JSON text (RFC 8259, as PostgreSQL accepts it). Throws 22P02 with PostgreSQL's wording. */
export function parseJson(text: string, typeName: 'json' | 'jsonb' = 'jsonb'): JsonValue {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const tokenAt = (): string => {
    const m = /^(?:[A-Za-z0-9_.+-]+|.)/su.exec(text.slice(i));
    return m === null ? '' : m[0];
  };
  const fail = (): never => {
    if (i >= n) throw syntaxError(typeName, text, 'The input string ended unexpectedly.');
    throw syntaxError(typeName, text, `Token "${tokenAt()}" is invalid.`);
  };
  const expect = (what: string): never => {
    if (i >= n) throw syntaxError(typeName, text, 'The input string ended unexpectedly.');
    throw syntaxError(typeName, text, `Expected ${what}, but found "${tokenAt()}".`);
  };
  const parseString = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) throw syntaxError(typeName, text, 'The input string ended unexpectedly.');
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 32) throw syntaxError(typeName, text, `Character with value 0x${c.toString(16).padStart(2, '0')} must be escaped.`);
      if (c !== 92) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw syntaxError(typeName, text, '"\\u" must be followed by four hexadecimal digits.');
          const code = parseInt(hex, 16);
          if (code === 0 && typeName === 'jsonb') throw new SqlError('22P05', 'unsupported Unicode escape sequence', { detail: '\\u0000 cannot be converted to text.' });
          out += String.fromCharCode(code);
          i += 4;
          break;
        }
        default:
          throw syntaxError(typeName, text, `Escape sequence "\\${e ?? ''}" is invalid.`);
      }
      start = i;
    }
  };
  const parseValue = (depth: number): JsonValue => {
    if (depth > 6400) throw new SqlError('54001', 'stack depth limit exceeded');
    ws();
    if (i >= n) fail();
    const c = text[i]!;
    if (c === '{') {
      i++;
      ws();
      const entries: [string, JsonValue][] = [];
      if (text[i] === '}') {
        i++;
        return new JsonObject(entries);
      }
      for (;;) {
        ws();
        if (text[i] !== '"') expect('string');
        const k = parseString();
        ws();
        if (text[i] !== ':') expect('":"');
        i++;
        entries.push([k, parseValue(depth + 1)]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return new JsonObject(entries);
        }
        expect('"," or "}"');
      }
    }
    if (c === '[') {
      i++;
      ws();
      const items: JsonValue[] = [];
      if (text[i] === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return items;
        }
        expect('"," or "]"');
      }
    }
    if (c === '"') return parseString();
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 2048));
    if (m !== null && m[0] !== '-') {
      const after = text[i + m[0].length];
      if (after === undefined || !/[A-Za-z0-9_.]/.test(after)) {
        i += m[0].length;
        return new JsonNumber(Numeric.fromString(m[0])!.toString());
      }
    }
    const word = /^[A-Za-z0-9_.+-]+/.exec(text.slice(i))?.[0];
    if (word === 'true' || word === 'false' || word === 'null') {
      i += word.length;
      return word === 'null' ? null : word === 'true';
    }
    return fail();
  };
  const v = parseValue(0);
  ws();
  if (i < n) fail();
  return v;
}

/** PostgreSQL's jsonb key order: shorter (in UTF-8 bytes) first, then bytewise. */
export function compareJsonbKeys(a: string, b: string): number {
  if (a === b) return 0;
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length - bb.length || Buffer.compare(ba, bb);
}

/** The jsonb form of a value: object keys unique (the last duplicate wins) and in jsonb's order, recursively. */
export function toJsonbValue(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(toJsonbValue);
  if (v instanceof JsonObject) {
    const m = new Map<string, JsonValue>();
    for (const [k, x] of v.entries) m.set(k, toJsonbValue(x));
    const keys = [...m.keys()].sort(compareJsonbKeys);
    return new JsonObject(keys.map((k) => [k, m.get(k)!]));
  }
  return v;
}

function quoteJsonString(s: string): string {
  // JSON.stringify escapes exactly what PostgreSQL's escape_json does (", \, control characters).
  return JSON.stringify(s);
}

/** jsonb text of a value already in jsonb form (see toJsonbValue). */
export function jsonbToText(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return quoteJsonString(v);
  if (v instanceof JsonNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(jsonbToText).join(', ')}]`;
  return `{${v.entries.map(([k, x]) => `${quoteJsonString(k)}: ${jsonbToText(x)}`).join(', ')}}`;
}

/** Canonical jsonb text of any JSON value. */
export function canonicalJsonb(v: JsonValue): string {
  return jsonbToText(toJsonbValue(v));
}

/** Parses and canonicalizes jsonb input text. */
export function parseJsonb(text: string): string {
  return canonicalJsonb(parseJson(text, 'jsonb'));
}

/** Parses a stored jsonb datum (canonical text). */
export function jsonbValue(d: string): JsonValue {
  return parseJson(d, 'jsonb');
}

/** json_build_object / json_build_array text: `{"a" : 1, "b" : [1,2]}` (values keep their own text). */
export function jsonBuildObjectText(pairs: readonly (readonly [string, string])[]): string {
  return `{${pairs.map(([k, v]) => `${quoteJsonString(k)} : ${v}`).join(', ')}}`;
}

/** jsonb_pretty: four-space indentation, PostgreSQL's layout (empty containers open and close on separate lines). */
export function jsonbPretty(v: JsonValue): string {
  const rec = (x: JsonValue, indent: string): string => {
    if (Array.isArray(x)) {
      const inner = indent + '    ';
      return `[\n${x.map((e) => inner + rec(e, inner)).join(',\n')}${x.length > 0 ? '\n' : ''}${indent}]`;
    }
    if (x instanceof JsonObject) {
      const inner = indent + '    ';
      return `{\n${x.entries.map(([k, e]) => `${inner}${quoteJsonString(k)}: ${rec(e, inner)}`).join(',\n')}${x.entries.length > 0 ? '\n' : ''}${indent}}`;
    }
    return jsonbToText(x);
  };
  return rec(v, '');
}

/** Structural equality of jsonb values (numbers by value: 1.0 = 1). */
export function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  if (a === null || typeof a === 'boolean' || typeof a === 'string') return a === b;
  if (a instanceof JsonNumber) return b instanceof JsonNumber && a.toNumeric().compare(b.toNumeric()) === 0;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEquals(x, b[i]!));
  if (!(b instanceof JsonObject) || a.entries.length !== b.entries.length) return false;
  return a.entries.every(([k, x]) => {
    const y = b.get(k);
    return y !== undefined && jsonEquals(x, y);
  });
}

/** `a @> b`: PostgreSQL's jsonb containment. */
export function jsonContains(a: JsonValue, b: JsonValue, top = true): boolean {
  if (Array.isArray(a)) {
    if (Array.isArray(b)) return b.every((y) => a.some((x) => (isContainer(y) ? isContainer(x) && sameKind(x, y) && jsonContains(x, y, false) : jsonEquals(x, y))));
    // A top-level array contains a scalar it has as an element.
    if (top && !isContainer(b)) return a.some((x) => !isContainer(x) && jsonEquals(x, b));
    return false;
  }
  if (a instanceof JsonObject) {
    if (!(b instanceof JsonObject)) return false;
    return b.entries.every(([k, y]) => {
      const x = a.get(k);
      if (x === undefined) return false;
      return isContainer(y) ? isContainer(x) && sameKind(x, y) && jsonContains(x, y, false) : jsonEquals(x, y);
    });
  }
  return !isContainer(b) && jsonEquals(a, b);
}

function isContainer(v: JsonValue): v is JsonValue[] | JsonObject {
  return Array.isArray(v) || v instanceof JsonObject;
}
function sameKind(a: JsonValue, b: JsonValue): boolean {
  return Array.isArray(a) === Array.isArray(b);
}

/**
 * A json (not jsonb) document's top-level structure as source-text spans: json operators return the
 * text of a sub-value exactly as written, whitespace and duplicate keys included.
 */
export type JsonSpan =
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, string])[] }
  | { readonly kind: 'array'; readonly items: readonly string[] }
  | { readonly kind: 'scalar'; readonly value: JsonValue };

export function jsonSpans(text: string): JsonSpan {
  const v = parseJson(text, 'json');
  if (!(v instanceof JsonObject) && !Array.isArray(v)) return { kind: 'scalar', value: v };
  // The text is valid JSON, so a scanner that only tracks nesting and strings finds the value boundaries.
  let i = text.search(/\S/) + 1;
  const parts: string[] = [];
  const keys: string[] = [];
  const isObject = v instanceof JsonObject;
  const n = text.length;
  const skipWs = (): void => {
    while (i < n && /\s/.test(text[i]!)) i++;
  };
  const skipString = (): void => {
    i++;
    while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
  };
  for (;;) {
    skipWs();
    if (text[i] === (isObject ? '}' : ']')) break;
    if (isObject) {
      const ks = i;
      skipString();
      keys.push(JSON.parse(text.slice(ks, i)) as string);
      skipWs();
      i++; // ':'
      skipWs();
    }
    const start = i;
    let depth = 0;
    while (i < n) {
      const c = text[i]!;
      if (c === '"') {
        skipString();
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
      i++;
    }
    parts.push(text.slice(start, i).trimEnd());
    if (text[i] === ',') i++;
  }
  if (isObject) return { kind: 'object', entries: keys.map((k, j) => [k, parts[j]!] as const) };
  return { kind: 'array', items: parts };
}
