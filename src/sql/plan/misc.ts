/**
 * Planning of session and catalog-listing statements: SET/RESET/SHOW variables, transaction control,
 * DISCARD, CREATE SCHEMA/DATABASE, CLOSE, and Materialize's SHOW CREATE (SHOW <objects> is show.ts).
 */
import type { Node } from 'libpg-query';
import { type Column, type ScalarType, T } from '../../repr/index.ts';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import type { MzStatement } from '../parser/index.ts';
import type { CatalogItemKind, PlanContext } from './catalog-api.ts';
import { fullName, resolveExisting } from './ddl.ts';
import type { Plan } from './plan.ts';

const textCol = (name: string, type: ScalarType = T.text, nullable = false): Column => ({ name, type, nullable });

function constValue(n: Node): string {
  if ('A_Const' in n) {
    const c = n.A_Const;
    if (c.sval !== undefined) return c.sval.sval ?? '';
    if (c.ival !== undefined) return String(c.ival.ival ?? 0);
    if (c.fval !== undefined) return c.fval.fval ?? '';
    if (c.boolval !== undefined) return c.boolval.boolval === true ? 'on' : 'off';
  }
  if ('TypeCast' in n && n.TypeCast.arg !== undefined) return constValue(n.TypeCast.arg);
  if ('String' in n) return n.String.sval ?? '';
  throw unsupported('this SET value');
}

/** `READ ONLY` / `READ WRITE` among BEGIN's or SET TRANSACTION's options, if given. */
function readOnlyOf(options: readonly Node[] | undefined): boolean | undefined {
  for (const o of options ?? []) {
    if ('DefElem' in o && o.DefElem.defname === 'transaction_read_only' && o.DefElem.arg !== undefined) return constValue(o.DefElem.arg) !== '0' && constValue(o.DefElem.arg) !== 'off';
  }
  return undefined;
}

function isolationOf(options: readonly Node[] | undefined): string | undefined {
  for (const o of options ?? []) {
    if ('DefElem' in o && o.DefElem.defname === 'transaction_isolation' && o.DefElem.arg !== undefined) return constValue(o.DefElem.arg);
  }
  return undefined;
}

export function planPgMisc(node: Node, pc: PlanContext, sql = ''): Plan {
  if ('VariableSetStmt' in node) {
    const v = node.VariableSetStmt;
    const local = v.is_local === true;
    switch (v.kind) {
      case 'VAR_SET_VALUE': return { kind: 'setVariable', name: (v.name ?? '').toLowerCase(), value: (v.args ?? []).map(constValue).join(', '), local };
      case 'VAR_SET_DEFAULT': return { kind: 'setVariable', name: (v.name ?? '').toLowerCase(), value: 'default', local };
      case 'VAR_RESET': return { kind: 'resetVariable', name: (v.name ?? '').toLowerCase() };
      case 'VAR_RESET_ALL': return { kind: 'resetVariable', name: 'all' };
      case 'VAR_SET_MULTI': {
        const iso = isolationOf(v.args);
        const readOnly = readOnlyOf(v.args);
        if (iso !== undefined && readOnly !== undefined) throw unsupported('SET TRANSACTION with both an isolation level and READ ONLY/READ WRITE');
        if (iso !== undefined) return { kind: 'setVariable', name: 'transaction_isolation', value: iso, local: true };
        if (readOnly !== undefined) return { kind: 'setVariable', name: 'transaction_read_only', value: readOnly ? 'on' : 'off', local: true };
        return { kind: 'emptyCommand', tag: 'SET' };
      }
      default: throw unsupported(`SET ${v.kind ?? ''}`);
    }
  }
  if ('VariableShowStmt' in node) {
    const name = (node.VariableShowStmt.name ?? '').toLowerCase();
    return { kind: 'showVariable', name: name === 'all' ? 'all' : name };
  }
  if ('TransactionStmt' in node) {
    const t = node.TransactionStmt;
    switch (t.kind) {
      case 'TRANS_STMT_BEGIN': case 'TRANS_STMT_START': {
        const iso = isolationOf(t.options);
        const readOnly = readOnlyOf(t.options);
        return { kind: 'startTransaction', ...(iso === undefined ? {} : { isolation: iso }), ...(readOnly === undefined ? {} : { readOnly }) };
      }
      case 'TRANS_STMT_COMMIT':
        if (t.chain === true) throw unsupported('COMMIT AND CHAIN');
        return { kind: 'commit' };
      case 'TRANS_STMT_ROLLBACK':
        if (t.chain === true) throw unsupported('ROLLBACK AND CHAIN');
        return { kind: 'rollback' };
      default: throw unsupported((t.kind ?? '').replace('TRANS_STMT_', '').replace('_', ' '));
    }
  }
  if ('DiscardStmt' in node) return { kind: 'emptyCommand', tag: `DISCARD ${(node.DiscardStmt.target ?? 'DISCARD_ALL').replace('DISCARD_', '')}` };
  if ('CreateSchemaStmt' in node) {
    const s = node.CreateSchemaStmt;
    if ((s.schemaElts ?? []).length > 0) throw unsupported('CREATE SCHEMA with elements');
    return { kind: 'createSchema', database: pc.database, schema: s.schemaname ?? '', ifNotExists: s.if_not_exists === true };
  }
  if ('CreatedbStmt' in node) {
    if ((node.CreatedbStmt.options ?? []).length > 0) throw unsupported('CREATE DATABASE options');
    return { kind: 'createDatabase', name: node.CreatedbStmt.dbname ?? '', ifNotExists: false };
  }
  if ('DropdbStmt' in node) {
    const name = node.DropdbStmt.dbname ?? '';
    if (!pc.catalog.databaseExists(name)) {
      if (node.DropdbStmt.missing_ok === true) return { kind: 'noop', tag: 'DROP DATABASE', notice: `database "${name}" does not exist, skipping` };
      throw new SqlError('3D000', `unknown database '${name}'`);
    }
    return { kind: 'dropDatabase', names: [name], cascade: true };
  }
  if ('ClosePortalStmt' in node) return { kind: 'closeCursor', name: node.ClosePortalStmt.portalname ?? 'all' };
  if ('IndexStmt' in node) {
    throw unsupported(node.IndexStmt.unique === true ? 'CREATE UNIQUE INDEX' : 'this CREATE INDEX form');
  }
  if ('ExplainStmt' in node) throw unsupported('EXPLAIN with options');
  if ('DeclareCursorStmt' in node) throw unsupported('this DECLARE form');
  throw unsupported(statementName(node, sql));
}

