/**
 * The hand-written parser for Materialize-only statements. Each function starts at the statement's
 * first token; embedded queries and expressions are handed back to libpg-query (with positions re-based).
 */
import { SqlError, SqlState } from '../../util/index.ts';
import type { AsOfClause, ExplainStage, MzOption, MzStatement, PgNode, ShowFilter, ShowWhat, Statement, SubscribeStmt } from './ast.ts';
import { parseSourceDdl } from './sources.ts';
import { Cursor } from './cursor.ts';
import { pgParse, pgParseExprs } from './tokens.ts';
import { isWmr, parseWmr } from './wmr.ts';

/** Builds a sub-statement from token `from` to the end (DECLARE ... FOR <stmt>, EXPLAIN ... FOR <stmt>). */
export type SubStatement = (c: Cursor, from: number) => Statement;

/** Parses the tokens [from, to) as one query (SELECT/VALUES/WITH/TABLE). */
export function queryBetween(c: Cursor, from: number, to: number): PgNode {
  const { text, start } = c.textBetween(from, to);
  if (text === '') throw c.error();
  const nodes = pgParse(text, c.base + start);
  const q = nodes[0];
  if (nodes.length !== 1 || q === undefined || !('SelectStmt' in q)) {
    throw new SqlError(SqlState.syntaxError, `syntax error at or near "${c.toks[from]!.text}"`, { position: c.base + start + 1 });
  }
  return q;
}

function exprBetween(c: Cursor, from: number, to: number): PgNode {
  const { text, start } = c.textBetween(from, to);
  if (text === '') throw c.error();
  const exprs = pgParseExprs(text, c.base + start);
  if (exprs.length !== 1) throw new SqlError(SqlState.syntaxError, 'syntax error at or near ","', { position: c.base + start + 1 });
  return exprs[0]!;
}

/** Parses the tokens [from, to) as ORDER BY items (`SortBy` nodes); positions re-based. */
function sortItemsBetween(c: Cursor, from: number, to: number): PgNode[] {
  const { text, start } = c.textBetween(from, to);
  if (text === '') throw c.error();
  const prefix = 'SELECT 1 ORDER BY ';
  let nodes: PgNode[];
  try {
    nodes = pgParse(prefix + text, 0);
  } catch (err) {
    const e = err as SqlError;
    throw e.withPosition(e.position === undefined ? undefined : Math.max(c.base + start + 1, e.position - prefix.length + c.base + start));
  }
  const sel = nodes[0];
  if (nodes.length !== 1 || sel === undefined || !('SelectStmt' in sel) || sel.SelectStmt.limitCount !== undefined || sel.SelectStmt.limitOffset !== undefined) {
    throw new SqlError(SqlState.syntaxError, `syntax error at or near "${c.toks[from]!.text}"`, { position: c.base + start + 1 });
  }
  return sel.SelectStmt.sortClause ?? [];
}

function asOfClause(c: Cursor, stopWords: readonly string[][]): AsOfClause {
  const atLeast = c.eatKws('AT', 'LEAST');
  const end = c.findTopLevel((cc, k) => stopWords.some((w) => w.every((word, j) => cc.isKw(word, k + j))));
  const expr = exprBetween(c, c.i, end);
  c.i = end;
  return { expr, atLeast };
}

