/**
 * RETAIN HISTORY: the `WITH (RETAIN HISTORY [=] FOR <duration>)` option of CREATE TABLE / MATERIALIZED
 * VIEW / INDEX / SOURCE, and `ALTER <kind> name SET (RETAIN HISTORY [=] FOR ...) | RESET (RETAIN HISTORY)`.
 * As in Materialize, the option lives in the item's create_sql: reading it back (`retainHistoryOf`)
 * gives the compaction window after a restart, and ALTER rewrites the create_sql
 * (`withRetainHistory`), so SHOW CREATE shows the window in force.
 */
import { type Interval, T, parseText } from '../../repr/index.ts';
import { SqlError, SqlState } from '../../util/index.ts';
import { Cursor } from './cursor.ts';
import { scan, stringOf, type Tok } from './tokens.ts';

export type RetainHistoryTarget = 'table' | 'materialized-view' | 'index' | 'source';

/** Materialize's default compaction window when no RETAIN HISTORY is given. */
export const DEFAULT_RETAIN_HISTORY_MS = 1000;

/** `ALTER <kind> [IF EXISTS] name SET (RETAIN HISTORY [=] FOR v)` / `RESET (RETAIN HISTORY)`. */
export interface AlterRetainHistory {
  readonly kind: 'alterRetainHistory';
  readonly objectType: RetainHistoryTarget;
  readonly name: readonly string[];
  readonly ifExists: boolean;
  /** The duration as written (e.g. `'1h'`); undefined for RESET (back to the default window). */
  readonly value?: string;
}

const KIND_WORDS: readonly (readonly [readonly string[], RetainHistoryTarget])[] = [
  [['MATERIALIZED', 'VIEW'], 'materialized-view'], [['TABLE'], 'table'], [['INDEX'], 'index'], [['SOURCE'], 'source'],
];

/** Milliseconds of a RETAIN HISTORY duration as written: `'1h'`, `INTERVAL '2' DAY`, or a number of seconds. */
export function retainHistoryMs(value: string): number {
  const toks = scan(value, 0);
  let text: string | undefined;
  const t0 = toks[0];
  if (toks.length === 1 && t0 !== undefined && t0.name === 'SCONST') text = stringOf(t0);
  else if (toks.length === 1 && t0 !== undefined && (t0.name === 'ICONST' || t0.name === 'FCONST')) text = t0.text;
  else if (t0 !== undefined && t0.upper === 'INTERVAL' && toks[1]?.name === 'SCONST') text = [stringOf(toks[1]), ...toks.slice(2).map((t) => t.text)].join(' ');
  if (text === undefined) throw invalid(value);
  let iv: Interval;
  try {
    iv = parseText(text, T.interval) as Interval;
  } catch {
    throw invalid(value);
  }
  const ms = Number(iv.totalMicros() / 1000n);
  if (!Number.isFinite(ms) || ms < 0) throw invalid(value);
  return ms;
}

function invalid(value: string): SqlError {
  return new SqlError(SqlState.invalidParameterValue, `invalid RETAIN HISTORY duration: ${value.trim()}`, {
    hint: "Use a non-negative interval, e.g. RETAIN HISTORY FOR '1h'.",
  });
}

/** One `RETAIN HISTORY ...` option inside a WITH list: its token range and its value text. */
interface Found {
  readonly list: { readonly open: number; readonly close: number };
  /** Token ranges [from, to) of each option in the list. */
  readonly options: readonly (readonly [number, number])[];
  /** Index into `options` of the RETAIN HISTORY option, if any. */
  readonly retain: number | undefined;
  readonly value: string | undefined;
}

/** The top-level `WITH ( ... )` option list of a CREATE statement (before `AS` for materialized views). */
function findOptions(sql: string, toks: readonly Tok[], target: RetainHistoryTarget): Found | undefined {
  let depth = 0;
  for (let j = 0; j < toks.length; j++) {
    const t = toks[j]!;
    if (t.text === '(' && t.name !== 'SCONST') depth++;
    else if (t.text === ')' && t.name !== 'SCONST') depth--;
    else if (depth === 0 && target === 'materialized-view' && isKw(t, 'AS')) return undefined;
    else if (depth === 0 && isKw(t, 'WITH') && toks[j + 1]?.text === '(') return optionList(sql, toks, j + 1);
  }
  return undefined;
}

function isKw(t: Tok, word: string): boolean {
  return t.upper === word && !t.text.startsWith('"') && t.name !== 'SCONST';
}

/** Splits the list opening at `open` into options and finds RETAIN HISTORY among them. */
function optionList(sql: string, toks: readonly Tok[], open: number): Found {
  const options: [number, number][] = [];
  let depth = 0;
  let from = open + 1;
  let close = toks.length;
  for (let j = open + 1; j < toks.length; j++) {
    const t = toks[j]!;
    if (t.name === 'SCONST') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && depth > 0) depth--;
    else if (t.text === ')' || (t.text === ',' && depth === 0)) {
      if (j > from) options.push([from, j]);
      from = j + 1;
      if (t.text === ')') {
        close = j;
        break;
      }
    }
  }
  if (close === toks.length) throw new SqlError(SqlState.syntaxError, 'syntax error at end of input', { position: sql.length + 1 });
  let retain: number | undefined;
  let value: string | undefined;
  options.forEach(([a, b], i) => {
    if (!(isKw(toks[a]!, 'RETAIN') && toks[a + 1] !== undefined && isKw(toks[a + 1]!, 'HISTORY'))) return;
    let k = a + 2;
    if (toks[k]?.text === '=') k++;
    if (toks[k] === undefined || !isKw(toks[k]!, 'FOR') || k + 1 >= b) {
      throw new SqlError(SqlState.syntaxError, `syntax error at or near "${toks[Math.min(k, b - 1)]!.text}"`, { position: toks[Math.min(k, b - 1)]!.start + 1 });
    }
    retain = i;
    value = sql.slice(toks[k + 1]!.start, toks[b - 1]!.end);
  });
  return { list: { open, close }, options, retain, value };
}

