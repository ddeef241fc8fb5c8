/**
 * parseStatements: splits a query string on top-level `;` using PostgreSQL's lexer, routes each
 * statement by its leading keywords to the Materialize-statement parser or to libpg-query, and
 * reports syntax errors with PostgreSQL's messages and positions in the whole string.
 */
import { loadModule } from 'libpg-query';
import { SqlError, SqlState } from '../../util/index.ts';
import type { PgNode, Statement, StatementAst } from './ast.ts';
import { Cursor } from './cursor.ts';
import {
  isMzExplain, isMzShow, parseCopySubscribe, parseCreateIndex, parseCreateMaterializedView, parseCreateOther,
  parseDeclare, parseExplain, parseFetch, parseShow, parseSubscribe, splitAsOf,
} from './mz.ts';
import { pgParse, scan, type Tok } from './tokens.ts';
import { isWmr, parseWmr, parseWmrView } from './wmr.ts';
import { parseDropOther } from './sources.ts';
import { isAlterOther, isCommentOnOther, parseAlterRenameOther, parseCommentOnOther } from './alter.ts';
import { type RetainHistoryTarget, blankTableRetainHistory, isAlterRetainHistory, parseAlterRetainHistory, retainHistoryOf } from './retain-history.ts';
import { parseAlterCluster, parseCreateCluster, parseDropCluster } from './clusters.ts';

let loaded: Promise<void> | undefined;

/** Loads libpg-query's WASM module; call once (and await) before parsing. */
export function initParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** Parses every statement of `sql`. Empty statements (`;;`, comments only) are dropped. */
export function parseStatements(sql: string): Statement[] {
  const toks = scan(sql, 0);
  const out: Statement[] = [];
  let from = 0;
  for (let j = 0; j <= toks.length; j++) {
    const t = toks[j];
    if (t !== undefined && !(t.text === ';' && t.name === 'ASCII_59')) continue;
    if (j > from) {
      const start = toks[from]!.start;
      const end = t === undefined ? sql.length : t.start;
      const text = sql.slice(start, end).trimEnd();
      const local = toks.slice(from, j).map((x) => ({ ...x, start: x.start - start, end: x.end - start }));
      out.push(buildStatement(text, start, local));
    }
    from = j + 1;
  }
  return out;
}

/** Parses exactly one statement (e.g. a prepared statement's text); empty text gives undefined. */
export function parseOne(sql: string): Statement | undefined {
  const stmts = parseStatements(sql);
  if (stmts.length > 1) {
    throw new SqlError(SqlState.syntaxError, 'cannot insert multiple commands into a prepared statement');
  }
  return stmts[0];
}

function buildStatement(text: string, base: number, toks: readonly Tok[]): Statement {
  const ast = route(new Cursor(text, base, toks));
  let paramCount = 0;
  for (const t of toks) if (t.name === 'PARAM') paramCount = Math.max(paramCount, Number(t.text.slice(1)));
  return { sql: text, offset: base, paramCount, tagHint: tagOf(ast), ast };
}

const sub = (c: Cursor, from: number): Statement => {
  const first = c.toks[from]!;
  const local = c.toks.slice(from).map((x) => ({ ...x, start: x.start - first.start, end: x.end - first.start }));
  return buildStatement(c.sql.slice(first.start), c.base + first.start, local);
};

