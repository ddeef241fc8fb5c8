/**
 * jsonb_agg and jsonb_object_agg output: SQL values converted as PostgreSQL's to_jsonb does, and
 * assembled as canonical jsonb text (src/repr/datum.ts: a jsonb datum is its canonical text, keys
 * ordered by length then bytes, ", " and ": " separators, a later duplicate key wins).
 */
import { EvalError, jsonbText } from '../../expr/index.ts';
import { type Datum, Numeric, type PgArray, type ScalarType, T, formatFloat, formatText } from '../../repr/index.ts';

/** to_jsonb(d) as canonical text. */
export function datumToJsonb(d: Datum, type: ScalarType): string {
  if (d === null) return 'null';
  switch (type.name) {
    case 'jsonb': return d as string;
    case 'json': return jsonbText(JSON.parse(d as string));
    case 'bool': return d ? 'true' : 'false';
    case 'int2': case 'int4': case 'int8': return String(d);
    case 'float4': case 'float8': {
      const x = d as number;
      return Number.isFinite(x) ? formatFloat(x, type.name === 'float4') : JSON.stringify(formatFloat(x));
    }
    case 'numeric': {
      const n = d as Numeric;
      return n.special === undefined ? n.toString() : JSON.stringify(n.toString());
    }
    case 'timestamp': case 'timestamptz': {
      const s = formatText(d, type)!.replace(' ', 'T');
      return JSON.stringify(type.name === 'timestamptz' ? s.replace(/\+00$/, '+00:00') : s);
    }
    case 'array': {
      const elem = type.elem ?? T.text;
      return `[${(d as PgArray).elems.map((e) => datumToJsonb(e, elem)).join(', ')}]`;
    }
    case 'record': {
      const fields = type.fields ?? [];
      const vals = d as readonly Datum[];
      return jsonbObject(vals.map((v, i) => [fields[i]?.name ?? `f${i + 1}`, datumToJsonb(v, fields[i]?.type ?? T.text)]));
    }
    default: {
      const s = d instanceof Numeric ? d.toString() : formatText(d, type);
      return JSON.stringify(s);
    }
  }
}

/** A jsonb object from (key, jsonb text) pairs in input order; a later duplicate key wins. */
export function jsonbObject(pairs: readonly (readonly [string, string])[]): string {
  const m = new Map<string, string>();
  for (const [k, v] of pairs) m.set(k, v);
  const keys = [...m.keys()].sort((a, b) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0));
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
  const v: unknown = JSON.parse(text);
  return typeof v === 'string' ? v : text;
}


