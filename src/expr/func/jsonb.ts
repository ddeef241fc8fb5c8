/**
 * jsonb operators and functions: `->`, `->>`, `#>`, `#>>`, `@>`, `<@`, `?`, `?|`, `?&`, `||`, `-`, `#-`,
 * to_jsonb, jsonb_build_object/array, json_build_object/array, jsonb_typeof, jsonb_array_length,
 * jsonb_strip_nulls, jsonb_pretty, jsonb_extract_path(_text), jsonb_set, and casts out of jsonb.
 *
 * Functions over SQL values of any type (to_jsonb, the builders) get the argument types as a leading
 * text literal (`sqlTypesArg`), since evaluation sees datums, not types.
 */
import {
  type Datum, type JsonValue, JsonNumber, JsonObject, Numeric, PgArray, type ScalarType, T, canonicalJsonb, formatFloat, formatText,
  jsonBuildObjectText, jsonTypeof, jsonbPretty, jsonbToText, jsonbValue, jsonContains, parseJson, toJsonbValue,
  type JsonSpan, jsonSpans, compareJsonb, jsonbSortKey, jsonbKeyText,
} from '../../repr/index.ts';
import { eager } from '../func.ts';
import { EvalError, SqlState, asEval, checkI2, checkI4, checkI8 } from './util.ts';

const jv = (d: Datum | undefined): JsonValue => asEval(() => jsonbValue(d as string));
const out = (v: JsonValue | undefined): Datum => (v === undefined ? null : jsonbToText(v));
const paramError = (msg: string): EvalError => new EvalError(SqlState.invalidParameterValue, msg);

/** The text a `->>`-style operator returns: strings unquoted, JSON null as SQL NULL. */
export function jsonAsText(v: JsonValue | undefined): Datum {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return jsonbToText(v);
}

function field(v: JsonValue, key: string): JsonValue | undefined {
  return v instanceof JsonObject ? v.get(key) : undefined;
}
function element(v: JsonValue, idx: number): JsonValue | undefined {
  if (v instanceof JsonObject) return undefined;
  // PostgreSQL stores a top-level scalar as a one-element array, and subscripts reach it.
  if (!Array.isArray(v)) return idx === 0 || idx === -1 ? v : undefined;
  const i = idx < 0 ? v.length + idx : idx;
  return v[i];
}
function path(v: JsonValue, p: PgArray): JsonValue | undefined {
  let cur: JsonValue | undefined = v;
  for (const k of p.elems) {
    if (cur === undefined || k === null) return undefined;
    if (Array.isArray(cur)) {
      const s = String(k);
      if (!/^\s*[+-]?\d+\s*$/.test(s)) return undefined;
      cur = element(cur, Number(s));
    } else cur = field(cur, String(k));
  }
  return cur;
}

