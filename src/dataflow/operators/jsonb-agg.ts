/**
 * jsonb_agg and jsonb_object_agg output: SQL values converted as PostgreSQL's to_jsonb does, and
 * assembled as canonical jsonb text (src/repr/datum.ts: a jsonb datum is its canonical text, keys
 * ordered by length then bytes, ", " and ": " separators, a later duplicate key wins).
 */
import { EvalError, datumToJson } from '../../expr/index.ts';
import { type Datum, Numeric, type ScalarType, T, canonicalJsonb, compareJsonbKeys, formatText, jsonbValue } from '../../repr/index.ts';

/** to_jsonb(d) as canonical text (the conversion lives with the jsonb functions in src/expr/func/jsonb.ts). */
export function datumToJsonb(d: Datum, type: ScalarType): string {
  return canonicalJsonb(datumToJson(d, type));
}

/** A jsonb object from (key, jsonb text) pairs in input order; a later duplicate key wins. */
export function jsonbObject(pairs: readonly (readonly [string, string])[]): string {
  const m = new Map<string, string>();
  for (const [k, v] of pairs) m.set(k, v);
  const keys = [...m.keys()].sort(compareJsonbKeys);
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${m.get(k)!}`).join(', ')}}`;
}

/** jsonb_agg over values in aggregation order (NULL inputs become JSON null). */
export function jsonbAgg(values: readonly Datum[], type: ScalarType): string | null {
  if (values.length === 0) return null;
  return `[${values.map((v) => datumToJsonb(v, type)).join(', ')}]`;
}

/** jsonb_object_agg over [key, value] records in aggregation order; a NULL key is an error. */
export function jsonbObjectAgg(records: readonly Datum[], type: ScalarType): string | null {
  if (records.length === 0) return null;
  const [kt, vt] = [type.fields?.[0]?.type ?? T.text, type.fields?.[1]?.type ?? T.text];
  const pairs: [string, string][] = [];
  for (const r of records) {
    const [k, v] = r as readonly Datum[];
    if (k === null || k === undefined) throw new EvalError('22004', 'field name must not be null');
    pairs.push([kt.name === 'jsonb' || kt.name === 'json' ? keyOfJson(k as string) : (k instanceof Numeric ? k.toString() : formatText(k, kt)!), datumToJsonb(v ?? null, vt)]);
  }
  return jsonbObject(pairs);
}

/** A jsonb key argument is used as its text (strings unquoted). */
function keyOfJson(text: string): string {
  const v = jsonbValue(text);
  return typeof v === 'string' ? v : text;
}


