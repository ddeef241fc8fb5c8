/**
 * Table functions for flatMap: each maps argument datums to the rows it appends to the input row.
 * A registry so the SQL layer can add more (jsonb_each, regexp_matches, ...) without touching the
 * operator. Functions may throw EvalError.
 */
import { EvalError } from '../../expr/index.ts';
import { type Datum, type Row, PgArray } from '../../repr/index.ts';
import { SqlState } from '../../util/index.ts';

export type TableFunction = (args: readonly Datum[]) => Row[];

const tableFuncs = new Map<string, TableFunction>();

export function registerTableFunc(name: string, f: TableFunction): void {
  if (tableFuncs.has(name)) throw new Error(`internal error: table function ${name} registered twice`);
  tableFuncs.set(name, f);
}

export function lookupTableFunc(name: string): TableFunction {
  const f = tableFuncs.get(name);
  if (f === undefined) throw new EvalError(SqlState.featureNotSupported, `table function ${name} not yet supported`);
  return f;
}

export function hasTableFunc(name: string): boolean {
  return tableFuncs.has(name);
}

function seriesInt(args: readonly Datum[], big: boolean): Row[] {
  const [start, stop, step = big ? 1n : 1] = args;
  if (start === null || stop === null || step === null || start === undefined || stop === undefined) return [];
  const out: Row[] = [];
  if (big) {
    const s = BigInt(step as bigint | number);
    if (s === 0n) throw new EvalError(SqlState.invalidParameterValue, 'step size cannot equal zero');
    for (let v = BigInt(start as bigint | number); s > 0n ? v <= BigInt(stop as bigint | number) : v >= BigInt(stop as bigint | number); v += s) out.push([v]);
  } else {
    const s = Number(step);
    if (s === 0) throw new EvalError(SqlState.invalidParameterValue, 'step size cannot equal zero');
    for (let v = Number(start); s > 0 ? v <= Number(stop) : v >= Number(stop); v += s) out.push([v]);
  }
  return out;
}

registerTableFunc('generate_series_int4', (args) => seriesInt(args, false));
registerTableFunc('generate_series_int8', (args) => seriesInt(args, true));
registerTableFunc('unnest_array', (args) => {
  const a = args[0];
  if (a === null || a === undefined) return [];
  if (!(a instanceof PgArray)) throw new EvalError(SqlState.datatypeMismatch, 'unnest: argument is not an array');
  return a.elems.map((e) => [e]);
});