export function parseSubscribe(c: Cursor): SubscribeStmt {
  c.expectKw('SUBSCRIBE');
  c.eatKw('TO');
  let target: SubscribeStmt['target'];
  if (c.isPunct('(')) {
    const close = c.matchingParen();
    target = { kind: 'query', query: queryBetween(c, c.i + 1, close) };
    c.i = close + 1;
  } else {
    target = { kind: 'name', name: c.objectName() };
  }
  let options: SubscribeStmt['options'] = [];
  let asOf: AsOfClause | undefined;
  let upTo: PgNode | undefined;
  let envelope: SubscribeStmt['envelope'];
  let within: PgNode[] | undefined;
  const stops = [['UP', 'TO'], ['ENVELOPE'], ['WITHIN', 'TIMESTAMP'], ['WITH'], ['AS', 'OF']];
  while (!c.atEnd()) {
    if (c.eatKw('WITH')) options = c.options();
    else if (c.eatKws('AS', 'OF')) asOf = asOfClause(c, stops);
    else if (c.eatKws('UP', 'TO')) {
      const end = c.findTopLevel((cc, k) => stops.some((w) => w.every((word, j) => cc.isKw(word, k + j))));
      upTo = exprBetween(c, c.i, end);
      c.i = end;
    } else if (c.eatKw('ENVELOPE')) {
      const kind = c.eatKw('UPSERT') ? 'upsert' : c.eatKw('DEBEZIUM') ? 'debezium' : undefined;
      if (kind === undefined) throw c.error();
      c.expectPunct('(');
      c.expectKw('KEY');
      const key = c.identList();
      c.expectPunct(')');
      envelope = { kind, key };
    } else if (c.eatKws('WITHIN', 'TIMESTAMP', 'ORDER', 'BY')) {
      const end = c.findTopLevel((cc, k) => stops.some((w) => w.every((word, j) => cc.isKw(word, k + j))));
      within = sortItemsBetween(c, c.i, end);
      c.i = end;
    } else throw c.error();
  }
  if (envelope !== undefined && within !== undefined) {
    throw new SqlError(SqlState.syntaxError, 'ENVELOPE and WITHIN TIMESTAMP ORDER BY cannot be used together');
  }
  return {
    kind: 'subscribe', target, options,
    ...(asOf !== undefined ? { asOf } : {}),
    ...(upTo !== undefined ? { upTo } : {}),
    ...(envelope !== undefined ? { envelope } : {}),
    ...(within !== undefined ? { withinTimestampOrderBy: within } : {}),
  };
}

const SHOW_WORDS: readonly (readonly [readonly string[], ShowWhat])[] = [
  [['MATERIALIZED', 'VIEWS'], 'materialized views'],
  [['CLUSTER', 'REPLICAS'], 'cluster replicas'],
  [['TABLES'], 'tables'], [['VIEWS'], 'views'], [['INDEXES'], 'indexes'], [['INDEX'], 'indexes'], [['KEYS'], 'indexes'],
  [['SCHEMAS'], 'schemas'], [['DATABASES'], 'databases'], [['SOURCES'], 'sources'], [['SUBSOURCES'], 'subsources'],
  [['SINKS'], 'sinks'], [['OBJECTS'], 'objects'], [['CLUSTERS'], 'clusters'], [['SECRETS'], 'secrets'],
  [['CONNECTIONS'], 'connections'], [['TYPES'], 'types'],
];

const SHOW_CREATE_WORDS: readonly (readonly [readonly string[], Extract<MzStatement, { kind: 'showCreate' }>['objectType']])[] = [
  [['MATERIALIZED', 'VIEW'], 'materialized-view'], [['TABLE'], 'table'], [['VIEW'], 'view'], [['INDEX'], 'index'],
  [['SOURCE'], 'source'], [['SINK'], 'sink'], [['CONNECTION'], 'connection'], [['CLUSTER'], 'cluster'], [['TYPE'], 'type'],
];

/** True iff the statement at `c` is a Materialize SHOW (not SHOW <variable>). */
export function isMzShow(c: Cursor): boolean {
  if (!c.isKw('SHOW')) return false;
  let k = 1;
  if (c.isKw('FULL', k)) k++;
  if (c.isKw('REDACTED', k) && c.isKw('CREATE', k + 1)) return true;
  if (c.isKw('CREATE', k) || c.isKw('COLUMNS', k)) return true;
  return SHOW_WORDS.some(([ws]) => ws.every((w, j) => c.isKw(w, k + j)) && (ws.length > 1 || !c.isKw('REPLICAS', k + 1)));
}

function showFilter(c: Cursor): ShowFilter | undefined {
  if (c.eatKw('LIKE')) return { like: c.stringLit() };
  if (c.eatKw('WHERE')) {
    const expr = exprBetween(c, c.i, c.toks.length);
    c.i = c.toks.length;
    return { where: expr };
  }
  return undefined;
}