eager('jsonb_field', ([j, k]) => out(field(jv(j), k as string)));
eager('jsonb_field_text', ([j, k]) => jsonAsText(field(jv(j), k as string)));
eager('jsonb_elem', ([j, i]) => out(element(jv(j), i as number)));
eager('jsonb_subscript_elem', ([j, i]) => {
  const v = jv(j);
  return Array.isArray(v) ? out(element(v, i as number)) : null;
});
/** j['k']: an object's field, or (for an array) the element the text names as an integer. */
eager('jsonb_subscript_text', ([j, k]) => {
  const v = jv(j);
  if (v instanceof JsonObject) return out(v.get(k as string));
  if (!Array.isArray(v)) return null;
  const s = (k as string).trim();
  if (!/^[+-]?\d+$/.test(s)) return null;
  return out(element(v, Number(s)));
});
eager('jsonb_elem_text', ([j, i]) => jsonAsText(element(jv(j), i as number)));
eager('jsonb_path', ([j, p]) => out(path(jv(j), p as PgArray)));
eager('jsonb_path_text', ([j, p]) => jsonAsText(path(jv(j), p as PgArray)));
eager('jsonb_path_variadic', ([j, ...ks]) => out(path(jv(j), new PgArray(ks))));
eager('jsonb_path_text_variadic', ([j, ...ks]) => jsonAsText(path(jv(j), new PgArray(ks))));
// jsonb's btree order (numbers numerically, kinds and sizes before contents), not canonical-text order.
eager('jsonb_eq', ([a, b]) => compareJsonb(a as string, b as string) === 0);
eager('jsonb_neq', ([a, b]) => compareJsonb(a as string, b as string) !== 0);
eager('jsonb_lt', ([a, b]) => compareJsonb(a as string, b as string) < 0);
eager('jsonb_lte', ([a, b]) => compareJsonb(a as string, b as string) <= 0);
eager('jsonb_gt', ([a, b]) => compareJsonb(a as string, b as string) > 0);
eager('jsonb_gte', ([a, b]) => compareJsonb(a as string, b as string) >= 0);
function jsonbExtreme(args: Datum[], sign: number): Datum {
  let best: Datum = null;
  for (const a of args) if (a !== null && (best === null || compareJsonb(a as string, best as string) * sign > 0)) best = a;
  return best;
}
eager('jsonb_greatest', (args) => jsonbExtreme(args, 1), false);
eager('jsonb_least', (args) => jsonbExtreme(args, -1), false);
eager('jsonb_nullif', ([a, b]) => (a !== null && b !== null && compareJsonb(a as string, b as string) === 0 ? null : a!), false);
// Sort keys: values that compareDatum orders as PostgreSQL orders jsonb (ORDER BY, array comparison).
eager('jsonb_sort_key', ([a]) => asEval(() => jsonbSortKey(a as string)));
// Grouping keys: jsonb with numbers' scale normalized, equal exactly when jsonb `=` is (GROUP BY, DISTINCT).
eager('jsonb_group_key', ([a]) => asEval(() => jsonbKeyText(a as string)));
eager('jsonb_array_group_key', ([a]) => {
  const arr = a as PgArray;
  return new PgArray(arr.elems.map((e) => (e === null ? null : asEval(() => jsonbKeyText(e as string)))), arr.dims);
});
eager('jsonb_array_sort_key', ([a]) => {
  const arr = a as PgArray;
  return new PgArray(arr.elems.map((e) => (e === null ? null : asEval(() => jsonbSortKey(e as string)))), arr.dims);
});
eager('jsonb_contains', ([a, b]) => jsonContains(jv(a), jv(b)));
eager('jsonb_contained', ([a, b]) => jsonContains(jv(b), jv(a)));

function hasKey(v: JsonValue, k: string): boolean {
  if (v instanceof JsonObject) return v.get(k) !== undefined;
  if (Array.isArray(v)) return v.some((e) => e === k);
  return v === k;
}
eager('jsonb_exists', ([j, k]) => hasKey(jv(j), k as string));
eager('jsonb_exists_any', ([j, ks]) => {
  const v = jv(j);
  return (ks as PgArray).elems.some((k) => k !== null && hasKey(v, k as string));
});
eager('jsonb_exists_all', ([j, ks]) => {
  const v = jv(j);
  return (ks as PgArray).elems.every((k) => k === null || hasKey(v, k as string));
});

function concat(a: JsonValue, b: JsonValue): JsonValue {
  if (a instanceof JsonObject && b instanceof JsonObject) return new JsonObject([...a.entries, ...b.entries]);
  const la = Array.isArray(a) ? a : [a];
  const lb = Array.isArray(b) ? b : [b];
  return [...la, ...lb];
}
eager('jsonb_concat', ([a, b]) => canonicalJsonb(concat(jv(a), jv(b))));

eager('jsonb_delete_key', ([j, k]) => {
  const v = jv(j);
  if (v instanceof JsonObject) return out(new JsonObject(v.entries.filter(([x]) => x !== k)));
  if (Array.isArray(v)) return out(v.filter((e) => e !== k));
  throw paramError('cannot delete from scalar');
});
eager('jsonb_delete_keys', ([j, ks]) => {
  const v = jv(j);
  const set = new Set((ks as PgArray).elems.filter((k) => k !== null) as string[]);
  if (v instanceof JsonObject) return out(new JsonObject(v.entries.filter(([x]) => !set.has(x))));
  if (Array.isArray(v)) return out(v.filter((e) => typeof e !== 'string' || !set.has(e)));
  throw paramError('cannot delete from scalar');
});
eager('jsonb_delete_index', ([j, i]) => {
  const v = jv(j);
  if (v instanceof JsonObject) throw paramError('cannot delete from object using integer index');
  if (!Array.isArray(v)) throw paramError('cannot delete from scalar');
  const n = i as number;
  const idx = n < 0 ? v.length + n : n;
  return out(v.filter((_e, k) => k !== idx));
});

