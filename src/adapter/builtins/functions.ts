/**
 * Binds the SQL functions and casts whose answers depend on the catalog or the session, for the planner
 * (PlanContext.functions): pg_table_is_visible, pg_get_indexdef, pg_get_viewdef, pg_get_userbyid,
 * current_setting, current_schemas, `'t'::regclass`, `oid::regclass::text`, ... and the client
 * compatibility functions that always give the same answer here (has_table_privilege, obj_description).
 *
 * Catalog answers are embedded in the plan as literal lookup arrays (`catalog_lookup(key, keys, values)`),
 * so evaluation stays pure; they reflect the catalog when the statement was planned. reg* types are
 * represented as `oid` (a cast to regclass yields an oid, marked with `as_regclass` so that a further
 * cast to text prints the relation's name, as PostgreSQL's regclass output does).
 */
import { type MirScalarExpr, call, lit, quoteIdent } from '../../expr/index.ts';
import { type Datum, PgArray, type ScalarType, T, arrayOf, parseText, scalar, typeFromOid, typeName } from '../../repr/index.ts';
import type { CatalogFunctions } from '../../sql/index.ts';
import { SqlError, SqlState } from '../../util/index.ts';
import type { Catalog } from '../catalog.ts';
import { CatalogModel, isVisible, tempNamespaceOid } from './model.ts';
import { ROLES } from './oids.ts';
import { constraintDef, indexDef, viewDefinition } from './pg-catalog.ts';
import { PG_PROCS, PG_TYPES, type PgProcInfo } from './pg-types.ts';
import { BUILTIN_RELATIONS } from './relations.ts';

/** What the binder needs to know about the session. */
export interface SessionFacts {
  readonly database: string;
  readonly searchPath: readonly string[];
  readonly user: string;
  readonly backendPid: number;
  /** A session variable's value (current_setting), or undefined when there is no such variable. */
  setting(name: string): string | undefined;
}

const STRING_TYPES = new Set(['text', 'varchar', 'bpchar', 'name', 'char']);
const INT_TYPES = new Set(['int2', 'int4', 'int8']);
const SERVER_START = BigInt(Date.now()) * 1000n;

/** Coerces a bound argument to `t` as a function call would (literals, int ↔ oid, string types); undefined if impossible. */
function coerce(e: MirScalarExpr, t: ScalarType): MirScalarExpr | undefined {
  if (e.type.name === t.name && t.name !== 'array') return e;
  if (e.kind === 'literal' && (e.type.name === 'unknown' || (STRING_TYPES.has(e.type.name) && !STRING_TYPES.has(t.name)))) {
    if (e.value === null) return lit(null, t);
    if (typeof e.value === 'string') {
      if (STRING_TYPES.has(t.name)) return lit(e.value, t);
      return lit(parseText(e.value, t), t);
    }
  }
  if (e.type.name === 'unknown') return e.kind === 'literal' ? lit(null, t) : undefined;
  if (STRING_TYPES.has(e.type.name) && STRING_TYPES.has(t.name)) return { ...e, type: t } as MirScalarExpr;
  if (INT_TYPES.has(e.type.name) && t.name === 'oid') return call(`cast_${e.type.name}_to_oid`, [e], T.oid);
  if (e.type.name === 'oid' && INT_TYPES.has(t.name)) return call(`cast_oid_to_${t.name}`, [e], t);
  if (INT_TYPES.has(e.type.name) && INT_TYPES.has(t.name)) return call(`cast_${e.type.name}_to_${t.name}`, [e], t);
  if (t.name === 'array' && e.type.name === 'array') return e;
  return undefined;
}

