/**
 * SQL types as the binder sees them: resolving type names, PostgreSQL's type categories and preferred
 * types, and the cast table (which casts exist and in which context: implicit, assignment, explicit).
 * Cast implementations live in the function registry under `cast_<from>_to_<to>` (src/expr/func/casts.ts);
 * every pair listed here must be registered there (a test checks it).
 */
import type { TypeName } from 'libpg-query';
import { type ScalarType, type ScalarTypeName, arrayOf, scalar, typeName } from '../../repr/index.ts';
import { SqlError, SqlState } from '../../util/index.ts';

export type CastContext = 'implicit' | 'assignment' | 'explicit';

const TYPE_ALIASES: Record<string, ScalarTypeName> = {
  bool: 'bool', boolean: 'bool',
  int2: 'int2', smallint: 'int2',
  int4: 'int4', int: 'int4', integer: 'int4',
  int8: 'int8', bigint: 'int8',
  float4: 'float4', real: 'float4',
  float8: 'float8', 'double precision': 'float8', float: 'float8',
  numeric: 'numeric', decimal: 'numeric',
  text: 'text', varchar: 'varchar', 'character varying': 'varchar', bpchar: 'bpchar', character: 'bpchar',
  name: 'name', char: 'char',
  bytea: 'bytea', date: 'date', time: 'time', 'time without time zone': 'time',
  timestamp: 'timestamp', 'timestamp without time zone': 'timestamp',
  timestamptz: 'timestamptz', 'timestamp with time zone': 'timestamptz',
  interval: 'interval', uuid: 'uuid', json: 'json', jsonb: 'jsonb',
  oid: 'oid', regclass: 'regclass', regproc: 'regproc', regtype: 'regtype', regnamespace: 'regnamespace', regrole: 'regrole',
  mz_timestamp: 'mz_timestamp',
};

/** Resolves a type by (possibly qualified) name; undefined if Tributary has no such type. */
export function typeByName(name: string): ScalarType | undefined {
  const n = TYPE_ALIASES[name.toLowerCase()];
  return n === undefined ? undefined : scalar(n);
}

function typmodInts(t: TypeName): number[] {
  return (t.typmods ?? []).map((m) => {
    if ('A_Const' in m && m.A_Const.ival !== undefined) return m.A_Const.ival.ival ?? 0;
    throw new SqlError(SqlState.syntaxError, 'type modifiers must be simple constants or identifiers');
  });
}

/** Resolves a parsed TypeName (with modifiers and array bounds). */
export function resolveTypeName(t: TypeName): ScalarType {
  const parts = (t.names ?? []).map((n) => ('String' in n ? n.String.sval ?? '' : ''));
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  const last = parts[parts.length - 1] ?? '';
  const mods = typmodInts(t);
  let base = schema !== undefined && schema !== 'pg_catalog' && schema !== 'mz_catalog' ? undefined : typeByName(last);
  if (base === undefined) throw new SqlError(SqlState.undefinedObject, `type "${parts.join('.')}" does not exist`);
  if (base.name === 'numeric' && mods.length > 0) {
    const p = mods[0]!;
    const s = mods[1] ?? 0;
    if (p < 1 || p > 1000) throw new SqlError(SqlState.invalidParameterValue, `NUMERIC precision ${p} must be between 1 and 1000`);
    if (s < 0 || s > p) throw new SqlError(SqlState.invalidParameterValue, `NUMERIC scale ${s} must be between 0 and precision ${p}`);
    base = { name: 'numeric', typmod: ((p << 16) | s) + 4 };
  } else if ((base.name === 'varchar' || base.name === 'bpchar') && mods.length > 0) {
    const n = mods[0]!;
    if (n < 1) throw new SqlError(SqlState.invalidParameterValue, `length for type ${base.name} must be at least 1`);
    base = { name: base.name, typmod: n + 4 };
  }
  if (t.arrayBounds !== undefined && t.arrayBounds.length > 0) return arrayOf(base);
  return base;
}

export type TypeCategory = 'N' | 'S' | 'B' | 'D' | 'T' | 'U' | 'A' | 'X' | 'R';

export function category(t: ScalarType): TypeCategory {
  switch (t.name) {
    case 'int2': case 'int4': case 'int8': case 'numeric': case 'float4': case 'float8': case 'oid':
    case 'regclass': case 'regproc': case 'regtype': case 'regnamespace': case 'regrole':
      return 'N';
    case 'text': case 'varchar': case 'bpchar': case 'name': case 'char': return 'S';
    case 'bool': return 'B';
    case 'date': case 'time': case 'timestamp': case 'timestamptz': return 'D';
    case 'interval': return 'T';
    case 'array': return 'A';
    case 'unknown': return 'X';
    case 'record': return 'R';
    default: return 'U';
  }
}

export function isPreferred(t: ScalarType): boolean {
  return t.name === 'float8' || t.name === 'text' || t.name === 'bool' || t.name === 'timestamptz' || t.name === 'interval' || t.name === 'oid';
}

export const STRING_TYPES: readonly ScalarTypeName[] = ['text', 'varchar', 'bpchar', 'name'];
export const isStringType = (t: ScalarType): boolean => STRING_TYPES.includes(t.name);