function deletePath(v: JsonValue, p: readonly Datum[]): JsonValue {
  if (p.length === 0) return v;
  const [k, ...rest] = p;
  if (k === null || k === undefined) throw paramError('path element at position 1 is null');
  if (v instanceof JsonObject) {
    const key = String(k);
    if (rest.length === 0) return new JsonObject(v.entries.filter(([x]) => x !== key));
    return new JsonObject(v.entries.map(([x, e]) => [x, x === key ? deletePath(e, rest) : e] as const));
  }
  if (Array.isArray(v)) {
    const s = String(k);
    if (!/^\s*[+-]?\d+\s*$/.test(s)) throw paramError(`path element at position 1 is not an integer: "${s}"`);
    const n = Number(s);
    const idx = n < 0 ? v.length + n : n;
    if (rest.length === 0) return v.filter((_e, i) => i !== idx);
    return v.map((e, i) => (i === idx ? deletePath(e, rest) : e));
  }
  throw paramError('cannot delete path in scalar');
}
eager('jsonb_delete_path', ([j, p]) => out(deletePath(jv(j), (p as PgArray).elems)));

function setPath(v: JsonValue, p: readonly Datum[], nv: JsonValue, create: boolean): JsonValue {
  if (p.length === 0) return nv;
  const [k, ...rest] = p;
  if (k === null || k === undefined) throw paramError('path element at position 1 is null');
  if (v instanceof JsonObject) {
    const key = String(k);
    const cur = v.get(key);
    if (cur === undefined) {
      if (rest.length === 0 && create) return new JsonObject([...v.entries, [key, nv]]);
      return v;
    }
    return new JsonObject(v.entries.map(([x, e]) => [x, x === key ? setPath(e, rest, nv, create) : e] as const));
  }
  if (Array.isArray(v)) {
    const s = String(k);
    if (!/^\s*[+-]?\d+\s*$/.test(s)) throw paramError(`path element at position 1 is not an integer: "${s}"`);
    const n = Number(s);
    const idx = n < 0 ? v.length + n : n;
    if (idx < 0 || idx >= v.length) {
      if (rest.length > 0 || !create) return v;
      return idx < 0 ? [nv, ...v] : [...v, nv];
    }
    return v.map((e, i) => (i === idx ? setPath(e, rest, nv, create) : e));
  }
  throw paramError('cannot set path in scalar');
}
eager('jsonb_set', ([j, p, nv, c]) => {
  if (j === null || p === null || nv === null) return null;
  return canonicalJsonb(setPath(jv(j), (p as PgArray).elems, jv(nv), c !== false));
}, false);

eager('jsonb_typeof', ([j]) => jsonTypeof(jv(j)));
eager('jsonb_array_length', ([j]) => {
  const v = jv(j);
  if (Array.isArray(v)) return v.length;
  throw paramError(v instanceof JsonObject ? 'cannot get array length of a non-array' : 'cannot get array length of a scalar');
});
function stripNulls(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v instanceof JsonObject) return new JsonObject(v.entries.filter(([, e]) => e !== null).map(([k, e]) => [k, stripNulls(e)] as const));
  return v;
}
eager('jsonb_strip_nulls', ([j]) => out(stripNulls(jv(j))));
eager('jsonb_pretty', ([j]) => jsonbPretty(jv(j)));