function coerceAll(args: readonly MirScalarExpr[], types: readonly ScalarType[]): MirScalarExpr[] | undefined {
  if (args.length !== types.length) return undefined;
  const out: MirScalarExpr[] = [];
  for (let i = 0; i < args.length; i++) {
    const c = coerce(args[i]!, types[i]!);
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}

function lookup(key: MirScalarExpr, keyType: ScalarType, entries: readonly (readonly [Datum, Datum])[], valueType: ScalarType): MirScalarExpr {
  return call('catalog_lookup', [
    key, lit(new PgArray(entries.map((e) => e[0])), arrayOf(keyType)), lit(new PgArray(entries.map((e) => e[1])), arrayOf(valueType)),
  ], valueType);
}

const NAME_TYPES: readonly [string, number][] = (() => {
  const out: [string, number][] = [];
  for (const t of PG_TYPES) out.push([t.name, t.oid]);
  const aliases: Record<string, string> = {
    integer: 'int4', int: 'int4', smallint: 'int2', bigint: 'int8', real: 'float4', 'double precision': 'float8', boolean: 'bool',
    'character varying': 'varchar', character: 'bpchar', 'timestamp without time zone': 'timestamp',
    'timestamp with time zone': 'timestamptz', 'time without time zone': 'time', decimal: 'numeric', '"char"': 'char',
  };
  for (const [alias, name] of Object.entries(aliases)) {
    const t = PG_TYPES.find((p) => p.name === name);
    if (t) out.push([alias, t.oid]);
  }
  return out;
})();

const ALWAYS_TRUE = new Set([
  'has_table_privilege', 'has_schema_privilege', 'has_database_privilege', 'has_column_privilege', 'has_any_column_privilege',
  'has_function_privilege', 'has_sequence_privilege', 'has_type_privilege', 'has_tablespace_privilege', 'has_language_privilege',
  'has_server_privilege', 'has_foreign_data_wrapper_privilege', 'pg_has_role', 'pg_function_is_visible', 'pg_type_is_visible',
]);
const ALWAYS_NULL_TEXT = new Set([
  'shobj_description', 'pg_get_function_result',
  'pg_get_function_arguments', 'pg_get_function_identity_arguments', 'pg_get_statisticsobjdef_columns', 'pg_get_serial_sequence',
  'pg_get_triggerdef', 'pg_get_ruledef',
]);
const ZERO_SIZE = new Set(['pg_table_size', 'pg_relation_size', 'pg_total_relation_size', 'pg_indexes_size', 'pg_database_size']);

const VOLATILITY = { i: 'IMMUTABLE', s: 'STABLE', v: 'VOLATILE' } as const;

/** pg_get_functiondef's text for a builtin function (PostgreSQL's layout: psql `\sf` prints it). */
function functionDef(p: PgProcInfo): string {
  const type = (oid: number): string => {
    const t = typeFromOid(oid);
    return t !== undefined ? typeName(t) : PG_TYPES.find((x) => x.oid === oid)?.name ?? String(oid);
  };
  return `CREATE OR REPLACE FUNCTION pg_catalog.${p.name}(${p.argTypes.map(type).join(', ')})\n RETURNS ${type(p.retType)}\n LANGUAGE internal\n`
    + ` ${VOLATILITY[p.volatility ?? 'i']} PARALLEL SAFE STRICT\nAS $function$${p.name}$function$\n`;
}

export class CatalogFunctionBinder implements CatalogFunctions {
  readonly #catalog: Catalog;
  readonly #facts: SessionFacts;
  #model: CatalogModel | undefined;

  constructor(catalog: Catalog, facts: SessionFacts) {
    this.#catalog = catalog;
    this.#facts = facts;
  }

  get #m(): CatalogModel {
    return (this.#model ??= new CatalogModel(this.#catalog, BUILTIN_RELATIONS));
  }

  bindCall(name: string, args: readonly MirScalarExpr[]): MirScalarExpr | undefined {
    const f = this.#facts;
    if (ALWAYS_TRUE.has(name)) return lit(true, T.bool);
    if (ALWAYS_NULL_TEXT.has(name)) return args.length >= 1 ? lit(null, T.text) : undefined;
    if (ZERO_SIZE.has(name)) return args.length >= 1 ? lit(0n, T.int8) : undefined;
    switch (name) {
      case 'format_type': {
        const a = coerceAll(args, [T.oid, T.int4]);
        return a && call('format_type', a, T.text);
      }
      case 'pg_get_userbyid': {
        const a = coerceAll(args, [T.oid]);
        return a && lookup(a[0]!, T.oid, ROLES.map((r) => [r.oid, r.name]), T.text);
      }
      case 'pg_table_is_visible': {
        const a = coerceAll(args, [T.oid]);
        if (a === undefined) return undefined;
        const visible = this.#m.relations().filter((o) => isVisible(o, f.database, f.searchPath, f.backendPid)).map((o) => o.oid);
        return call('catalog_contains', [a[0]!, lit(new PgArray(visible), arrayOf(T.oid))], T.bool);
      }
      case 'pg_get_expr': {
        const a = args.length === 2 ? coerceAll(args, [T.text, T.oid]) : coerceAll(args, [T.text, T.oid, T.bool]);
        return a && call('first_arg', [a[0]!], T.text);
      }
      case 'pg_get_constraintdef': {
        const a = args.length === 1 ? coerceAll(args, [T.oid]) : coerceAll(args, [T.oid, T.bool]);
        return a && lookup(a[0]!, T.oid, this.#m.constraints().map((c) => [c.oid, constraintDef(c)]), T.text);
      }
      case 'pg_get_indexdef': {
        const defs = this.#m.pgIndexes();
        if (args.length === 1) {
          const a = coerceAll(args, [T.oid]);
          return a && lookup(a[0]!, T.oid, defs.map((i) => [i.object.oid, indexDef(i)]), T.text);
        }
        const a = coerceAll(args, [T.oid, T.int4, T.bool]);
        if (a === undefined) return undefined;
        const entries: [string, string][] = [];
        for (const i of defs) {
          entries.push([`${i.object.oid}:0`, indexDef(i)]);
          i.keyTexts.forEach((k, j) => entries.push([`${i.object.oid}:${j + 1}`, k]));
        }
        return call('catalog_lookup2', [a[0]!, a[1]!, lit(new PgArray(entries.map((e) => e[0])), arrayOf(T.text)), lit(new PgArray(entries.map((e) => e[1])), arrayOf(T.text))], T.text);
      }
      case 'obj_description': {
        // Only relations carry comments (COMMENT ON TABLE/VIEW/...); the catalog-name argument is accepted and ignored.
        const a = args.length === 1 ? coerceAll(args, [T.oid]) : coerceAll(args, [T.oid, T.text]);
        if (a === undefined) return undefined;
        const entries: [number, string][] = [];
        for (const o of this.#m.objects) {
          const c = o.item?.comments?.['0'];
          if (c !== undefined) entries.push([o.oid, c]);
        }
        return lookup(a[0]!, T.oid, entries, T.text);
      }
      case 'col_description': {
        const a = coerceAll(args, [T.oid, T.int4]);
        if (a === undefined) return undefined;
        const entries: [string, string][] = [];
        for (const o of this.#m.objects) {
          for (const [sub, c] of Object.entries(o.item?.comments ?? {})) if (sub !== '0') entries.push([`${o.oid}:${sub}`, c]);
        }
        return call('catalog_lookup2', [a[0]!, a[1]!, lit(new PgArray(entries.map((e) => e[0])), arrayOf(T.text)), lit(new PgArray(entries.map((e) => e[1])), arrayOf(T.text))], T.text);
      }
      case 'pg_get_functiondef': {
        const a = coerceAll(args, [T.oid]);
        return a && lookup(a[0]!, T.oid, PG_PROCS.map((p) => [p.oid, functionDef(p)]), T.text);
      }
      case 'pg_get_viewdef': {
        const views = this.#m.objects.filter((o) => o.kind === 'view' || o.kind === 'materialized-view');
        const first = args[0];
        if (first === undefined || args.length > 2) return undefined;
        if (STRING_TYPES.has(first.type.name) && first.kind !== 'literal') {
          return lookup(first, T.text, views.map((o) => [o.name, viewDefinition(o)]), T.text);
        }
        if (first.kind === 'literal' && typeof first.value === 'string') {
          const o = this.#resolveRelation(first.value);
          return lit(o === undefined ? null : viewDefinition(o), T.text);
        }
        const k = coerce(first, T.oid);
        return k && lookup(k, T.oid, views.map((o) => [o.oid, viewDefinition(o)]), T.text);
      }
      case 'pg_relation_is_publishable': case 'pg_is_in_recovery':
        return lit(false, T.bool);
      case 'pg_is_other_temp_schema': {
        const a = coerceAll(args, [T.oid]);
        if (a === undefined) return undefined;
        const others = this.#m.tempSchemas.map((s) => s.oid).filter((oid) => oid !== tempNamespaceOid(f.backendPid));
        return call('catalog_contains', [a[0]!, lit(new PgArray(others), arrayOf(T.oid))], T.bool);
      }
      case 'pg_my_temp_schema': return args.length === 0 ? lit(this.#m.tempSchemas.some((s) => s.oid === tempNamespaceOid(f.backendPid)) ? tempNamespaceOid(f.backendPid) : 0, T.oid) : undefined;
      case 'pg_backend_pid': return args.length === 0 ? lit(f.backendPid, T.int4) : undefined;
      case 'pg_postmaster_start_time': case 'pg_conf_load_time': return args.length === 0 ? lit(SERVER_START, T.timestamptz) : undefined;
      case 'pg_encoding_to_char': {
        const a = coerceAll(args, [T.int4]);
        return a && call('pg_encoding_to_char', a, scalar('name'));
      }
      case 'pg_char_to_encoding': return args.length === 1 ? lit(6, T.int4) : undefined;
      case 'pg_size_pretty': {
        const a = coerceAll(args, [T.int8]);
        return a && call('pg_size_pretty', a, T.text);
      }
      case 'quote_ident': {
        const a = coerceAll(args, [T.text]);
        return a && call('quote_ident', a, T.text);
      }
      case 'pg_tablespace_location': return args.length === 1 ? lit('', T.text) : undefined;
      case 'array_to_string': {
        const arr = args[0];
        if (arr === undefined || arr.type.name !== 'array' || args.length < 2 || args.length > 3) return undefined;
        const rest = coerceAll(args.slice(1), args.length === 3 ? [T.text, T.text] : [T.text]);
        if (rest === undefined) return undefined;
        return call('array_to_string', [arr, rest[0]!, rest[1] ?? lit(null, T.text), lit(arr.type.elem?.name ?? 'text', T.text)], T.text);
      }
      case 'array_remove': {
        const [arr, v] = args;
        if (arr === undefined || v === undefined || arr.type.name !== 'array' || args.length !== 2) return undefined;
        const e = coerce(v, arr.type.elem ?? T.text);
        return e && call('array_remove', [arr, e], arr.type);
      }
      case 'current_schemas': {
        const a = coerceAll(args, [T.bool]);
        if (a === undefined) return undefined;
        const schemas = f.searchPath.filter((s) => this.#catalog.schemaExists(f.database, s));
        const implicit = a[0]!.kind === 'literal' && a[0]!.value === true ? ['mz_catalog', 'pg_catalog'].filter((s) => !schemas.includes(s)) : [];
        return lit(new PgArray([...implicit, ...schemas]), arrayOf(scalar('name')));
      }
      case 'current_setting': {
        const a = args.length === 1 ? coerceAll(args, [T.text]) : coerceAll(args, [T.text, T.bool]);
        if (a === undefined) return undefined;
        const n = a[0]!;
        if (n.kind !== 'literal') throw new SqlError(SqlState.featureNotSupported, 'current_setting with a non-constant name is not supported');
        if (n.value === null) return lit(null, T.text);
        const v = f.setting(n.value as string);
        const missingOk = a[1]?.kind === 'literal' && a[1].value === true;
        if (v === undefined && !missingOk) throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${String(n.value)}"`);
        return lit(v ?? null, T.text);
      }
      case 'set_config': {
        const a = coerceAll(args, [T.text, T.text, T.bool]);
        return a && a[1]!;
      }
      default: return undefined;
    }
  }

  bindCast(arg: MirScalarExpr, to: ScalarType): MirScalarExpr | undefined {
    if (arg.kind === 'call' && arg.func.startsWith('as_reg') && (STRING_TYPES.has(to.name) || to.name === 'oid')) {
      if (to.name === 'oid') return arg;
      return this.#regToText(arg.func.slice(3), arg.args[0]!, to);
    }
    if (to.name !== 'regclass' && to.name !== 'regtype' && to.name !== 'regproc' && to.name !== 'regnamespace' && to.name !== 'regrole') return undefined;
    if (arg.kind === 'literal' && (arg.type.name === 'unknown' || STRING_TYPES.has(arg.type.name))) {
      if (arg.value === null) return lit(null, T.oid);
      const text = String(arg.value);
      if (/^\d+$/.test(text)) return call(`as_${to.name}`, [lit(Number(text), T.oid)], T.oid);
      return call(`as_${to.name}`, [lit(this.#resolveReg(to.name, text), T.oid)], T.oid);
    }
    if (STRING_TYPES.has(arg.type.name)) {
      if (to.name !== 'regclass') return undefined;
      const entries: [string, number][] = [];
      for (const o of this.#m.relations()) {
        entries.push([`${o.schema.name}.${o.name}`, o.oid]);
        if (isVisible(o, this.#facts.database, this.#facts.searchPath, this.#facts.backendPid)) entries.push([o.name, o.oid]);
      }
      return call('as_regclass', [lookup(arg, T.text, entries, T.oid)], T.oid);
    }
    const asOid = coerce(arg, T.oid);
    return asOid && call(`as_${to.name}`, [asOid], T.oid);
  }

  #regToText(kind: string, oid: MirScalarExpr, to: ScalarType): MirScalarExpr {
    const f = this.#facts;
    let named: MirScalarExpr;
    switch (kind) {
      case 'regclass':
        named = lookup(oid, T.oid, this.#m.relations().map((o) => [o.oid, this.#m.displayName(o, f.database, f.searchPath, f.backendPid)]), T.text);
        break;
      case 'regtype': named = call('format_type', [oid, lit(null, T.int4)], T.text); break;
      case 'regnamespace': named = lookup(oid, T.oid, this.#schemasVisible().map((s) => [s.oid, quoteIdent(s.name)]), T.text); break;
      case 'regrole': named = lookup(oid, T.oid, ROLES.map((r) => [r.oid, quoteIdent(r.name)]), T.text); break;
      default: named = lookup(oid, T.oid, PG_PROCS.map((p) => [p.oid, p.name]), T.text);
    }
    return { ...call('coalesce', [named, call('cast_oid_to_text', [oid], T.text)], T.text), type: STRING_TYPES.has(to.name) ? to : T.text };
  }

  #resolveRelation(text: string): ReturnType<CatalogModel['byOid']> {
    const parts = text.split('.').map((p) => (p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1) : p.toLowerCase()));
    const f = this.#facts;
    const item = this.#catalog.resolveItem(parts, f.searchPath, f.database, f.backendPid);
    if (item !== undefined) return this.#m.byId(item.id);
    // A constraint's index entry (`t_pkey`) is not a catalog item: find it by name as PostgreSQL would.
    const name = parts[parts.length - 1];
    const schemas = parts.length >= 2 ? [parts[parts.length - 2]!] : f.searchPath;
    const database = parts.length === 3 ? parts[0]! : f.database;
    const hits = this.#m.constraintIndexes().map((i) => i.object).filter((o) => o.name === name && o.schema.database === database && schemas.includes(o.schema.name));
    return hits.sort((a, b) => schemas.indexOf(a.schema.name) - schemas.indexOf(b.schema.name))[0];
  }

  /** The schemas of the session's database and the system schemas (what regnamespace resolves). */
  #schemasVisible(): CatalogModel['schemas'] {
    return this.#m.schemas.filter((s) => s.database === undefined || s.database === this.#facts.database);
  }

  #resolveReg(kind: string, text: string): number {
    switch (kind) {
      case 'regnamespace': {
        const name = text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text.toLowerCase();
        const s = this.#schemasVisible().find((x) => x.name === name);
        if (s === undefined) throw new SqlError(SqlState.undefinedSchema, `schema "${name}" does not exist`);
        return s.oid;
      }
      case 'regrole': {
        const name = text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text.toLowerCase();
        const r = ROLES.find((x) => x.name === name);
        if (r === undefined) throw new SqlError(SqlState.undefinedObject, `role "${name}" does not exist`);
        return r.oid;
      }
      case 'regclass': {
        const o = this.#resolveRelation(text);
        if (o === undefined) throw new SqlError(SqlState.undefinedTable, `relation "${text}" does not exist`);
        return o.oid;
      }
      case 'regtype': {
        const name = text.replace(/^pg_catalog\./, '').trim().toLowerCase();
        const hit = NAME_TYPES.find(([n]) => n === name);
        if (hit === undefined) throw new SqlError(SqlState.undefinedObject, `type "${text}" does not exist`);
        return hit[1];
      }
      default: {
        const name = text.replace(/^pg_catalog\./, '').trim();
        const p = PG_PROCS.find((x) => x.name === name);
        if (p === undefined) throw new SqlError(SqlState.undefinedFunction, `function "${text}" does not exist`);
        return p.oid;
      }
    }
  }
}
