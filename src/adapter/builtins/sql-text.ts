/**
 * SQL text recovered from an item's `create_sql` for the catalog functions that print definitions:
 * column DEFAULT expressions (pg_attrdef.adbin, shown by psql `\d`) and index key expressions
 * (pg_get_indexdef). Uses PostgreSQL's own lexer so quoting and nesting are handled exactly.
 */
import { scanSync, type ScanToken } from 'libpg-query';
import type { MirScalarExpr } from '../../expr/index.ts';
import type { Column } from '../../repr/index.ts';
import { quoteIdent } from './model.ts';

function tokens(sql: string): { toks: ScanToken[]; bytes: Buffer } | undefined {
  try {
    return { toks: scanSync(sql).tokens, bytes: Buffer.from(sql, 'utf8') };
  } catch {
    return undefined;
  }
}

/** A token's keyword spelling (upper case) when it is one; quoted identifiers never match a keyword. */
const word = (k: ScanToken): string => (k.text.startsWith('"') ? '' : k.text.toUpperCase());

const text = (bytes: Buffer, from: number, to: number): string => bytes.subarray(from, to).toString('utf8').trim();

/** Keywords that end a DEFAULT expression inside a column definition. */
const CONSTRAINT_START = new Set(['NOT', 'NULL', 'CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'REFERENCES', 'GENERATED', 'COLLATE', 'DEFAULT']);

/**
 * Per column of `CREATE TABLE t (c1 type [DEFAULT expr] ..., ...)`: the DEFAULT expression text or null.
 * Table constraints (PRIMARY KEY (..), ...) between columns are skipped.
 */
export function defaultTexts(createSql: string, columnCount: number): (string | null)[] {
  const out: (string | null)[] = new Array<string | null>(columnCount).fill(null);
  const t = tokens(createSql);
  if (t === undefined) return out;
  const { toks, bytes } = t;
  const open = toks.findIndex((k) => k.text === '(');
  if (open < 0) return out;
  let depth = 0;
  let col = 0;
  let elementStart = true;
  let isConstraint = false;
  for (let i = open + 1; i < toks.length; i++) {
    const k = toks[i]!;
    if (depth === 0 && elementStart) {
      isConstraint = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN', 'EXCLUDE', 'LIKE'].includes(word(k));
      elementStart = false;
    }
    if (k.text === '(') depth++;
    else if (k.text === ')') {
      if (depth === 0) break;
      depth--;
    } else if (k.text === ',' && depth === 0) {
      if (!isConstraint) col++;
      elementStart = true;
    } else if (depth === 0 && word(k) === 'DEFAULT' && !isConstraint) {
      let j = i + 1;
      let d = 0;
      for (; j < toks.length; j++) {
        const m = toks[j]!;
        if (m.text === '(') d++;
        else if (m.text === ')') {
          if (d === 0) break;
          d--;
        } else if (d === 0 && (m.text === ',' || CONSTRAINT_START.has(word(m)))) break;
      }
      if (j > i + 1 && col < columnCount) out[col] = text(bytes, toks[i + 1]!.start, toks[j - 1]!.end);
      i = j - 1;
    }
  }
  return out;
}

/** The key list of `CREATE INDEX ... ON t (k1, k2)`, one text per key; column keys use the column name. */
export function indexKeyTexts(createSql: string, keys: readonly MirScalarExpr[], columns: readonly Column[]): string[] {
  const fromSql = indexKeysFromSql(createSql);
  return keys.map((k, i) => {
    if (k.kind === 'column') return quoteIdent(columns[k.index]?.name ?? `?column${k.index}?`);
    const s = fromSql?.[i];
    return s === undefined ? '?expression?' : /^\w+\(.*\)$/s.test(s) ? s : `(${s})`;
  });
}

function indexKeysFromSql(createSql: string): string[] | undefined {
  const t = tokens(createSql);
  if (t === undefined) return undefined;
  const { toks, bytes } = t;
  const on = toks.findIndex((k) => word(k) === 'ON');
  if (on < 0) return undefined;
  const open = toks.findIndex((k, i) => i > on && k.text === '(');
  if (open < 0) return undefined;
  const out: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < toks.length; i++) {
    const k = toks[i]!;
    if (k.text === '(') depth++;
    else if (k.text === ')' || (k.text === ',' && depth === 0)) {
      if (k.text === ')' && depth > 0) {
        depth--;
        continue;
      }
      if (i > start) out.push(text(bytes, toks[start]!.start, toks[i - 1]!.end));
      if (k.text === ')') break;
      start = i + 1;
    }
  }
  return out;
}
