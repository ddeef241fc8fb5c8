/**
 * Planning of the catalog statements dbt and other PostgreSQL clients send beyond CREATE/DROP:
 * ALTER ... RENAME TO, COMMENT ON, CREATE TABLE ... AS, TRUNCATE and REFRESH MATERIALIZED VIEW.
 * Names resolve against the session's catalog (inside a transaction block: its pending changes too).
 */
import type { CommentStmt, CreateTableAsStmt, Node, RefreshMatViewStmt, RenameStmt, TruncateStmt } from 'libpg-query';
import { Mir } from '../../expr/index.ts';
import { type Column, relationDesc, typeName } from '../../repr/index.ts';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import type { CatalogItemInfo, CatalogItemKind } from './catalog-api.ts';
import type { QueryContext } from './context.ts';
import { KIND_WORDS, fullName, qualifyNew, qualifyTemp, resolveExisting } from './ddl.ts';
import { nameParts } from './expr.ts';
import type { MzStatement } from '../parser/index.ts';
import type { Plan } from './plan.ts';
import { planSubquery } from './query.ts';

/** The statement word for each object type PostgreSQL's grammar names. */
const OBJECT_WORDS: Record<string, { kind: CatalogItemKind | 'any'; word: string }> = {
  OBJECT_TABLE: { kind: 'table', word: 'TABLE' },
  OBJECT_VIEW: { kind: 'view', word: 'VIEW' },
  OBJECT_MATVIEW: { kind: 'materialized-view', word: 'MATERIALIZED VIEW' },
  OBJECT_INDEX: { kind: 'index', word: 'INDEX' },
  OBJECT_FOREIGN_TABLE: { kind: 'source', word: 'FOREIGN TABLE' },
};

const article = (w: string): string => (/^[aeiou]/.test(w) ? 'an' : 'a');

function rangeVarParts(rv: { catalogname?: string; schemaname?: string; relname?: string } | undefined): string[] {
  return [rv?.catalogname, rv?.schemaname, rv?.relname].filter((p): p is string => p !== undefined);
}

/** Materialize's wrong-kind error: `materialize.public.mv is not a view` + a hint naming the right statement. */
function wrongKind(item: CatalogItemInfo, wanted: CatalogItemKind, verb: string, action: string): SqlError {
  const w = KIND_WORDS[wanted];
  const actual = KIND_WORDS[item.kind];
  return new SqlError(SqlState.wrongObjectType, `${fullName(item.name)} is not ${article(w)} ${w}`, {
    hint: `Use ${verb} ${actual.toUpperCase()} to ${action} ${article(actual)} ${actual}.`,
  });
}

/**
 * ALTER {TABLE|VIEW|MATERIALIZED VIEW|INDEX} [IF EXISTS] name RENAME TO new. As in PostgreSQL,
 * ALTER TABLE renames any relation (dbt-postgres renames views that way); the other forms must
 * name an object of their kind.
 */
export function planRename(r: RenameStmt, qc: QueryContext): Plan {
  const spec = OBJECT_WORDS[r.renameType ?? ''];
  if (r.renameType === 'OBJECT_COLUMN') throw unsupported('ALTER ... RENAME COLUMN');
  if (r.renameType === 'OBJECT_SCHEMA') throw unsupported('ALTER SCHEMA ... RENAME');
  if (r.renameType === 'OBJECT_DATABASE') throw unsupported('ALTER DATABASE ... RENAME');
  if (spec === undefined || r.relation === undefined) throw unsupported(`ALTER ${(r.renameType ?? '').replace('OBJECT_', '')} ... RENAME`);
  const tag = `ALTER ${spec.word}`;
  const parts = rangeVarParts(r.relation);
  const item = qc.pc.catalog.resolveItem(parts, qc.pc.searchPath, qc.pc.database);
  if (item === undefined) {
    if (r.missing_ok === true) return { kind: 'noop', tag, notice: `relation "${parts.join('.')}" does not exist, skipping` };
    throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${parts.join('.')}'`);
  }
  if (item.id.startsWith('s')) throw new SqlError('42501', `system item '${fullName(item.name)}' cannot be modified`);
  if (spec.kind !== 'table' && spec.kind !== 'any' && item.kind !== spec.kind) throw wrongKind(item, spec.kind, 'ALTER', 'rename');
  const newItem = r.newname ?? '';
  if (newItem === '') throw new SqlError(SqlState.syntaxError, 'zero-length delimited identifier');
  return { kind: 'alterRename', id: item.id, newName: { ...item.name, item: newItem }, tag };
}

/** COMMENT ON {TABLE|VIEW|MATERIALIZED VIEW|INDEX|COLUMN} name IS 'text' | NULL. */
export function planComment(c: CommentStmt, qc: QueryContext): Plan {
  const comment = c.comment ?? null;
  const names = c.object === undefined ? [] : objectNames(c.object);
  if (c.objtype === 'OBJECT_COLUMN') {
    if (names.length < 2) throw new SqlError(SqlState.syntaxError, 'column name must be qualified');
    const column = names[names.length - 1]!;
    const item = resolveExisting(names.slice(0, -1), qc.pc);
    if (item.desc === undefined || item.kind === 'index') {
      throw new SqlError(SqlState.wrongObjectType, `${fullName(item.name)} is not a relation with columns`);
    }
    const i = item.desc.columns.findIndex((col) => col.name === column);
    if (i < 0) throw new SqlError(SqlState.undefinedColumn, `column "${column}" of relation "${item.name.item}" does not exist`);
    return { kind: 'comment', id: item.id, subId: i + 1, comment };
  }
  const spec = OBJECT_WORDS[c.objtype ?? ''];
  if (spec === undefined) throw unsupported(`COMMENT ON ${(c.objtype ?? '').replace('OBJECT_', '')}`);
  const item = resolveExisting(names, qc.pc);
  if (item.id.startsWith('s')) throw new SqlError('42501', `system item '${fullName(item.name)}' cannot be modified`);
  if (spec.kind !== 'any' && item.kind !== spec.kind) throw wrongKind(item, spec.kind, 'COMMENT ON', 'comment on');
  return { kind: 'comment', id: item.id, subId: 0, comment };
}

