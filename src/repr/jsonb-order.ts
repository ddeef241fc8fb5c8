/**
 * PostgreSQL's jsonb btree order (and the equality it implies), which canonical-text order is not:
 * Object > Array > Boolean > Number > String > Null; objects with more pairs after fewer, then pair by
 * pair in storage order (keys by length, then bytes); arrays with more elements after fewer, then
 * element-wise; numbers numerically (so `1.0` = `1`); strings in code-point order (the C collation).
 *
 * The order is expressed as a sort key: a record datum that compareDatum orders exactly as
 * PostgreSQL orders the jsonb values, so planners can sort or compare by `jsonbSortKey(x)` with the
 * ordinary, type-blind machinery (ORDER BY, top-k, comparison functions) and keep x as the output.
 */
import { type Datum, compareDatum } from './datum.ts';
import { JsonNumber, type JsonValue, jsonbValue } from './jsonb.ts';

// PostgreSQL's JsonbValue type tags order the kinds when they differ.
const NULL = 0;
const STRING = 1;
const NUMBER = 2;
const BOOL = 3;
const ARRAY = 16;
const OBJECT = 17;

function nestedKey(v: JsonValue): Datum[] {
  if (v === null) return [NULL];
  if (typeof v === 'boolean') return [BOOL, v];
  if (typeof v === 'string') return [STRING, v];
  if (v instanceof JsonNumber) return [NUMBER, v.toNumeric()];
  if (Array.isArray(v)) return [ARRAY, v.length, 1, ...v.map(nestedKey)];
  const key: Datum[] = [OBJECT, v.entries.length];
  for (const [k, x] of v.entries) key.push(k, nestedKey(x));
  return key;
}

/**
 * Sort key of a jsonb datum (canonical text). A top-level scalar is, as in jsonb storage, a one-element
 * "raw scalar" array: it sorts after `[]`, before any one-element array (the raw flag 0 < 1) and before
 * longer arrays, which is what PostgreSQL does (the documented kind order holds only for nested values).
 */
export function jsonbSortKey(d: string): Datum[] {
  const v = jsonbValue(d);
  if (v === null || typeof v !== 'object' || v instanceof JsonNumber) return [ARRAY, 1, 0, nestedKey(v)];
  return nestedKey(v);
}

/** PostgreSQL's jsonb comparison of two jsonb datums (negative, 0, positive). */
export function compareJsonb(a: string, b: string): number {
  if (a === b) return 0;
  return compareDatum(jsonbSortKey(a), jsonbSortKey(b));
}
