/**
 * Functions whose signature the overload tables cannot express: arguments of any type (to_jsonb,
 * jsonb_build_object, format, ...) and polymorphic array functions (anyarray, anyelement), whose
 * result or element type follows the arguments. Each binds already-bound arguments to a registry call.
 */
import { type MirScalarExpr, lit } from '../../expr/index.ts';
import { type ScalarType, T, arrayOf, typeName } from '../../repr/index.ts';
import { SqlError, SqlState } from '../../util/index.ts';
import { commonType, coerceExplicit, isUnknown, tryCoerce } from './coerce.ts';
import { isStringType } from './types.ts';
import type { ExprContext } from './context.ts';
import { mkCall } from './fold.ts';

const noFunc = (name: string, args: readonly MirScalarExpr[]): SqlError => new SqlError(
  SqlState.undefinedFunction, `function ${name}(${args.map((a) => typeName(a.type)).join(', ')}) does not exist`,
  { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' },
);

/** An argument as its output text (concat, concat_ws, format): like a cast to text, except bool prints t/f and character(n) keeps its padding. */
export function outputText(a: MirScalarExpr, cx: ExprContext): MirScalarExpr {
  if (a.type.name === 'bool') return mkCall('bool_out', [a], T.text);
  if (a.type.name === 'bpchar') return mkCall('identity', [a], T.text);
  return isStringType(a.type) || isUnknown(a) ? tryCoerce(a, T.text, 'implicit', cx.qc.st)! : coerceExplicit(a, T.text, cx.qc.st);
}

/** The any-typed functions' leading argument: the SQL types of the rest (func/jsonb.ts reads it). */
function typesLit(args: readonly MirScalarExpr[]): MirScalarExpr {
  return lit(JSON.stringify(args.map((a) => a.type)), T.text);
}

const NAMES = new Set([
  'to_jsonb', 'to_json', 'row_to_json', 'jsonb_build_object', 'jsonb_build_array', 'json_build_object', 'json_build_array',
  'array_length', 'array_lower', 'array_upper', 'cardinality', 'array_ndims', 'array_dims', 'array_position', 'array_positions',
  'array_append', 'array_prepend', 'array_cat', 'array_replace', 'array_to_string', 'format',
]);
export const isSpecialFuncName = (name: string): boolean => NAMES.has(name);

/** Binds `name(args)` if it is one of these functions; undefined otherwise. */
export function bindSpecialFunc(name: string, rawArgs: readonly MirScalarExpr[], cx: ExprContext): MirScalarExpr | undefined {
  const st = cx.qc.st;
  const textIfUnknown = (a: MirScalarExpr): MirScalarExpr => (isUnknown(a) ? tryCoerce(a, T.text, 'implicit', st)! : a);
  const int = (a: MirScalarExpr | undefined): MirScalarExpr => {
    const c = a === undefined ? undefined : tryCoerce(a, T.int4, 'implicit', st);
    if (c === undefined) throw noFunc(name, rawArgs);
    return c;
  };
  const anyArray = (a: MirScalarExpr | undefined): MirScalarExpr => {
    if (a === undefined || a.type.name !== 'array') {
      if (a !== undefined && isUnknown(a)) throw new SqlError('42804', `could not determine polymorphic type because input has type unknown`);
      throw noFunc(name, rawArgs);
    }
    return a;
  };
  const args = rawArgs;
  switch (name) {
    case 'to_jsonb': case 'to_json': case 'row_to_json': {
      if (args.length !== 1) return undefined;
      const a = textIfUnknown(args[0]!);
      if (name === 'row_to_json' && a.type.name !== 'record') throw noFunc(name, args);
      return mkCall(name === 'to_jsonb' ? 'to_jsonb' : 'to_json', [typesLit([a]), a], name === 'to_jsonb' ? T.jsonb : T.json);
    }
    case 'jsonb_build_object': case 'jsonb_build_array': case 'json_build_object': case 'json_build_array': {
      const as = args.map(textIfUnknown);
      return mkCall(name, [typesLit(as), ...as], name.startsWith('jsonb') ? T.jsonb : T.json);
    }
    case 'array_length': case 'array_lower': case 'array_upper': {
      if (args.length !== 2) throw noFunc(name, args);
      return mkCall(name, [anyArray(args[0]), int(args[1])], T.int4);
    }
    case 'cardinality': case 'array_ndims': {
      if (args.length !== 1) throw noFunc(name, args);
      return mkCall(name, [anyArray(args[0])], T.int4);
    }
    case 'array_dims': {
      if (args.length !== 1) throw noFunc(name, args);
      return mkCall(name, [anyArray(args[0])], T.text);
    }
    case 'array_position': case 'array_positions': {
      if (args.length < 2 || args.length > (name === 'array_position' ? 3 : 2)) throw noFunc(name, args);
      const a = anyArray(args[0]);
      const v = tryCoerce(args[1]!, a.type.elem ?? T.text, 'implicit', st);
      if (v === undefined) throw noFunc(name, args);
      const rest = args.length === 3 ? [int(args[2])] : [];
      return mkCall(name, [a, v, ...rest], name === 'array_position' ? T.int4 : arrayOf(T.int4));
    }
    case 'array_append': case 'array_prepend': {
      if (args.length !== 2) throw noFunc(name, args);
      const a = anyArray(name === 'array_append' ? args[0] : args[1]);
      const v = tryCoerce(name === 'array_append' ? args[1]! : args[0]!, a.type.elem ?? T.text, 'implicit', st);
      if (v === undefined) throw noFunc(name, args);
      return mkCall(name, name === 'array_append' ? [a, v] : [v, a], a.type);
    }
    case 'array_cat': {
      if (args.length !== 2) throw noFunc(name, args);
      const known = args.filter((a) => !isUnknown(a));
      if (known.length === 0 || known.some((a) => a.type.name !== 'array')) throw noFunc(name, args);
      const type = commonType(args.map((a) => a.type), 'array_cat');
      return mkCall('array_concat', args.map((a) => tryCoerce(a, type, 'implicit', st)!), type);
    }
    case 'array_replace': {
      if (args.length !== 3) throw noFunc(name, args);
      const a = anyArray(args[0]);
      const elem = a.type.elem ?? T.text;
      const [f, t] = [tryCoerce(args[1]!, elem, 'implicit', st), tryCoerce(args[2]!, elem, 'implicit', st)];
      if (f === undefined || t === undefined) throw noFunc(name, args);
      return mkCall(name, [a, f, t], a.type);
    }
    case 'array_to_string': {
      if (args.length < 2 || args.length > 3) throw noFunc(name, args);
      const a = anyArray(args[0]);
      const rest = args.slice(1).map((x) => tryCoerce(x, T.text, 'implicit', st));
      if (rest.some((x) => x === undefined)) throw noFunc(name, args);
      return mkCall('array_to_string', [a, rest[0]!, rest[1] ?? lit(null, T.text), lit(a.type.elem?.name ?? 'text', T.text)], T.text);
    }
    case 'format': {
      if (args.length === 0) throw noFunc(name, args);
      const fmt = tryCoerce(args[0]!, T.text, 'implicit', st);
      if (fmt === undefined) throw noFunc(name, args);
      const rest = args.slice(1).map((a) => outputText(a, cx));
      return mkCall('format', [fmt, ...rest], T.text);
    }
    default: return undefined;
  }
}

export type { ScalarType };
