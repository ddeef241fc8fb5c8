/**
 * DDL planning: CREATE/DROP of schemas, databases, tables, views, materialized views and indexes.
 * Names are resolved and qualified here; existence of dependents and duplicates is the adapter's check.
 */
import type { CreateStmt, DropStmt, Node, ViewStmt } from 'libpg-query';
import { type MirRelationExpr, type MirScalarExpr, col, dependsOn, lit } from '../../expr/index.ts';
import { type Column, type RelationDesc, relationDesc } from '../../repr/index.ts';
import { checkMaintainableMzNow } from '../../transform/index.ts';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import type { MutuallyRecursive, MzStatement, Statement } from '../parser/index.ts';
import type { CatalogItemInfo, CatalogItemKind, PlanContext, QualifiedName } from './catalog-api.ts';
import { coerceAssignment } from './coerce.ts';
import type { PlannedQuery, QueryContext } from './context.ts';
import { bindExpr, nameParts } from './expr.ts';
import { someScalar } from './mir-util.ts';
import type { ObjectType, Plan } from './plan.ts';
import { planSubquery, withMutuallyRecursive } from './query.ts';
import { Scope } from './scope.ts';
import { resolveTypeName } from './types.ts';

/** The schema new objects go into: the first schema of the search path that exists. */
export function defaultSchema(pc: PlanContext): string {
  const s = pc.searchPath.find((x) => pc.catalog.schemaExists(pc.database, x));
  if (s === undefined) throw new SqlError(SqlState.invalidSchemaName, 'no schema has been selected to create in');
  return s;
}

/** Qualifies a name for a new object (1–3 parts). */
export function qualifyNew(parts: readonly string[], pc: PlanContext): QualifiedName {
  const item = parts[parts.length - 1]!;
  const schema = parts.length >= 2 ? parts[parts.length - 2]! : defaultSchema(pc);
  const database = parts.length >= 3 ? parts[0]! : pc.database;
  if (parts.length > 3) throw new SqlError(SqlState.syntaxError, `improper qualified name (too many dotted names): ${parts.join('.')}`);
  if (!pc.catalog.databaseExists(database)) throw new SqlError('3D000', `unknown database '${database}'`);
  if (!pc.catalog.schemaExists(database, schema)) throw new SqlError(SqlState.invalidSchemaName, `unknown schema '${schema}'`);
  return { database, schema, item };
}

export const fullName = (n: QualifiedName): string => `${n.database}.${n.schema}.${n.item}`;

/** Materialize's schema of temporary items: per session, first on the effective search path. */
export const TEMP_SCHEMA = 'mz_temp';

/** The name of a new temporary item: in mz_temp (or PostgreSQL's alias pg_temp), written or implied; any other schema is an error. */
export function qualifyTemp(parts: readonly string[], pc: PlanContext): QualifiedName {
  if (parts.length > 3) throw new SqlError(SqlState.syntaxError, `improper qualified name (too many dotted names): ${parts.join('.')}`);
  if (parts.length >= 2 && parts[parts.length - 2] !== TEMP_SCHEMA && parts[parts.length - 2] !== 'pg_temp') {
    throw new SqlError(SqlState.invalidTableDefinition, 'cannot create temporary item in non-temporary schema');
  }
  return { database: pc.database, schema: TEMP_SCHEMA, item: parts[parts.length - 1]! };
}

/** Materialize's rule: a non-temporary item may not depend on a temporary one (it would outlive it). */
export function checkTempDependencies(temporary: boolean, deps: Iterable<string>, pc: PlanContext): void {
  if (temporary) return;
  for (const id of deps) {
    const item = pc.catalog.getItem(id);
    if (item?.name.schema === TEMP_SCHEMA) throw new SqlError('42P17', `non-temporary items cannot depend on temporary item '${TEMP_SCHEMA}.${item.name.item}'`);
  }
}

