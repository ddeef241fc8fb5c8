/**
 * PostgreSQL's jsonb btree order (and the equality it implies), which canonical-text order is not:
 * Object > Array > Boolean > Number > String > Null; objects with more pairs after fewer, then pair by
 * pair in storage order (keys by length, then bytes); arrays with more elements after fewer, then
 * element-wise; numbers numerically (so `1.0` = `1`); strings in code-point order (the C collation).
 *
 * The order is expressed as a sort key: a record datum that compareDatum orders exactly as
 * PostgreSQL orders the jsonb values, so planners can sort or compare by `jsonbSortKey(x)` with the
 * ordinary, type-blind machinery (ORDER BY, top-k, comparison functions) and keep x as the output.
 *
 * Grouping needs a key rather than an order: `jsonbKeyText` is the jsonb text with every number's
 * trailing fractional zeros dropped, so values equal by jsonb `=` have equal key text.
 */
import { type Datum, compareDatum } from './datum.ts';
import { JsonNumber, JsonObject, type JsonValue, jsonbToText, jsonbValue } from './jsonb.ts';

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

/** A number's numeric text without trailing fractional zeros (`1.50` → `1.5`, `-0.0` → `0`). */
function numberKey(text: string): string {
  if (!text.includes('.')) return text;
  const t = text.replace(/\.?0+$/, '');
  return t === '-0' ? '0' : t;
}

function valueKey(v: JsonValue): JsonValue {
  if (v instanceof JsonNumber) {
    const t = numberKey(v.text);
    return t === v.text ? v : new JsonNumber(t);
  }
  if (Array.isArray(v)) return v.map(valueKey);
  if (v instanceof JsonObject) return new JsonObject(v.entries.map(([k, x]) => [k, valueKey(x)] as const));
  return v;
}

/**
 * The grouping key of a jsonb datum: its text with numbers' scale normalized, equal for exactly the
 * values jsonb `=` finds equal. GROUP BY, DISTINCT and set operations group by this text and output it,
 * where PostgreSQL outputs whichever member of the group it met first (so depends on the plan).
 */
export function jsonbKeyText(d: string): string {
  // Only a number's text can hold a '.' outside strings; strings are skipped by parsing.
  if (!d.includes('.')) return d;
  return jsonbToText(valueKey(jsonbValue(d)));
}