// Casts out of jsonb (PostgreSQL 11+): only from a JSON scalar of the matching kind.
function scalarOf(d: Datum, kind: 'number' | 'boolean', target: string): JsonValue {
  const v = jv(d);
  const k = jsonTypeof(v);
  if (k !== kind) {
    const shown = k === 'object' ? 'object' : k === 'array' ? 'array' : k === 'string' ? 'string' : k === 'null' ? 'null' : k === 'boolean' ? 'boolean' : 'numeric';
    throw new EvalError(SqlState.invalidParameterValue, `cannot cast jsonb ${shown} to type ${target}`);
  }
  return v;
}
const jsonNumeric = (d: Datum, target: string): Numeric => (scalarOf(d, 'number', target) as JsonNumber).toNumeric();
const roundToInt = (n: Numeric): bigint => n.withScale(0).coef;
eager('cast_jsonb_to_numeric', ([d]) => jsonNumeric(d!, 'numeric'));
eager('cast_jsonb_to_int2', ([d]) => checkI2(Number(roundToInt(jsonNumeric(d!, 'smallint')))));
eager('cast_jsonb_to_int4', ([d]) => {
  const r = roundToInt(jsonNumeric(d!, 'integer'));
  if (r > 2147483647n || r < -2147483648n) throw new EvalError(SqlState.numericValueOutOfRange, 'integer out of range');
  return checkI4(Number(r));
});
eager('cast_jsonb_to_int8', ([d]) => checkI8(roundToInt(jsonNumeric(d!, 'bigint'))));
eager('cast_jsonb_to_float8', ([d]) => jsonNumeric(d!, 'double precision').toNumber());
eager('cast_jsonb_to_float4', ([d]) => Math.fround(jsonNumeric(d!, 'real').toNumber()));
eager('cast_jsonb_to_bool', ([d]) => scalarOf(d!, 'boolean', 'boolean') as boolean);

/** A type list passed to the any-typed functions as their first argument. */
export function sqlTypesArg(types: readonly ScalarType[]): string {
  return JSON.stringify(types);
}
const typeCache = new Map<string, ScalarType[]>();
function typesOf(d: Datum | undefined): ScalarType[] {
  const s = d as string;
  let t = typeCache.get(s);
  if (t === undefined) {
    t = JSON.parse(s) as ScalarType[];
    if (typeCache.size > 1000) typeCache.clear();
    typeCache.set(s, t);
  }
  return t;
}

const isoish = (d: Datum, type: ScalarType): string => {
  const s = formatText(d, type)!;
  if (type.name === 'timestamp') return s.replace(' ', 'T');
  if (type.name === 'timestamptz') return s.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  return s;
};

/** to_jsonb: a SQL value as a JSON value, as PostgreSQL converts it. */
export function datumToJson(d: Datum, type: ScalarType): JsonValue {
  if (d === null) return null;
  switch (type.name) {
    case 'jsonb': return jsonbValue(d as string);
    case 'json': return parseJson(d as string, 'json');
    case 'bool': return d as boolean;
    case 'int2': case 'int4': case 'int8': case 'oid': return new JsonNumber(String(d));
    case 'float4': case 'float8': {
      const x = d as number;
      const s = formatFloat(x, type.name === 'float4');
      return Number.isFinite(x) ? new JsonNumber(s) : s;
    }
    case 'numeric': {
      const n = d as Numeric;
      return n.isSpecial() ? n.toString() : new JsonNumber(n.toString());
    }
    case 'date': case 'time': case 'timestamp': case 'timestamptz': return isoish(d, type);
    case 'array': {
      const a = d as PgArray;
      const elem = type.elem ?? T.text;
      if (a.dims.length <= 1) return a.elems.map((e) => datumToJson(e, elem));
      let i = 0;
      const rec = (dim: number): JsonValue[] => {
        const items: JsonValue[] = [];
        for (let k = 0; k < a.dims[dim]!.length; k++) items.push(dim + 1 < a.dims.length ? rec(dim + 1) : datumToJson(a.elems[i++] ?? null, elem));
        return items;
      };
      return rec(0);
    }
    case 'record': {
      const fields = type.fields ?? [];
      return new JsonObject((d as readonly Datum[]).map((v, i) => [fields[i]?.name ?? `f${i + 1}`, datumToJson(v, fields[i]?.type ?? T.text)] as const));
    }
    default: return d instanceof Numeric ? d.toString() : formatText(d, type) ?? '';
  }
}

/** Text of a builder key: any non-NULL scalar by its output function. */
function keyText(d: Datum, type: ScalarType, pos: number): string {
  if (d === null) throw new EvalError(SqlState.invalidParameterValue, `argument ${pos}: key must not be null`);
  if (type.name === 'array' || type.name === 'record' || type.name === 'json' || type.name === 'jsonb') {
    throw new EvalError(SqlState.invalidParameterValue, 'key value must be scalar, not array, composite, or json');
  }
  return d instanceof Numeric ? d.toString() : formatText(d, type) ?? '';
}