export function parseShow(c: Cursor): MzStatement {
  c.expectKw('SHOW');
  c.eatKw('FULL');
  const redacted = c.eatKw('REDACTED');
  if (c.eatKw('CREATE')) {
    const entry = SHOW_CREATE_WORDS.find(([ws]) => c.isKws(...ws));
    if (entry === undefined) throw c.error();
    c.i += entry[0].length;
    const name = c.objectName();
    if (!c.atEnd()) throw c.error();
    return { kind: 'showCreate', objectType: entry[1], name, redacted };
  }
  if (redacted) throw c.error();
  if (c.eatKw('COLUMNS')) {
    if (!c.eatKw('FROM') && !c.eatKw('IN')) throw c.error();
    const from = c.objectName();
    const filter = showFilter(c);
    if (!c.atEnd()) throw c.error();
    return filter === undefined ? { kind: 'showColumns', from } : { kind: 'showColumns', from, filter };
  }
  const entry = SHOW_WORDS.find(([ws]) => c.isKws(...ws));
  if (entry === undefined) throw c.error();
  c.i += entry[0].length;
  let from: string[] | undefined;
  let on: string[] | undefined;
  let inCluster: string | undefined;
  let filter: ShowFilter | undefined;
  while (!c.atEnd()) {
    if (c.eatKws('IN', 'CLUSTER')) inCluster = c.ident();
    else if (c.eatKw('FROM') || c.eatKw('IN')) from = c.objectName();
    else if (c.eatKw('ON')) on = c.objectName();
    else if ((filter = showFilter(c)) !== undefined) break;
    else throw c.error();
  }
  if (!c.atEnd()) throw c.error();
  return {
    kind: 'show', what: entry[1],
    ...(from !== undefined ? { from } : {}), ...(on !== undefined ? { on } : {}),
    ...(inCluster !== undefined ? { inCluster } : {}), ...(filter !== undefined ? { filter } : {}),
  };
}

/** CREATE [OR REPLACE] MATERIALIZED VIEW [IF NOT EXISTS] name [(cols)] [IN CLUSTER c] [WITH (...)] AS query */
export function parseCreateMaterializedView(c: Cursor): MzStatement {
  c.expectKw('CREATE');
  const replace = c.eatKws('OR', 'REPLACE');
  c.expectKw('MATERIALIZED');
  c.expectKw('VIEW');
  const ifNotExists = c.eatKws('IF', 'NOT', 'EXISTS');
  const name = c.objectName();
  const columns = c.isPunct('(') ? c.identList() : undefined;
  let inCluster: string | undefined;
  let options: MzOption[] = [];
  for (;;) {
    if (c.eatKws('IN', 'CLUSTER')) inCluster = c.ident();
    else if (c.isKw('WITH') && c.isPunct('(', 1)) {
      c.i++;
      options = c.options();
    } else break;
  }
  c.expectKw('AS');
  const wmr = isWmr(c) ? parseWmr(c) : undefined;
  const query = wmr?.node ?? queryBetween(c, c.i, c.toks.length);
  return {
    kind: 'createMaterializedView', name, replace, ifNotExists, options, query,
    ...(columns !== undefined ? { columns } : {}), ...(inCluster !== undefined ? { inCluster } : {}),
    ...(wmr !== undefined ? { mutuallyRecursive: wmr.wmr } : {}),
  };
}

/** CREATE [DEFAULT] INDEX [IF NOT EXISTS] [name] [IN CLUSTER c] ON obj [USING m] [(exprs)] [WITH (...)] */
/**
 * Drops PostgreSQL's per-key ordering (`a DESC`, `b ASC NULLS FIRST`) from an index key list: an
 * arrangement is keyed, not ordered, so the ordering changes nothing (and PostgreSQL's scripts use
 * it). Splits at top-level commas only; the kept text keeps its length so error positions still fit.
 */
function withoutKeyOrdering(text: string): string {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts
    .map((p) => p.replace(/(\s+(ASC|DESC))?(\s+NULLS\s+(FIRST|LAST))?\s*$/i, (m) => ' '.repeat(m.length)))
    .join(',');
}

