/**
 * Table functions (the row generators of flatMap): generate_series over integers and timestamps,
 * unnest, and the jsonb expanders. Plain functions from argument datums to appended rows; the dataflow
 * layer's table-function registry serves them to flatMap (sql/plan registers any it lacks).
 */
import { type Datum, Interval, type JsonValue, JsonObject, PgArray, type Row, jsonSpans, jsonbToText, jsonbValue, parseJson } from '../../repr/index.ts';
import { lookupFunc } from '../func.ts';
import { EvalError, SqlState, asEval } from './util.ts';
import { evalWindow } from './window.ts';
import { regexpMatches, regexpSplit } from './strings.ts';

export type TableFunctionImpl = (args: readonly Datum[]) => Row[];

const zeroStep = (): EvalError => new EvalError(SqlState.invalidParameterValue, 'step size cannot equal zero');

function seriesTimestamp(args: readonly Datum[], kind: 'timestamp' | 'timestamptz'): Row[] {
  const [start, stop, step] = args;
  if (start === null || stop === null || step === null || start === undefined || stop === undefined || step === undefined) return [];
  const iv = step as Interval;
  if (iv.months === 0 && iv.days === 0 && iv.micros === 0n) throw zeroStep();
  const add = lookupFunc(`add_${kind}_interval`);
  if (add.kind !== 'eager') throw new Error('internal error: timestamp addition is lazy');
  // The sign of a mixed interval follows PostgreSQL: compare start + step with start.
  const first = add.eval([start, iv], { name: kind }, {}) as bigint;
  const up = first > (start as bigint);
  const out: Row[] = [];
  let v = start as bigint;
  for (let n = 0; up ? v <= (stop as bigint) : v >= (stop as bigint); n++) {
    out.push([v]);
    if (n > 10_000_000) throw new EvalError(SqlState.programLimitExceeded, 'generate_series: too many rows');
    v = add.eval([v, iv], { name: kind }, {}) as bigint;
  }
  return out;
}

const parse = (d: Datum): JsonValue => asEval(() => jsonbValue(d as string));
const asText = (v: JsonValue): Datum => (v === null ? null : typeof v === 'string' ? v : jsonbToText(v));

function arrayElems(d: Datum): JsonValue[] {
  const v = parse(d);
  if (!Array.isArray(v)) throw new EvalError(SqlState.invalidParameterValue, `cannot extract elements from ${v instanceof JsonObject ? 'an object' : 'a scalar'}`);
  return v;
}

function objectEntries(d: Datum, fn: string): (readonly [string, JsonValue])[] {
  const v = parse(d);
  if (!(v instanceof JsonObject)) throw new EvalError(SqlState.invalidParameterValue, `cannot call ${fn} on a${Array.isArray(v) ? 'n array' : ' scalar'}`);
  return [...v.entries];
}

function jsonArrayItems(d: Datum): string[] {
  const s = asEval(() => jsonSpans(d as string));
  if (s.kind !== 'array') throw new EvalError(SqlState.invalidParameterValue, `cannot call json_array_elements on a${s.kind === 'object' ? ' non-array' : ' scalar'}`);
  return [...s.items];
}
function jsonEntries(d: Datum, fn: string): (readonly [string, string])[] {
  const s = asEval(() => jsonSpans(d as string));
  if (s.kind !== 'object') throw new EvalError(SqlState.invalidParameterValue, `cannot call ${fn} on a${s.kind === 'array' ? 'n array' : ' scalar'}`);
  return [...s.entries];
}
/** A json value's text as the _text variants return it: strings unquoted, null as SQL NULL. */
function jsonText(raw: string): Datum {
  const v = asEval(() => parseJson(raw, 'json'));
  return v === null ? null : typeof v === 'string' ? v : raw;
}

const strict = (f: TableFunctionImpl): TableFunctionImpl => (args) => (args.some((a) => a === null) ? [] : f(args));

export const TABLE_FUNCTIONS: ReadonlyMap<string, TableFunctionImpl> = new Map<string, TableFunctionImpl>([
  ['generate_series_timestamp', (args) => seriesTimestamp(args, 'timestamp')],
  ['generate_series_timestamptz', (args) => seriesTimestamp(args, 'timestamptz')],
  ['jsonb_array_elements', strict(([d]) => arrayElems(d!).map((e) => [jsonbToText(e)]))],
  ['jsonb_array_elements_text', strict(([d]) => arrayElems(d!).map((e) => [asText(e)]))],
  ['jsonb_each', strict(([d]) => objectEntries(d!, 'jsonb_each').map(([k, v]) => [k, jsonbToText(v)]))],
  ['jsonb_each_text', strict(([d]) => objectEntries(d!, 'jsonb_each_text').map(([k, v]) => [k, asText(v)]))],
  ['window_eval', ([arr, spec]) => evalWindow(arr ?? null, spec ?? null)],
  // json (not jsonb): values as written in the source text.
  ['json_array_elements', strict(([d]) => jsonArrayItems(d!).map((t) => [t]))],
  ['json_array_elements_text', strict(([d]) => jsonArrayItems(d!).map((t) => [jsonText(t)]))],
  ['json_each', strict(([d]) => jsonEntries(d!, 'json_each').map(([k, t]) => [k, t]))],
  ['json_each_text', strict(([d]) => jsonEntries(d!, 'json_each_text').map(([k, t]) => [k, jsonText(t)]))],
  ['json_object_keys', strict(([d]) => jsonEntries(d!, 'json_object_keys').map(([k]) => [k]))],
  ['generate_subscripts', ([a, dim, rev]) => {
    if (a === null || a === undefined || dim === null || dim === undefined) return [];
    const d = (a as PgArray).dims[(dim as number) - 1];
    if (d === undefined) return [];
    const out: Row[] = [];
    for (let i = 0; i < d.length; i++) out.push([d.lower + i]);
    return rev === true ? out.reverse() : out;
  }],
  ['regexp_split_to_table', strict(([s, p, f]) => regexpSplit(s as string, p as string, (f as string | undefined) ?? '').map((x) => [x]))],
  ['regexp_matches', strict(([s, p, f]) => regexpMatches(s as string, p as string, (f as string | undefined) ?? '').map((m) => [m]))],
  ['jsonb_object_keys', strict(([d]) => objectEntries(d!, 'jsonb_object_keys').map(([k]) => [k]))],
]);

/** `f WITH ORDINALITY`: each produced row numbered from 1 (bigint). */
export function withOrdinality(f: TableFunctionImpl): TableFunctionImpl {
  return (args) => f(args).map((r, i) => [...r, BigInt(i + 1)]);
}

export { Interval, PgArray };