function route(c: Cursor): StatementAst {
  if (c.isKw('SUBSCRIBE')) return parseSubscribe(c);
  if (isAlterRetainHistory(c)) return parseAlterRetainHistory(c);
  if (isMzShow(c)) return parseShow(c);
  if (c.isKws('CREATE', 'CLUSTER')) return parseCreateCluster(c);
  if (c.isKws('DROP', 'CLUSTER')) return parseDropCluster(c);
  if (c.isKws('ALTER', 'CLUSTER')) return parseAlterCluster(c);
  if (c.isKw('CREATE')) {
    const k = c.isKws('CREATE', 'OR', 'REPLACE') ? 3 : 1;
    if (c.isKw('MATERIALIZED', k) && c.isKw('VIEW', k + 1)) return checkRetainHistory(parseCreateMaterializedView(c), c, 'materialized-view');
    if (c.isKw('INDEX', 1) || c.isKws('CREATE', 'DEFAULT', 'INDEX')) return checkRetainHistory(parseCreateIndex(c), c, 'index');
    if (c.isKw('SOURCE', 1)) return checkRetainHistory(parseCreateOther(c), c, 'source');
    if (['SINK', 'CONNECTION', 'SECRET', 'CLUSTER'].some((w) => c.isKw(w, 1))) return parseCreateOther(c);
  }
  if (c.isKw('DROP') && ['SOURCE', 'CONNECTION', 'SECRET', 'SINK', 'CLUSTER'].some((w) => c.isKw(w, 1))) return { kind: 'dropOther', ...parseDropOther(c) };
  if (isAlterOther(c)) return parseAlterRenameOther(c);
  if (isCommentOnOther(c)) return parseCommentOnOther(c);
  if (c.isKw('VALIDATE') && c.isKw('CONNECTION', 1)) {
    c.eatKws('VALIDATE', 'CONNECTION');
    const name = c.objectName();
    if (!c.atEnd()) throw c.error();
    return { kind: 'validateConnection', name };
  }
  if (c.isKw('FETCH')) return parseFetch(c);
  if (c.isKw('DECLARE')) return parseDeclare(c, sub);
  if (isMzExplain(c)) return parseExplain(c, sub);
  if (c.isKw('COPY') && c.isPunct('(', 1) && c.isKw('SUBSCRIBE', 2)) return parseCopySubscribe(c);
  if (isWmr(c)) {
    const { node, wmr } = parseWmr(c);
    return { kind: 'pg', node, mutuallyRecursive: wmr };
  }
  const wmrView = parseWmrView(c);
  if (wmrView !== undefined) return { kind: 'pg', node: wmrView.node, mutuallyRecursive: wmrView.wmr };
  return pgStatement(c);
}

/** Checks a CREATE statement's RETAIN HISTORY option (an invalid duration fails the statement). */
function checkRetainHistory(ast: StatementAst, c: Cursor, target: RetainHistoryTarget): StatementAst {
  retainHistoryOf(c.sql, target);
  return ast;
}

function pgStatement(c: Cursor): StatementAst {
  let nodes: PgNode[];
  // PostgreSQL's grammar has no RETAIN HISTORY: parse CREATE TABLE without it (create_sql keeps it).
  let text = c.isKws('CREATE', 'TABLE') ? blankTableRetainHistory(c.sql) ?? c.sql : c.sql;
  // Materialize's STRICT SERIALIZABLE level (BEGIN / START TRANSACTION / SET TRANSACTION): not in
  // PostgreSQL's grammar, so parse SERIALIZABLE (positions kept) and put the level back after.
  const strict = (c.isKw('BEGIN') || c.isKw('START') || c.isKw('SET')) && STRICT_LEVEL.test(text);
  if (strict) text = text.replace(STRICT_LEVEL, (m) => m.replace(/STRICT/i, '      '));
  try {
    nodes = pgParse(text, c.base);
    if (strict) nodes.forEach(markStrictSerializable);
  } catch (err) {
    const split = splitAsOf(c);
    if (split !== undefined) return { kind: 'pg', node: split.query, asOf: split.asOf };
    // Materialize accepts WMR wherever a query may appear; here only as a statement, a view or an MV's query.
    if (c.toks.some((_, k) => c.isKw('MUTUALLY', k) && c.isKw('WITH', k - 1) && c.isKw('RECURSIVE', k + 1))) {
      throw new SqlError(SqlState.featureNotSupported, 'WITH MUTUALLY RECURSIVE in this position not yet supported');
    }
    throw err;
  }
  const node = nodes[0];
  if (node === undefined || nodes.length !== 1) throw c.error();
  return { kind: 'pg', node };
}

const STRICT_LEVEL = /\bLEVEL\s+STRICT\s+SERIALIZABLE\b/i;

function markStrictSerializable(n: unknown): void {
  if (n === null || typeof n !== 'object') return;
  const d = (n as { DefElem?: { defname?: string; arg?: { A_Const?: { sval?: { sval?: string } } } } }).DefElem;
  const sval = d?.defname === 'transaction_isolation' ? d.arg?.A_Const?.sval : undefined;
  if (sval !== undefined && sval.sval === 'serializable') sval.sval = 'strict serializable';
  for (const v of Object.values(n)) markStrictSerializable(v);
}