export function parseCreateIndex(c: Cursor): MzStatement {
  c.expectKw('CREATE');
  const isDefault = c.eatKw('DEFAULT');
  c.expectKw('INDEX');
  const ifNotExists = c.eatKws('IF', 'NOT', 'EXISTS');
  let name: string | undefined;
  if (!c.isKw('ON') && !c.isKws('IN', 'CLUSTER')) {
    if (isDefault) throw c.error();
    name = c.ident();
  }
  let inCluster: string | undefined;
  if (c.eatKws('IN', 'CLUSTER')) inCluster = c.ident();
  c.expectKw('ON');
  const on = c.objectName();
  let using: string | undefined;
  if (c.eatKw('USING')) using = c.ident();
  let keys: PgNode[] | undefined;
  if (c.isPunct('(')) {
    if (isDefault) throw c.error();
    const close = c.matchingParen();
    const { text, start } = c.textBetween(c.i + 1, close);
    if (text === '') throw c.error();
    keys = pgParseExprs(withoutKeyOrdering(text), c.base + start);
    c.i = close + 1;
  } else if (!isDefault) {
    throw c.error();
  }
  if (c.isKw('WITH') && c.isPunct('(', 1)) {
    c.i++;
    c.options();
  }
  if (!c.atEnd()) throw c.error();
  return {
    kind: 'createIndex', isDefault, on, ifNotExists,
    ...(name !== undefined ? { name } : {}), ...(inCluster !== undefined ? { inCluster } : {}),
    ...(using !== undefined ? { using } : {}), ...(keys !== undefined ? { keys } : {}),
  };
}

/** CREATE SOURCE/SINK/CONNECTION/SECRET/CLUSTER [REPLICA]: name only; the rest is not interpreted yet. */
export function parseCreateOther(c: Cursor): MzStatement {
  c.expectKw('CREATE');
  let objectType: Extract<MzStatement, { kind: 'createOther' }>['objectType'];
  if (c.eatKws('CLUSTER', 'REPLICA')) objectType = 'cluster replica';
  else if (c.eatKw('CLUSTER')) objectType = 'cluster';
  else if (c.eatKw('SOURCE')) objectType = 'source';
  else if (c.eatKw('SINK')) objectType = 'sink';
  else if (c.eatKw('CONNECTION')) objectType = 'connection';
  else if (c.eatKw('SECRET')) objectType = 'secret';
  else throw c.error();
  const ifNotExists = c.eatKws('IF', 'NOT', 'EXISTS');
  const name = c.objectName();
  if (objectType === 'secret' || objectType === 'connection' || objectType === 'source') {
    const detail = parseSourceDdl(c, objectType);
    if (detail !== undefined) return { kind: 'createOther', objectType, name, ifNotExists, detail };
  }
  return { kind: 'createOther', objectType, name, ifNotExists };
}

/** FETCH [FORWARD] [count | ALL | NEXT] [FROM | IN] cursor [WITH (TIMEOUT [=] '...')] */
export function parseFetch(c: Cursor): MzStatement {
  c.expectKw('FETCH');
  c.eatKw('FORWARD');
  let count: number | 'all' = 1;
  const t = c.peek();
  if (t !== undefined && t.name === 'ICONST') {
    count = Number(t.text);
    c.i++;
  } else if (c.eatKw('ALL')) count = 'all';
  else c.eatKw('NEXT');
  if (!c.eatKw('FROM')) c.eatKw('IN');
  const cursor = c.ident();
  let timeout: string | undefined;
  if (c.eatKw('WITH')) {
    for (const o of c.options()) {
      if (o.name !== 'TIMEOUT') throw new SqlError(SqlState.syntaxError, `unexpected option ${o.name}`);
      timeout = o.value;
    }
  }
  if (!c.atEnd()) throw c.error();
  return timeout === undefined ? { kind: 'fetch', count, cursor } : { kind: 'fetch', count, cursor, timeout };
}