const NUMERIC_TOWER: readonly ScalarTypeName[] = ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'];
/** Types with a text form that `'...'::T` and `x::text` reach through I/O conversion. */
const IO_TYPES: readonly ScalarTypeName[] = [
  'bool', 'int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'bytea', 'date', 'time', 'timestamp', 'timestamptz',
  'interval', 'uuid', 'json', 'jsonb', 'oid', 'mz_timestamp', 'char',
];

const castTable = new Map<string, CastContext>();
const key = (a: ScalarTypeName, b: ScalarTypeName): string => `${a}>${b}`;
function addCast(from: ScalarTypeName, to: ScalarTypeName, ctx: CastContext): void {
  castTable.set(key(from, to), ctx);
}
for (let i = 0; i < NUMERIC_TOWER.length; i++) {
  for (let j = 0; j < NUMERIC_TOWER.length; j++) {
    if (i !== j) addCast(NUMERIC_TOWER[i]!, NUMERIC_TOWER[j]!, i < j ? 'implicit' : 'assignment');
  }
}
for (const t of ['int2', 'int4', 'int8'] as const) {
  addCast(t, 'oid', 'implicit');
  addCast('oid', t, t === 'int8' ? 'implicit' : 'assignment');
}
addCast('bool', 'int4', 'explicit');
addCast('int4', 'bool', 'explicit');
addCast('date', 'timestamp', 'implicit');
addCast('date', 'timestamptz', 'implicit');
addCast('timestamp', 'timestamptz', 'implicit');
addCast('timestamptz', 'timestamp', 'assignment');
addCast('timestamp', 'date', 'assignment');
addCast('timestamptz', 'date', 'assignment');
addCast('timestamp', 'time', 'assignment');
addCast('timestamptz', 'time', 'assignment');
addCast('time', 'interval', 'implicit');
addCast('interval', 'time', 'assignment');
addCast('json', 'jsonb', 'assignment');
addCast('jsonb', 'json', 'assignment');
for (const t of ['numeric', 'int2', 'int4', 'int8', 'float4', 'float8', 'bool'] as const) addCast('jsonb', t, 'explicit');
for (const t of ['int4', 'int8', 'numeric', 'date', 'timestamp', 'timestamptz'] as const) addCast(t, 'mz_timestamp', 'implicit');
addCast('mz_timestamp', 'timestamp', 'assignment');
addCast('mz_timestamp', 'timestamptz', 'assignment');
addCast('mz_timestamp', 'int8', 'assignment');
addCast('mz_timestamp', 'numeric', 'assignment');
for (const t of IO_TYPES) {
  addCast(t, 'text', 'assignment');
  addCast('text', t, 'explicit');
}

/** Every (from, to) pair with a registered cast function (for the registry-consistency test). */
export function allCastFuncs(): string[] {
  return [...castTable.keys()].map((k) => {
    const [a, b] = k.split('>') as [string, string];
    return `cast_${a}_to_${b}`;
  });
}

/**
 * How `from` converts to `to` in context `ctx`: 'noop' (same representation), a registry function name,
 * or undefined when no such cast exists in that context. Type modifiers are applied separately.
 */
export function findCast(from: ScalarType, to: ScalarType, ctx: CastContext): 'noop' | string | undefined {
  if (from.name === to.name && from.name !== 'array') return 'noop';
  if (from.name === 'array' && to.name === 'array') {
    if (from.elem === undefined || to.elem === undefined) return undefined;
    if (from.elem.name === to.elem.name) return 'noop';
    // Arrays convert element-wise, in the context their elements do (`array:` + the element cast).
    const e = findCast(from.elem, to.elem, ctx);
    return e === undefined ? undefined : e === 'noop' ? 'noop' : `array:${e}`;
  }
  if (from.name === 'bpchar' && to.name !== 'bpchar' && isStringType(to)) return 'cast_bpchar_to_text';
  if (isStringType(from) && isStringType(to)) return 'noop';
  const src: ScalarTypeName = isStringType(from) ? 'text' : from.name;
  const dst: ScalarTypeName = isStringType(to) ? 'text' : to.name;
  if (src === dst) return 'noop';
  // Any type converts to a string type by its output function (assignment), and back by its input (explicit).
  if (dst === 'text' && (from.name === 'array' || from.name === 'record')) return ctx === 'implicit' ? undefined : 'cast_any_to_text';
  if (src === 'text' && to.name === 'array') return ctx === 'explicit' ? 'cast_text_to_array' : undefined;
  const c = castTable.get(key(src, dst));
  if (c === undefined) return undefined;
  const rank = { implicit: 0, assignment: 1, explicit: 2 };
  return rank[c] <= rank[ctx] ? `cast_${src}_to_${dst}` : undefined;
}

export function canImplicit(from: ScalarType, to: ScalarType): boolean {
  return from.name === 'unknown' || findCast(from, to, 'implicit') !== undefined;
}

/** The registry function applying `to`'s type modifier (varchar(n), numeric(p,s)), if any. */
export function typmodFunc(to: ScalarType, ctx: CastContext): string | undefined {
  if (to.typmod === undefined || to.typmod < 4) return undefined;
  switch (to.name) {
    case 'varchar': return ctx === 'explicit' ? 'typmod_varchar_explicit' : 'typmod_varchar';
    case 'bpchar': return ctx === 'explicit' ? 'typmod_bpchar_explicit' : 'typmod_bpchar';
    case 'numeric': return 'typmod_numeric';
    default: return undefined;
  }
}

export { typeName };