function rangeVarParts(rv: { catalogname?: string; schemaname?: string; relname?: string }): string[] {
  return [rv.catalogname, rv.schemaname, rv.relname].filter((p): p is string => p !== undefined);
}

export function planCreateTable(c: CreateStmt, stmt: Statement, qc: QueryContext): Plan {
  const rv = c.relation!;
  if (c.inhRelations !== undefined) throw unsupported('INHERITS');
  if (c.partspec !== undefined) throw unsupported('PARTITION BY');
  if (c.oncommit !== undefined && c.oncommit !== 'ONCOMMIT_NOOP' && c.oncommit !== 'ONCOMMIT_PRESERVE_ROWS') throw unsupported('ON COMMIT DELETE ROWS / DROP');
  const name = rv.relpersistence === 't' ? qualifyTemp(rangeVarParts(rv), qc.pc) : qualifyNew(rangeVarParts(rv), qc.pc);
  const columns: Column[] = [];
  const defaults: (MirScalarExpr | null)[] = [];
  const uniques: UniqueDecl[] = [];
  for (const el of c.tableElts ?? []) {
    if ('Constraint' in el) {
      const k = el.Constraint;
      if (k.contype !== 'CONSTR_PRIMARY' && k.contype !== 'CONSTR_UNIQUE') throw unsupported(`${constraintName(k.contype)} constraints`);
      uniques.push({ primary: k.contype === 'CONSTR_PRIMARY', columns: nameParts(k.keys ?? []), ...(k.conname !== undefined ? { name: k.conname } : {}) });
      continue;
    }
    if (!('ColumnDef' in el)) throw unsupported(`table element ${Object.keys(el)[0] ?? ''}`);
    const cd = el.ColumnDef;
    const colName = cd.colname ?? '';
    if (columns.some((x) => x.name === colName)) throw new SqlError(SqlState.duplicateColumn, `column "${colName}" specified more than once`);
    const type = resolveTypeName(cd.typeName!);
    let nullable = true;
    let dflt: MirScalarExpr | null = null;
    for (const k of cd.constraints ?? []) {
      if (!('Constraint' in k)) continue;
      switch (k.Constraint.contype) {
        case 'CONSTR_NOTNULL': nullable = false; break;
        case 'CONSTR_NULL': nullable = true; break;
        case 'CONSTR_DEFAULT': {
          const e = bindExpr(k.Constraint.raw_expr!, { qc, scope: Scope.empty(), clause: 'DEFAULT expressions' });
          dflt = coerceAssignment(e, type, colName, qc.st);
          break;
        }
        case 'CONSTR_PRIMARY': case 'CONSTR_UNIQUE':
          uniques.push({ primary: k.Constraint.contype === 'CONSTR_PRIMARY', columns: [colName], ...(k.Constraint.conname !== undefined ? { name: k.Constraint.conname } : {}) });
          break;
        default: throw unsupported(`${constraintName(k.Constraint.contype)} constraints`);
      }
    }
    if (cd.collClause !== undefined) throw unsupported('COLLATE');
    columns.push({ name: colName, type, nullable });
    defaults.push(dflt);
  }
  const desc = uniques.length === 0 ? relationDesc(columns) : withUniqueKeys(name.item, columns, uniques);
  return { kind: 'createTable', name, desc, defaults, ifNotExists: c.if_not_exists === true, createSql: stmt.sql };
}

/** A PRIMARY KEY or UNIQUE constraint as written (column names, optional constraint name). */
interface UniqueDecl {
  readonly primary: boolean;
  readonly columns: readonly string[];
  readonly name?: string;
}

/**
 * Resolves PRIMARY KEY / UNIQUE constraints to keys with PostgreSQL's rules: one primary key, whose
 * columns become NOT NULL; key columns must exist; names default to `<table>_pkey` and
 * `<table>_<cols>_key`. The primary key comes first; duplicate column sets are declared once.
 */
