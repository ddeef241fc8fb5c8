/**
 * Table functions (set-returning functions) the binder knows: name + argument types → the flatMap
 * function name, coerced arguments and output columns. Their implementations live in src/expr/func
 * (and the dataflow layer's built-ins); this module makes sure the dataflow registry has each one,
 * including the WITH ORDINALITY variants.
 */
import { type MirScalarExpr, TABLE_FUNCTIONS, type TableFunctionImpl, withOrdinality } from '../../expr/index.ts';
import { hasTableFunc, lookupTableFunc, registerTableFunc } from '../../dataflow/index.ts';
import { PgArray, type ScalarType, T } from '../../repr/index.ts';
import { SqlError, SqlState } from '../../util/index.ts';
import { tryCoerce } from './coerce.ts';
import type { ExprContext } from './context.ts';

export interface BoundTableFunc {
  readonly func: string;
  readonly exprs: readonly MirScalarExpr[];
  readonly types: readonly ScalarType[];
  readonly names: readonly string[];
}

const TABLE_FUNC_NAMES = new Set([
  'generate_series', 'generate_subscripts', 'regexp_matches', 'regexp_split_to_table', 'json_array_elements', 'json_array_elements_text',
  'json_each', 'json_each_text', 'json_object_keys', 'unnest', '_pg_expandarray', 'jsonb_array_elements', 'jsonb_array_elements_text', 'jsonb_each', 'jsonb_each_text', 'jsonb_object_keys',
]);

export function isTableFuncName(name: string): boolean {
  return TABLE_FUNC_NAMES.has(name);
}

for (const [name, f] of TABLE_FUNCTIONS) if (!hasTableFunc(name)) registerTableFunc(name, f);
for (const name of ['generate_series_int4', 'generate_series_int8', 'unnest_array', ...TABLE_FUNCTIONS.keys()]) {
  const ord = `${name}_ordinality`;
  if (!hasTableFunc(ord)) registerTableFunc(ord, withOrdinality((args) => lookupTableFunc(name)(args) as ReturnType<TableFunctionImpl>));
}

// information_schema._pg_expandarray(array): (x, n) per element, n counting from 1 (pgjdbc's key-column queries).
if (!hasTableFunc('pg_expandarray')) registerTableFunc('pg_expandarray', (args) => (args[0] instanceof PgArray ? args[0].elems.map((x, i) => [x, i + 1]) : []));