function objectNames(n: Node): string[] {
  if ('List' in n) return nameParts(n.List.items);
  if ('String' in n) return [n.String.sval ?? ''];
  throw unsupported('this COMMENT form');
}

/** CREATE TABLE name [(cols)] AS <query> [WITH [NO] DATA]. */
export function planCreateTableAs(c: CreateTableAsStmt, qc: QueryContext): Plan {
  if (c.objtype !== 'OBJECT_TABLE') throw unsupported(`CREATE ${(c.objtype ?? '').replace('OBJECT_', '')} AS`);
  if (c.is_select_into === true) throw unsupported('SELECT INTO');
  const into = c.into;
  if (into?.rel === undefined || c.query === undefined) throw new SqlError(SqlState.syntaxError, 'syntax error in CREATE TABLE AS');
  const temporary = into.rel.relpersistence === 't';
  const name = temporary ? qualifyTemp(rangeVarParts(into.rel), qc.pc) : qualifyNew(rangeVarParts(into.rel), qc.pc);
  const q = planSubquery(c.query, qc);
  const aliases = into.colNames === undefined ? undefined : nameParts(into.colNames);
  if (aliases !== undefined && aliases.length > q.scope.items.length) throw new SqlError(SqlState.syntaxError, 'too many column names were specified');
  const columns: Column[] = q.scope.items.map((it, i) => ({ name: aliases?.[i] ?? it.name, type: it.type, nullable: true }));
  const seen = new Set<string>();
  for (const col of columns) {
    if (seen.has(col.name)) throw new SqlError(SqlState.duplicateColumn, `column "${col.name}" specified more than once`);
    seen.add(col.name);
    if (col.type.name === 'record') throw unsupported(`CREATE TABLE AS with a column of type ${typeName(col.type)}`);
  }
  const createSql = `CREATE ${temporary ? 'TEMPORARY ' : ''}TABLE ${(temporary ? [name.schema, name.item] : fullName(name).split('.')).map((p) => quoteAlways(p)).join('.')} (${columns.map((col) => `${quoteAlways(col.name)} ${typeName(col.type)}`).join(', ')})`;
  const query = into.skipData === true ? Mir.constant([], columns.map((col) => col.type)) : q.expr;
  return { kind: 'createTableAs', name, desc: relationDesc(columns), ifNotExists: c.if_not_exists === true, createSql, query };
}

/** Double-quotes an identifier unconditionally (stored create_sql must not depend on keyword lists). */
function quoteAlways(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** TRUNCATE [TABLE] t [, ...]: every named relation must be a table. */
export function planTruncate(t: TruncateStmt, qc: QueryContext): Plan {
  const ids: string[] = [];
  for (const n of t.relations ?? []) {
    if (!('RangeVar' in n)) throw unsupported('this TRUNCATE form');
    const item = resolveExisting(rangeVarParts(n.RangeVar), qc.pc);
    if (item.kind !== 'table') throw new SqlError(SqlState.wrongObjectType, `"${item.name.item}" is not a table`);
    if (!ids.includes(item.id)) ids.push(item.id);
  }
  return { kind: 'truncate', ids };
}

/** REFRESH MATERIALIZED VIEW: Tributary's materialized views are always up to date, so it only checks the name. */
export function planRefresh(r: RefreshMatViewStmt, qc: QueryContext): Plan {
  const item = resolveExisting(rangeVarParts(r.relation), qc.pc);
  if (item.kind !== 'materialized-view') throw new SqlError(SqlState.wrongObjectType, `"${item.name.item}" is not a table or materialized view`);
  return { kind: 'emptyCommand', tag: 'REFRESH MATERIALIZED VIEW' };
}


/** ALTER SOURCE/SINK/CONNECTION/SECRET name RENAME TO new: the object must be of the kind named. */
export function planAlterRenameOther(a: Extract<MzStatement, { kind: 'alterRenameOther' }>, qc: QueryContext): Plan {
  const tag = `ALTER ${a.objectType.toUpperCase()}`;
  const item = qc.pc.catalog.resolveItem(a.name, qc.pc.searchPath, qc.pc.database);
  if (item === undefined) {
    if (a.ifExists) return { kind: 'noop', tag, notice: `${a.objectType} "${a.name.join('.')}" does not exist, skipping` };
    throw new SqlError(SqlState.undefinedObject, `unknown catalog item '${a.name.join('.')}'`);
  }
  if (item.kind !== a.objectType) throw wrongKind(item, a.objectType, 'ALTER', 'rename');
  return { kind: 'alterRename', id: item.id, newName: { ...item.name, item: a.newName }, tag };
}

/** COMMENT ON SOURCE/SINK/CONNECTION/SECRET name IS ...: the object must be of the kind named. */
export function planCommentOnOther(a: Extract<MzStatement, { kind: 'commentOnOther' }>, qc: QueryContext): Plan {
  const item = resolveExisting(a.name, qc.pc);
  if (item.kind !== a.objectType) throw wrongKind(item, a.objectType, 'COMMENT ON', 'comment on');
  return { kind: 'comment', id: item.id, subId: 0, comment: a.comment };
}