function withUniqueKeys(table: string, columns: Column[], uniques: readonly UniqueDecl[]): RelationDesc {
  const primaries = uniques.filter((u) => u.primary);
  if (primaries.length > 1) throw new SqlError(SqlState.invalidTableDefinition, `multiple primary keys for table "${table}" are not allowed`);
  const keys: number[][] = [];
  const keyNames: string[] = [];
  const used = new Set<string>();
  for (const u of [...primaries, ...uniques.filter((x) => !x.primary)]) {
    const idx = u.columns.map((cn) => {
      const i = columns.findIndex((col) => col.name === cn);
      if (i < 0) throw new SqlError(SqlState.undefinedColumn, `column "${cn}" named in key does not exist`);
      return i;
    });
    if (u.primary) for (const i of idx) columns[i] = { ...columns[i]!, nullable: false };
    const sig = [...idx].sort((a, b) => a - b).join(',');
    if (used.has(sig)) continue;
    used.add(sig);
    keys.push(idx);
    let nm = u.name ?? (u.primary ? `${table}_pkey` : `${table}_${u.columns.join('_')}_key`);
    // PostgreSQL picks a fresh name when the default is taken (t_a_key1, ...).
    for (let n = 1; u.name === undefined && keyNames.includes(nm); n++) nm = `${table}_${u.columns.join('_')}_key${n}`;
    if (keyNames.includes(nm)) throw new SqlError(SqlState.duplicateTable, `relation "${nm}" already exists`);
    keyNames.push(nm);
  }
  return { columns, keys, keyNames, ...(primaries.length > 0 ? { primaryKey: true } : {}) };
}

function constraintName(t: string | undefined): string {
  return ({ CONSTR_PRIMARY: 'PRIMARY KEY', CONSTR_UNIQUE: 'UNIQUE', CONSTR_CHECK: 'CHECK', CONSTR_FOREIGN: 'FOREIGN KEY', CONSTR_EXCLUSION: 'EXCLUDE', CONSTR_IDENTITY: 'IDENTITY', CONSTR_GENERATED: 'GENERATED' } as Record<string, string>)[t ?? ''] ?? (t ?? 'table');
}

function viewColumns(scopeCols: readonly { name: string; type: Column['type']; nullable: boolean }[], aliases: readonly string[] | undefined): Column[] {
  if (aliases !== undefined && aliases.length > scopeCols.length) throw new SqlError(SqlState.syntaxError, 'CREATE VIEW specifies more column names than columns');
  const cols = scopeCols.map((c, i) => ({ name: aliases?.[i] ?? c.name, type: c.type, nullable: c.nullable }));
  const seen = new Set<string>();
  for (const c of cols) {
    if (seen.has(c.name)) throw new SqlError(SqlState.duplicateColumn, `column "${c.name}" specified more than once`);
    seen.add(c.name);
  }
  return cols;
}

export function planCreateView(v: ViewStmt, stmt: Statement, qc0: QueryContext, wmr?: MutuallyRecursive): Plan {
  if (v.withCheckOption !== undefined && v.withCheckOption !== 'NO_CHECK_OPTION') throw unsupported('WITH CHECK OPTION');
  const qc: QueryContext = { ...qc0, nowMode: 'call' };
  const temporary = v.view?.relpersistence === 't';
  const name = temporary ? qualifyTemp(rangeVarParts(v.view!), qc.pc) : qualifyNew(rangeVarParts(v.view!), qc.pc);
  const q = planWmrQuery(v.query!, qc, wmr);
  checkTempDependencies(temporary, qc.dependsOn, qc.pc);
  const columns = viewColumns(q.scope.items, v.aliases === undefined ? undefined : nameParts(v.aliases));
  return {
    kind: 'createView', name, plan: q.expr, desc: relationDesc(columns), replace: v.replace === true, ifNotExists: false,
    createSql: stmt.sql, dependsOn: [...qc.dependsOn],
  };
}