const noFunc = (name: string, args: readonly MirScalarExpr[]): SqlError => new SqlError(
  SqlState.undefinedFunction, `function ${name}(${args.map((a) => a.type.name).join(', ')}) does not exist`,
  { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' },
);

/** Binds a table function call, or undefined when `name` is not one. */
export function bindTableFunc(name: string, args: readonly MirScalarExpr[], cx: ExprContext): BoundTableFunc | undefined {
  const st = cx.qc.st;
  const to = (e: MirScalarExpr, t: ScalarType): MirScalarExpr | undefined => tryCoerce(e, t, 'implicit', st);
  const all = (t: ScalarType): MirScalarExpr[] | undefined => {
    const out = args.map((a) => to(a, t));
    return out.every((x) => x !== undefined) ? (out as MirScalarExpr[]) : undefined;
  };
  switch (name) {
    case 'generate_series': {
      if (args.length < 2 || args.length > 3) throw noFunc(name, args);
      const kinds = args.map((a) => a.type.name);
      if (kinds.slice(0, 2).some((k) => k === 'timestamp' || k === 'timestamptz' || k === 'date')) {
        const ts = kinds.includes('timestamptz') || kinds.includes('date') ? T.timestamptz : T.timestamp;
        const [a, b] = [to(args[0]!, ts), to(args[1]!, ts)];
        const step = args[2] === undefined ? undefined : to(args[2], T.interval);
        if (a === undefined || b === undefined || step === undefined) throw noFunc(name, args);
        return { func: `generate_series_${ts.name}`, exprs: [a, b, step], types: [ts], names: [name] };
      }
      if (kinds.some((k) => k === 'numeric' || k === 'float4' || k === 'float8')) throw noFunc(name, args);
      const i4 = kinds.every((k) => k === 'int4' || k === 'int2' || k === 'unknown') ? all(T.int4) : undefined;
      if (i4 !== undefined) return { func: 'generate_series_int4', exprs: i4, types: [T.int4], names: [name] };
      const i8 = all(T.int8);
      if (i8 === undefined) throw noFunc(name, args);
      return { func: 'generate_series_int8', exprs: i8, types: [T.int8], names: [name] };
    }
    case 'unnest': {
      const a = args[0];
      if (args.length !== 1 || a === undefined) throw noFunc(name, args);
      if (a.type.name !== 'array' || a.type.elem === undefined) {
        if (a.type.name === 'unknown') throw new SqlError('42725', 'function unnest(unknown) is not unique');
        throw noFunc(name, args);
      }
      return { func: 'unnest_array', exprs: [a], types: [a.type.elem], names: [name] };
    }
    case 'generate_subscripts': {
      const a = args[0];
      if (args.length < 2 || args.length > 3 || a === undefined || a.type.name !== 'array') throw noFunc(name, args);
      const dim = to(args[1]!, T.int4);
      const rev = args[2] === undefined ? undefined : to(args[2], T.bool);
      if (dim === undefined || (args[2] !== undefined && rev === undefined)) throw noFunc(name, args);
      return { func: 'generate_subscripts', exprs: rev === undefined ? [a, dim] : [a, dim, rev], types: [T.int4], names: [name] };
    }
    case 'json_array_elements': case 'json_array_elements_text': case 'json_each': case 'json_each_text': case 'json_object_keys': {
      const a = args.length === 1 ? to(args[0]!, T.json) : undefined;
      if (a === undefined) throw noFunc(name, args);
      const text = name.endsWith('_text') || name === 'json_object_keys';
      if (name.startsWith('json_each')) return { func: name, exprs: [a], types: [T.text, text ? T.text : T.json], names: ['key', 'value'] };
      return { func: name, exprs: [a], types: [text ? T.text : T.json], names: [name === 'json_object_keys' ? name : 'value'] };
    }
    case 'regexp_split_to_table': {
      const a = args.length === 2 || args.length === 3 ? all(T.text) : undefined;
      if (a === undefined) throw noFunc(name, args);
      return { func: 'regexp_split_to_table', exprs: a, types: [T.text], names: [name] };
    }
    case 'regexp_matches': {
      const a = args.length === 2 || args.length === 3 ? all(T.text) : undefined;
      if (a === undefined) throw noFunc(name, args);
      return { func: 'regexp_matches', exprs: a, types: [{ name: 'array', elem: T.text }], names: [name] };
    }
    case '_pg_expandarray': {
      const a = args[0];
      if (args.length !== 1 || a === undefined || a.type.name !== 'array' || a.type.elem === undefined) throw noFunc(name, args);
      return { func: 'pg_expandarray', exprs: [a], types: [a.type.elem, T.int4], names: ['x', 'n'] };
    }
    case 'jsonb_array_elements': case 'jsonb_array_elements_text': case 'jsonb_each': case 'jsonb_each_text': case 'jsonb_object_keys': {
      const a = args.length === 1 ? to(args[0]!, T.jsonb) : undefined;
      if (a === undefined) throw noFunc(name, args);
      const text = name.endsWith('_text') || name === 'jsonb_object_keys';
      if (name.startsWith('jsonb_each')) return { func: name, exprs: [a], types: [T.text, text ? T.text : T.jsonb], names: ['key', 'value'] };
      return { func: name, exprs: [a], types: [text ? T.text : T.jsonb], names: [name === 'jsonb_object_keys' ? name : 'value'] };
    }
    default: return undefined;
  }
}