/**
 * The statement's name for an "X not yet supported" error: its leading keywords as written
 * (`CREATE TRIGGER`, `ALTER TABLE`), falling back to the AST node's name.
 */
function statementName(node: Node, sql: string): string {
  const words = sql.replace(/^\s*(--[^\n]*\n\s*)*/, '').split(/\s+/).map((w) => w.toUpperCase());
  const verbs = new Set(['CREATE', 'ALTER', 'DROP', 'GRANT', 'REVOKE', 'TRUNCATE', 'VACUUM', 'ANALYZE', 'LISTEN', 'NOTIFY', 'LOCK', 'CLUSTER', 'REINDEX', 'PREPARE', 'EXECUTE', 'DEALLOCATE', 'COMMENT', 'REFRESH', 'IMPORT', 'CALL', 'DO', 'LOAD', 'CHECKPOINT', 'SECURITY', 'REASSIGN', 'MERGE']);
  const modifiers = new Set(['OR', 'REPLACE', 'TEMP', 'TEMPORARY', 'UNIQUE', 'GLOBAL', 'LOCAL', 'UNLOGGED', 'CONSTRAINT', 'DEFAULT', 'TRUSTED', 'PROCEDURAL', 'RECURSIVE', 'MATERIALIZED']);
  const first = words[0];
  if (first !== undefined && verbs.has(first)) {
    const name = [first];
    for (const w of words.slice(1)) {
      if (!/^[A-Z_]+$/.test(w)) break;
      name.push(w);
      if (!modifiers.has(w)) break;
    }
    return name.join(' ');
  }
  const kind = Object.keys(node)[0] ?? 'statement';
  return kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

const CREATE_KINDS: Record<Extract<MzStatement, { kind: 'showCreate' }>['objectType'], CatalogItemKind | undefined> = {
  table: 'table', view: 'view', 'materialized-view': 'materialized-view', index: 'index', source: 'source', sink: 'sink',
  connection: 'connection', cluster: undefined, type: undefined,
};

/** SHOW CREATE <kind> <name>: the object's name and its create_sql (SHOW <objects> is show.ts). */
export function planShowCreate(s: Extract<MzStatement, { kind: 'showCreate' }>, pc: PlanContext): Plan {
  switch (s.kind) {
    case 'showCreate': {
      if (s.objectType === 'cluster') {
        if (s.name.length !== 1) throw new SqlError(SqlState.syntaxError, `invalid cluster name: ${s.name.join('.')}`);
        return { kind: 'showCreate', id: '', cluster: s.name[0]!, columns: [textCol('name'), textCol('create_sql')] };
      }
      const kind = CREATE_KINDS[s.objectType];
      if (kind === undefined) throw unsupported(`SHOW CREATE ${s.objectType.toUpperCase()}`);
      const item = resolveExisting(s.name, pc);
      if (item.kind !== kind) {
        const word = kind.replace('-', ' ');
        // Materialize hints at the right statement for the common mix-up.
        const hint = item.kind === 'materialized-view' && kind === 'view' ? { hint: 'Use SHOW CREATE MATERIALIZED VIEW to show a materialized view.' } : {};
        throw new SqlError(SqlState.wrongObjectType, `${fullName(item.name)} is not ${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`, hint);
      }
      return { kind: 'showCreate', id: item.id, columns: [textCol('name'), textCol('create_sql')] };
    }
  }
}