const memo = new Map<string, number | undefined>();

/**
 * The RETAIN HISTORY window (ms) a create_sql asks for, or undefined (the default window). Throws
 * on an invalid duration, so CREATE statements are checked when they are parsed.
 */
export function retainHistoryOf(createSql: string, target: RetainHistoryTarget): number | undefined {
  const key = `${target}\u0000${createSql}`;
  if (memo.has(key)) return memo.get(key);
  const found = findOptions(createSql, scan(createSql, 0), target);
  const ms = found?.value === undefined ? undefined : retainHistoryMs(found.value);
  if (memo.size > 10_000) memo.clear();
  memo.set(key, ms);
  return ms;
}

/**
 * `createSql` with its RETAIN HISTORY option set to `value` (as written, e.g. `'1m'`), or removed
 * when `value` is undefined. Other options are kept; an emptied `WITH ()` disappears.
 */
export function withRetainHistory(createSql: string, target: RetainHistoryTarget, value: string | undefined): string {
  const toks = scan(createSql, 0);
  const found = findOptions(createSql, toks, target);
  const option = value === undefined ? undefined : `RETAIN HISTORY = FOR ${value}`;
  if (found === undefined) {
    if (option === undefined) return createSql;
    if (target === 'materialized-view') {
      const as = topLevelAs(toks);
      if (as !== undefined) return `${createSql.slice(0, as.start)}WITH (${option}) ${createSql.slice(as.start)}`;
    }
    return `${createSql.trimEnd()} WITH (${option})`;
  }
  const parts = found.options.map(([a, b]) => createSql.slice(toks[a]!.start, toks[b - 1]!.end));
  const kept = parts.filter((_p, i) => i !== found.retain);
  if (option !== undefined) kept.push(option);
  const withTok = toks[found.list.open - 1]!;
  const closeTok = toks[found.list.close]!;
  if (kept.length === 0) return `${createSql.slice(0, withTok.start).trimEnd()}${createSql.slice(closeTok.end)}`;
  return `${createSql.slice(0, withTok.start)}WITH (${kept.join(', ')})${createSql.slice(closeTok.end)}`;
}

function topLevelAs(toks: readonly Tok[]): Tok | undefined {
  let depth = 0;
  for (const t of toks) {
    if (t.name === 'SCONST') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && isKw(t, 'AS')) return t;
  }
  return undefined;
}

/**
 * CREATE TABLE text with its `WITH (...)` list blanked out when that list holds RETAIN HISTORY (which
 * PostgreSQL's grammar cannot parse); undefined when there is nothing to blank. Positions are kept.
 */
export function blankTableRetainHistory(sql: string): string | undefined {
  const toks = scan(sql, 0);
  const found = findOptions(sql, toks, 'table');
  if (found?.retain === undefined) return undefined;
  if (found.options.length > 1) {
    const other = found.options.find((_o, i) => i !== found.retain)!;
    throw new SqlError(SqlState.featureNotSupported, `CREATE TABLE option ${toks[other[0]]!.text.toUpperCase()} not yet supported`);
  }
  retainHistoryMs(found.value!);
  const from = toks[found.list.open - 1]!.start;
  const to = toks[found.list.close]!.end;
  return sql.slice(0, from) + ' '.repeat(to - from) + sql.slice(to);
}

/** True iff the statement at `c` is `ALTER <table|materialized view|index|source> ... SET|RESET (RETAIN HISTORY ...)`. */
export function isAlterRetainHistory(c: Cursor): boolean {
  if (!c.isKw('ALTER')) return false;
  const kind = KIND_WORDS.find(([ws]) => ws.every((w, j) => c.isKw(w, 1 + j)));
  if (kind === undefined) return false;
  for (let k = 1 + kind[0].length; k < c.toks.length - c.i - 2; k++) {
    if ((c.isKw('SET', k) || c.isKw('RESET', k)) && c.isPunct('(', k + 1) && c.isKw('RETAIN', k + 2)) return true;
  }
  return false;
}

export function parseAlterRetainHistory(c: Cursor): AlterRetainHistory {
  c.expectKw('ALTER');
  const kind = KIND_WORDS.find(([ws]) => c.isKws(...ws));
  if (kind === undefined) throw c.error();
  c.i += kind[0].length;
  const ifExists = c.eatKws('IF', 'EXISTS');
  const name = c.objectName();
  const reset = c.eatKw('RESET');
  if (!reset) c.expectKw('SET');
  c.expectPunct('(');
  c.expectKw('RETAIN');
  c.expectKw('HISTORY');
  let value: string | undefined;
  if (!reset) {
    c.eatPunct('=');
    c.expectKw('FOR');
    const end = c.findTopLevel((cc, k) => cc.isPunct(')', k) || cc.isPunct(',', k));
    if (end === c.i) throw c.error();
    value = c.textBetween(c.i, end).text;
    retainHistoryMs(value);
    c.i = end;
  }
  if (c.isPunct(',')) throw new SqlError(SqlState.featureNotSupported, `ALTER ${kind[0].join(' ')} with options other than RETAIN HISTORY not yet supported`);
  c.expectPunct(')');
  if (!c.atEnd()) throw c.error();
  return { kind: 'alterRetainHistory', objectType: kind[1], name, ifExists, ...(value === undefined ? {} : { value }) };
}