export function planCreateMaterializedView(m: Extract<MzStatement, { kind: 'createMaterializedView' }>, stmt: Statement, qc0: QueryContext): Plan {
  const qc: QueryContext = { ...qc0, nowMode: 'call' };
  const name = qualifyNew(m.name, qc.pc);
  const q = planWmrQuery(m.query, qc, m.mutuallyRecursive);
  checkTempDependencies(false, qc.dependsOn, qc.pc);
  if (someScalar(q.expr, (e) => e.kind === 'call' && e.func === 'now')) {
    throw new SqlError(SqlState.featureNotSupported, 'cannot materialize call to current_timestamp');
  }
  checkMaintainableMzNow(q.expr);
  const columns = viewColumns(q.scope.items, m.columns);
  return {
    kind: 'createMaterializedView', name, plan: q.expr, desc: relationDesc(columns), replace: m.replace, ifNotExists: m.ifNotExists,
    createSql: stmt.sql, dependsOn: [...qc.dependsOn], ...(m.inCluster === undefined ? {} : { inCluster: m.inCluster }),
  };
}

/** A view's query, inside its WITH MUTUALLY RECURSIVE bindings when it has them. */
function planWmrQuery(query: Node, qc: QueryContext, wmr: MutuallyRecursive | undefined): PlannedQuery {
  if (wmr === undefined) return planSubquery(query, qc);
  const w = withMutuallyRecursive(wmr, qc);
  const q = planSubquery(query, w.qc);
  return { ...q, expr: w.wrap(q.expr) };
}

const RELATION_KINDS: readonly CatalogItemKind[] = ['table', 'view', 'materialized-view', 'source'];

export function resolveExisting(parts: readonly string[], pc: PlanContext): CatalogItemInfo {
  const item = pc.catalog.resolveItem(parts, pc.searchPath, pc.database);
  if (item === undefined) throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${parts.join('.')}'`);
  return item;
}

export function planCreateIndex(ix: Extract<MzStatement, { kind: 'createIndex' }>, stmt: Statement, qc: QueryContext): Plan {
  const on = resolveExisting(ix.on, qc.pc);
  if (!RELATION_KINDS.includes(on.kind) || on.desc === undefined) {
    throw new SqlError(SqlState.wrongObjectType, `index cannot be created on ${fullName(on.name)} because it is a ${on.kind.replace('-', ' ')}`);
  }
  if (ix.using !== undefined && ix.using !== 'arrangement') throw unsupported(`index method ${ix.using}`);
  if (on.kind === 'view' && on.plan !== undefined) checkMaintainableMzNow(on.plan);
  if (on.name.schema === TEMP_SCHEMA) throw unsupported('CREATE INDEX on a temporary table or view');
  const desc = on.desc;
  const scope = new Scope(desc.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, table: on.name.item })));
  let keys: MirScalarExpr[];
  let keyNames: string[];
  if (ix.keys === undefined) {
    const k = desc.keys?.[0] ?? desc.columns.map((_c, i) => i);
    keys = k.map((i) => col(i, desc.columns[i]!.type));
    keyNames = ['primary'];
  } else {
    keys = ix.keys.map((n) => bindExpr(n, { qc, scope, clause: 'index key' }));
    keyNames = ix.keys.map((n, i) => {
      const k = keys[i]!;
      return k.kind === 'column' && 'ColumnRef' in n ? desc.columns[k.index]!.name : 'expr';
    });
  }
  if (keys.some((k) => k.kind === 'call' && k.func === 'now')) throw new SqlError(SqlState.featureNotSupported, 'cannot materialize call to current_timestamp');
  let item = ix.name;
  if (item === undefined) {
    const base = `${on.name.item}_${keyNames.join('_')}_idx`;
    item = base;
    for (let i = 1; qc.pc.catalog.resolveItem([on.name.database, on.name.schema, item], qc.pc.searchPath, qc.pc.database) !== undefined; i++) item = `${base}${i}`;
  }
  return {
    kind: 'createIndex', name: { database: on.name.database, schema: on.name.schema, item }, on: on.id, keys,
    ifNotExists: ix.ifNotExists, createSql: stmt.sql, ...(ix.inCluster === undefined ? {} : { inCluster: ix.inCluster }),
  };
}

