/**
 * Catalog and client-compatibility functions (format_type, quote_ident, pg_size_pretty, array_to_string,
 * ...), and the lookup primitives that catalog-dependent functions are bound to: the adapter's binder
 * (src/adapter/builtins/functions.ts) resolves e.g. `pg_get_indexdef(oid)` to `catalog_lookup(oid, keys,
 * values)` with the catalog's answers as literal arrays, so evaluation stays a pure function of the row.
 */
import { type Datum, PgArray, type ScalarTypeName, datumKey, formatText, scalar, typeFromOid, typeName } from '../../repr/index.ts';
import { eager, lookupFunc } from '../func.ts';

/** Per literal key array: key → position (the arrays are the same objects for every row of a query). */
const indexCache = new WeakMap<PgArray, Map<string, number>>();

function keyOf(d: Datum): string {
  return typeof d === 'string' ? `s${d}` : `n${String(d)}`;
}

function positions(keys: PgArray): Map<string, number> {
  let m = indexCache.get(keys);
  if (m === undefined) {
    m = new Map();
    keys.elems.forEach((k, i) => m!.set(keyOf(k), i));
    indexCache.set(keys, m);
  }
  return m;
}

/** catalog_lookup(key, keys, values): the value at key's position in keys, or NULL. */
eager('catalog_lookup', ([key, keys, values]) => {
  const i = positions(keys as PgArray).get(keyOf(key!));
  return i === undefined ? null : (values as PgArray).elems[i] ?? null;
});

/** catalog_lookup2(k1, k2, keys, values): like catalog_lookup with the composite text key `k1:k2`. */
eager('catalog_lookup2', ([k1, k2, keys, values]) => {
  const i = positions(keys as PgArray).get(keyOf(`${String(k1)}:${String(k2)}`));
  return i === undefined ? null : (values as PgArray).elems[i] ?? null;
});

/** catalog_contains(key, keys): whether key is among keys. */
eager('catalog_contains', ([key, keys]) => positions(keys as PgArray).has(keyOf(key!)));

/** Marks a value as having been cast to a reg* type (identity; the binder prints names for it). */
for (const t of ['regclass', 'regtype', 'regproc', 'regnamespace', 'regrole']) eager(`as_${t}`, ([v]) => v!);

/** Returns its first argument (pg_get_expr: expressions are stored as their SQL text). */
eager('first_arg', ([v]) => v!);

/** Extra type names format_type knows beyond Tributary's scalar types. */
const EXTRA_TYPE_NAMES: Readonly<Record<number, string>> = {
  22: 'int2vector', 30: 'oidvector', 705: 'unknown', 2249: 'record', 2287: 'record[]', 1006: 'int2vector[]', 1013: 'oidvector[]',
};

/** format_type(type_oid, typmod): the SQL name of a type, with its modifier. */
eager('format_type', ([oid, typmod]) => {
  if (oid === null) return null;
  const t = typeFromOid(oid as number);
  if (t === undefined) return EXTRA_TYPE_NAMES[oid as number] ?? '???';
  const mod = typmod === null || typmod === undefined ? -1 : (typmod as number);
  if (t.name === 'array') return `${typeName(t.elem!.name === 'array' ? t.elem! : { name: t.elem!.name, typmod: mod })}[]`;
  if (t.name === 'char') return '"char"';
  return typeName(mod >= 0 ? { name: t.name, typmod: mod } : t);
}, false);

const RESERVED = new Set([
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'both', 'case', 'cast', 'check', 'collate', 'column',
  'constraint', 'create', 'current_catalog', 'current_date', 'current_role', 'current_time', 'current_timestamp', 'current_user',
  'default', 'deferrable', 'desc', 'distinct', 'do', 'else', 'end', 'except', 'false', 'fetch', 'for', 'foreign', 'from', 'grant',
  'group', 'having', 'in', 'initially', 'intersect', 'into', 'lateral', 'leading', 'limit', 'localtime', 'localtimestamp', 'not',
  'null', 'offset', 'on', 'only', 'or', 'order', 'placing', 'primary', 'references', 'returning', 'select', 'session_user', 'some',
  'symmetric', 'table', 'then', 'to', 'trailing', 'true', 'union', 'unique', 'user', 'using', 'variadic', 'when', 'where', 'window', 'with',
]);

/** PostgreSQL's quote_ident: quotes unless the name is a lower-case identifier and not a reserved word. */
export function quoteIdent(s: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(s) && !RESERVED.has(s)) return s;
  return `"${s.replace(/"/g, '""')}"`;
}

eager('quote_ident', ([s]) => quoteIdent(s as string));

/** pg_encoding_to_char(6) = 'UTF8' (the only encoding); other numbers have no name. */
eager('pg_encoding_to_char', ([n]) => (n === 6 ? 'UTF8' : n === 0 ? 'SQL_ASCII' : ''));

/** pg_size_pretty(bigint): bytes, kB, MB, GB, TB with PostgreSQL's rounding (half up, 10240 thresholds). */
eager('pg_size_pretty', ([n]) => {
  let size = n as bigint;
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  const abs = (v: bigint): bigint => (v < 0n ? -v : v);
  if (abs(size) < 10n * 1024n) return `${size} bytes`;
  let i = 0;
  // PostgreSQL halves with rounding at each step after the first shift.
  size = size / 512n;
  i = 1;
  while (abs(size) >= 20n * 1024n - 1n && i < units.length - 1) {
    size = size / 1024n;
    i++;
  }
  const rounded = (size + (size < 0n ? -1n : 1n)) / 2n;
  return `${rounded} ${units[i]}`;
});

/** array_to_string(array, delimiter, null_string, element_type_name). */
eager('array_to_string', ([a, delim, nullStr, elemType]) => {
  if (a === null || delim === null) return null;
  const elem = scalar(elemType as ScalarTypeName);
  const parts: string[] = [];
  for (const e of (a as PgArray).elems) {
    if (e === null) {
      if (nullStr !== null) parts.push(nullStr as string);
    } else {
      parts.push(formatText(e, elem) ?? '');
    }
  }
  return parts.join(delim as string);
}, false);

/** array_remove(array, value): the array without the elements equal to value. */
eager('array_remove', ([a, v]) => {
  if (a === null) return null;
  const arr = a as PgArray;
  const kept = arr.elems.filter((e) => !(e === v || (e !== null && v !== null && datumKey(e) === datumKey(v!))));
  return new PgArray(kept);
}, false);

/** array_cat(a, b): one-dimensional concatenation (NULL arrays count as empty). */
eager('array_cat', ([a, b]) => {
  if (a === null) return b ?? null;
  if (b === null) return a ?? null;
  return new PgArray([...(a as PgArray).elems, ...(b as PgArray).elems]);
}, false);

/** array_any(x, array, func) / array_all: `x op ANY/ALL (array)` with op's registry function, three-valued. */
for (const all of [false, true]) {
  eager(all ? 'array_all' : 'array_any', ([x, a, fname], _type, ctx) => {
    if (a === null) return null;
    const f = lookupFunc(fname as string);
    if (f.kind !== 'eager') throw new Error(`internal error: ${String(fname)} is not an eager function`);
    let sawNull = false;
    for (const e of (a as PgArray).elems) {
      const r = x === null || e === null ? (f.strict ? null : f.eval([x ?? null, e], scalar('bool'), ctx)) : f.eval([x!, e], scalar('bool'), ctx);
      if (r === null) sawNull = true;
      else if (r === !all) return !all;
    }
    return sawNull ? null : all;
  }, false);
}