const PG_TAGS: Record<string, string> = {
  SelectStmt: 'SELECT', InsertStmt: 'INSERT', UpdateStmt: 'UPDATE', DeleteStmt: 'DELETE', CreateStmt: 'CREATE TABLE',
  ViewStmt: 'CREATE VIEW', IndexStmt: 'CREATE INDEX', CreateSchemaStmt: 'CREATE SCHEMA', CreatedbStmt: 'CREATE DATABASE',
  DropdbStmt: 'DROP DATABASE', VariableShowStmt: 'SHOW', DiscardStmt: 'DISCARD ALL', ExplainStmt: 'EXPLAIN', CopyStmt: 'COPY',
  ClosePortalStmt: 'CLOSE CURSOR', FetchStmt: 'FETCH', PrepareStmt: 'PREPARE', ExecuteStmt: 'EXECUTE', DeallocateStmt: 'DEALLOCATE',
  CreateTableAsStmt: 'SELECT', RenameStmt: 'ALTER', AlterTableStmt: 'ALTER TABLE', CommentStmt: 'COMMENT',
  TruncateStmt: 'TRUNCATE TABLE', RefreshMatViewStmt: 'REFRESH MATERIALIZED VIEW',
};

const DROP_TAGS: Record<string, string> = {
  OBJECT_TABLE: 'DROP TABLE', OBJECT_VIEW: 'DROP VIEW', OBJECT_MATVIEW: 'DROP MATERIALIZED VIEW', OBJECT_INDEX: 'DROP INDEX',
  OBJECT_SCHEMA: 'DROP SCHEMA', OBJECT_TYPE: 'DROP TYPE', OBJECT_ROLE: 'DROP ROLE',
};

/** The command tag class of a statement. */
export function tagOf(ast: StatementAst): string {
  switch (ast.kind) {
    case 'pg': {
      const n = ast.node;
      if ('DropStmt' in n) return DROP_TAGS[n.DropStmt.removeType ?? ''] ?? 'DROP';
      if ('VariableSetStmt' in n) return n.VariableSetStmt.kind === 'VAR_RESET' || n.VariableSetStmt.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET';
      if ('TransactionStmt' in n) {
        switch (n.TransactionStmt.kind) {
          case 'TRANS_STMT_BEGIN': return 'BEGIN';
          case 'TRANS_STMT_START': return 'START TRANSACTION';
          case 'TRANS_STMT_COMMIT': return 'COMMIT';
          case 'TRANS_STMT_ROLLBACK': return 'ROLLBACK';
          default: return 'TRANSACTION';
        }
      }
      return PG_TAGS[Object.keys(n)[0] ?? ''] ?? (Object.keys(n)[0] ?? 'UNKNOWN');
    }
    case 'subscribe': return 'SUBSCRIBE';
    case 'show': case 'showColumns': case 'showCreate': return 'SHOW';
    case 'createMaterializedView': return 'CREATE MATERIALIZED VIEW';
    case 'createIndex': return 'CREATE INDEX';
    case 'createOther': return `CREATE ${ast.objectType.toUpperCase()}`;
    case 'fetch': return 'FETCH';
    case 'declare': return 'DECLARE CURSOR';
    case 'explainPlan': case 'explainObject': case 'explainTimestamp': return 'EXPLAIN';
    case 'copySubscribe': return 'COPY';
    case 'alterRetainHistory': return `ALTER ${ast.objectType === 'materialized-view' ? 'MATERIALIZED VIEW' : ast.objectType.toUpperCase()}`;
    case 'dropOther': return `DROP ${ast.objectType.toUpperCase()}`;
    case 'validateConnection': return 'VALIDATE CONNECTION';
    case 'alterRenameOther': return `ALTER ${ast.objectType.toUpperCase()}`;
    case 'commentOnOther': return 'COMMENT';
    case 'createCluster': return 'CREATE CLUSTER';
    case 'createClusterReplica': return 'CREATE CLUSTER REPLICA';
    case 'dropCluster': return 'DROP CLUSTER';
    case 'dropClusterReplica': return 'DROP CLUSTER REPLICA';
    case 'alterCluster': return 'ALTER CLUSTER';
    case 'alterClusterReplica': return 'ALTER CLUSTER REPLICA';
  }
}