/** DECLARE name [options] CURSOR [WITH | WITHOUT HOLD] FOR <statement> */
export function parseDeclare(c: Cursor, sub: SubStatement): MzStatement {
  c.expectKw('DECLARE');
  const name = c.ident();
  while (!c.atEnd() && !c.isKw('CURSOR')) c.i++;
  c.expectKw('CURSOR');
  if (c.eatKws('WITH', 'HOLD')) throw new SqlError(SqlState.featureNotSupported, 'WITH HOLD is unsupported for cursors');
  c.eatKws('WITHOUT', 'HOLD');
  c.expectKw('FOR');
  if (c.atEnd()) throw c.error();
  return { kind: 'declare', name, inner: sub(c, c.i) };
}

/** True iff an EXPLAIN statement is Materialize's form (not PostgreSQL's `EXPLAIN (options)` / ANALYZE). */
export function isMzExplain(c: Cursor): boolean {
  return c.isKw('EXPLAIN') && !c.isPunct('(', 1) && !c.isKw('ANALYZE', 1) && !c.isKw('VERBOSE', 1);
}

export function parseExplain(c: Cursor, sub: SubStatement): MzStatement {
  c.expectKw('EXPLAIN');
  const skipFormat = (): void => {
    if (c.eatKw('AS')) {
      if (!c.eatKw('TEXT') && !c.eatKw('JSON')) throw c.error();
    }
  };
  if (c.eatKw('TIMESTAMP')) {
    skipFormat();
    c.expectKw('FOR');
    return { kind: 'explainTimestamp', explainee: sub(c, c.i) };
  }
  let stage: ExplainStage = 'optimized';
  let sawStage = false;
  for (const s of ['raw', 'decorrelated', 'optimized', 'physical'] as const) {
    if (c.eatKw(s.toUpperCase())) {
      stage = s;
      sawStage = true;
      break;
    }
  }
  if (c.eatKw('PLAN')) {
    if (c.isKw('WITH') && c.isPunct('(', 1)) {
      c.i++;
      c.options();
    }
    skipFormat();
    c.expectKw('FOR');
  } else if (sawStage) {
    throw c.error();
  }
  if (c.atEnd()) throw c.error();
  const objectType = c.eatKw('VIEW') ? 'view' : c.eatKws('MATERIALIZED', 'VIEW') ? 'materialized-view' : c.eatKw('INDEX') ? 'index' : undefined;
  if (objectType !== undefined) {
    const name = c.objectName();
    if (!c.atEnd()) throw c.error();
    return { kind: 'explainObject', stage, objectType, name };
  }
  return { kind: 'explainPlan', stage, explainee: sub(c, c.i) };
}

/** COPY (SUBSCRIBE ...) TO STDOUT [WITH (...)] */
export function parseCopySubscribe(c: Cursor): MzStatement {
  c.expectKw('COPY');
  const close = c.matchingParen();
  // The inner text ends at the closing paren too, so a trailing UP TO/AS OF expression stops there.
  const inner = new Cursor(c.sql.slice(0, c.toks[close]?.start ?? c.sql.length), c.base, c.toks.slice(0, close));
  inner.i = c.i + 1;
  const subscribe = parseSubscribe(inner);
  c.i = close + 1;
  c.expectKw('TO');
  c.expectKw('STDOUT');
  if (c.eatKw('WITH') || c.isPunct('(')) c.options();
  if (!c.atEnd()) throw c.error();
  return { kind: 'copySubscribe', subscribe };
}

/**
 * `<query> AS OF [AT LEAST] <expr>`: returns the query and clause if the statement ends with one at top
 * level and both parts parse; undefined otherwise (the caller reports the original error).
 */
export function splitAsOf(c: Cursor): { query: PgNode; asOf: AsOfClause } | undefined {
  let at = -1;
  let depth = 0;
  for (let j = 0; j < c.toks.length; j++) {
    const t = c.toks[j]!;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && c.isKw('AS', j - c.i) && c.isKw('OF', j - c.i + 1)) at = j;
  }
  if (at < 0) return undefined;
  try {
    const query = queryBetween(c, 0, at);
    c.i = at + 2;
    const asOf = asOfClause(c, []);
    return { query, asOf };
  } catch {
    return undefined;
  }
}