function pairsOf(args: Datum[], fn: string): [string, JsonValue][] {
  const types = typesOf(args[0]);
  const vals = args.slice(1);
  if (vals.length % 2 !== 0) throw new EvalError(SqlState.invalidParameterValue, 'argument list must have even number of elements');
  const pairs: [string, JsonValue][] = [];
  for (let i = 0; i < vals.length; i += 2) pairs.push([keyText(vals[i]!, types[i]!, i + 1), datumToJson(vals[i + 1]!, types[i + 1]!)]);
  return pairs;
}

eager('to_jsonb', ([t, d]) => canonicalJsonb(datumToJson(d!, typesOf(t)[0]!)), true);
eager('to_json', ([t, d]) => jsonText(datumToJson(d!, typesOf(t)[0]!)), true);
eager('jsonb_build_object', (args) => canonicalJsonb(new JsonObject(pairsOf(args, 'jsonb_build_object'))), false);
eager('jsonb_build_array', (args) => {
  const types = typesOf(args[0]);
  return canonicalJsonb(args.slice(1).map((d, i) => datumToJson(d, types[i]!)));
}, false);
eager('json_build_object', (args) => jsonBuildObjectText(pairsOf(args, 'json_build_object').map(([k, v]) => [k, jsonText(v)])), false);
eager('json_build_array', (args) => {
  const types = typesOf(args[0]);
  return `[${args.slice(1).map((d, i) => jsonText(datumToJson(d, types[i]!))).join(', ')}]`;
}, false);

/** json (not jsonb) text of a built value: arrays `[1,2]` without spaces inside converted SQL arrays, as PostgreSQL. */
function jsonText(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v instanceof JsonObject) return `{${v.entries.map(([k, e]) => `${JSON.stringify(k)}:${jsonText(e)}`).join(',')}}`;
  return jsonbToText(v);
}

export { toJsonbValue };

// json (not jsonb): the same accessors over the text as written.
const spans = (d: Datum | undefined): JsonSpan => asEval(() => jsonSpans(d as string));
function jsonField(d: Datum | undefined, key: string): string | undefined {
  const s = spans(d);
  if (s.kind !== 'object') return undefined;
  // json keeps duplicate keys; PostgreSQL's json operators return the last one.
  return s.entries.findLast(([k]) => k === key)?.[1];
}
function jsonElem(d: Datum | undefined, idx: number): string | undefined {
  const s = spans(d);
  if (s.kind !== 'array') return undefined;
  return s.items[idx < 0 ? s.items.length + idx : idx];
}
function jsonPath(d: Datum | undefined, p: PgArray): string | undefined {
  let cur: string | undefined = d as string;
  for (const k of p.elems) {
    if (cur === undefined || k === null) return undefined;
    const s = spans(cur);
    if (s.kind === 'array') {
      const t = String(k);
      if (!/^\s*[+-]?\d+\s*$/.test(t)) return undefined;
      cur = jsonElem(cur, Number(t));
    } else cur = jsonField(cur, String(k));
  }
  return cur;
}
/** A json sub-value's text as `->>` returns it: strings unquoted, null as SQL NULL. */
function jsonRawAsText(raw: string | undefined): Datum {
  if (raw === undefined) return null;
  const v = asEval(() => parseJson(raw, 'json'));
  if (v === null) return null;
  return typeof v === 'string' ? v : raw;
}
eager('json_field', ([j, k]) => jsonField(j, k as string) ?? null);
eager('json_field_text', ([j, k]) => jsonRawAsText(jsonField(j, k as string)));
eager('json_elem', ([j, i]) => jsonElem(j, i as number) ?? null);
eager('json_elem_text', ([j, i]) => jsonRawAsText(jsonElem(j, i as number)));
eager('json_path', ([j, p]) => jsonPath(j, p as PgArray) ?? null);
eager('json_path_text', ([j, p]) => jsonRawAsText(jsonPath(j, p as PgArray)));
eager('json_typeof', ([j]) => jsonTypeof(asEval(() => parseJson(j as string, 'json'))));
eager('json_array_length', ([j]) => {
  const s = spans(j);
  if (s.kind === 'array') return s.items.length;
  throw paramError(s.kind === 'object' ? 'cannot get array length of a non-array' : 'cannot get array length of a scalar');
});