const DROP_KINDS: Record<string, { kind: CatalogItemKind; word: string }> = {
  OBJECT_TABLE: { kind: 'table', word: 'TABLE' },
  OBJECT_VIEW: { kind: 'view', word: 'VIEW' },
  OBJECT_MATVIEW: { kind: 'materialized-view', word: 'MATERIALIZED VIEW' },
  OBJECT_INDEX: { kind: 'index', word: 'INDEX' },
};

/** Each item kind as error messages name it ("materialized view"). */
export const KIND_WORDS: Record<CatalogItemKind, string> = {
  table: 'table', view: 'view', 'materialized-view': 'materialized view', index: 'index', source: 'source', sink: 'sink',
  connection: 'connection', secret: 'secret',
};

function objectParts(n: Node): string[] {
  if ('List' in n) return nameParts(n.List.items);
  if ('String' in n) return [n.String.sval ?? ''];
  throw unsupported('this DROP form');
}

export function planDrop(d: DropStmt, pc: PlanContext): Plan {
  const cascade = d.behavior === 'DROP_CASCADE';
  const missingOk = d.missing_ok === true;
  if (d.removeType === 'OBJECT_SCHEMA') {
    const schemas: string[] = [];
    let database = pc.database;
    const missing: string[] = [];
    for (const o of d.objects ?? []) {
      const parts = objectParts(o);
      const schema = parts[parts.length - 1]!;
      if (parts.length === 2) database = parts[0]!;
      if (schema === TEMP_SCHEMA) throw new SqlError(SqlState.dependentObjectsStillExist, `cannot drop schema ${TEMP_SCHEMA} because it is required by the database system`);
      if (!pc.catalog.schemaExists(database, schema)) {
        if (!missingOk) throw new SqlError(SqlState.invalidSchemaName, `unknown schema '${parts.join('.')}'`);
        missing.push(parts.join('.'));
      } else schemas.push(schema);
    }
    if (schemas.length === 0) return { kind: 'noop', tag: 'DROP SCHEMA', notice: `schema "${missing[0] ?? ''}" does not exist, skipping` };
    return { kind: 'dropSchema', database, schemas, cascade };
  }
  const spec = DROP_KINDS[d.removeType ?? ''];
  if (spec === undefined) throw unsupported(`DROP ${(d.removeType ?? '').replace('OBJECT_', '')}`);
  const ids: string[] = [];
  const missing: string[] = [];
  for (const o of d.objects ?? []) {
    const parts = objectParts(o);
    const item = pc.catalog.resolveItem(parts, pc.searchPath, pc.database);
    if (item === undefined) {
      if (!missingOk) throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${parts.join('.')}'`);
      missing.push(parts.join('.'));
      continue;
    }
    if (item.kind !== spec.kind) {
      const word = KIND_WORDS[spec.kind];
      const actual = KIND_WORDS[item.kind];
      throw new SqlError(SqlState.wrongObjectType, `${fullName(item.name)} is not ${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`, {
        hint: `Use DROP ${actual.toUpperCase()} to remove ${/^[aeiou]/.test(actual) ? 'an' : 'a'} ${actual}.`,
      });
    }
    if (!ids.includes(item.id)) ids.push(item.id);
  }
  if (ids.length === 0) {
    return { kind: 'noop', tag: `DROP ${spec.word}`, notice: `${KIND_WORDS[spec.kind]} "${missing[0] ?? ''}" does not exist, skipping` };
  }
  return { kind: 'dropObjects', objectType: spec.kind as ObjectType, ids, cascade };
}

/** Ids read by a relation expression (dependencies of a view). */
export function readsOf(e: MirRelationExpr): string[] {
  return [...dependsOn(e)];
}

export { lit };
