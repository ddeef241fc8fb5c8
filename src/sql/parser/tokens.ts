/**
 * Tokens from PostgreSQL's own lexer (libpg-query's scanSync), with offsets converted from UTF-8 bytes
 * to JavaScript string indexes, and the syntax-error helpers that report PostgreSQL's messages and
 * 1-based character positions within the whole query string.
 */
import { parseSync, scanSync, type Node } from 'libpg-query';
import { SqlError, SqlState } from '../../util/index.ts';

export interface Tok {
  /** Raw token text (quoted identifiers and strings keep their quotes). */
  readonly text: string;
  /** Upper-cased text, for keyword comparison. */
  readonly upper: string;
  /** libpg-query token name: IDENT, SCONST, ICONST, FCONST, PARAM, ASCII_59 (';'), UNKNOWN (keywords), ... */
  readonly name: string;
  readonly isKeyword: boolean;
  /** Character offsets within the string that was scanned. */
  readonly start: number;
  readonly end: number;
}

/** Maps UTF-8 byte offsets of `s` to string indexes. */
export function byteToCharMapper(s: string): (byteOffset: number) => number {
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes === s.length) return (b) => b;
  const map = new Int32Array(bytes + 1);
  let b = 0;
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i)!;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let k = 0; k < n; k++) map[b + k] = i;
    b += n;
    if (cp > 0xffff) i++;
  }
  map[bytes] = s.length;
  return (off) => map[Math.min(Math.max(off, 0), bytes)]!;
}

export function syntaxErrorAt(sql: string, tok: Tok | undefined, base: number): SqlError {
  if (tok === undefined) return new SqlError(SqlState.syntaxError, 'syntax error at end of input', { position: base + sql.length + 1 });
  return new SqlError(SqlState.syntaxError, `syntax error at or near "${tok.text}"`, { position: base + tok.start + 1 });
}

interface PgErrorLike {
  message?: unknown;
  sqlDetails?: { message?: string; cursorPosition?: number };
}

/** Converts a libpg-query error on `text` (which starts at char `base` of the query string) to a SqlError. */
export function pgParseError(err: unknown, text: string, base: number): SqlError {
  const e = err as PgErrorLike;
  const message = e.sqlDetails?.message ?? (typeof e.message === 'string' ? e.message : 'syntax error');
  const cursor = e.sqlDetails?.cursorPosition;
  const position = cursor === undefined ? undefined : base + byteToCharMapper(text)(cursor) + 1;
  return new SqlError(SqlState.syntaxError, message, { position });
}

/** Scans `text`; lexer errors (unterminated strings, ...) are reported as PostgreSQL reports them. */
export function scan(text: string, base: number): Tok[] {
  let raw;
  try {
    raw = scanSync(text).tokens;
  } catch {
    // scanSync's own error is not informative; the parser reports the lexer error with its position.
    try {
      parseSync(text);
    } catch (err) {
      throw pgParseError(err, text, base);
    }
    throw new SqlError(SqlState.syntaxError, 'syntax error', { position: base + 1 });
  }
  const toChar = byteToCharMapper(text);
  const out: Tok[] = [];
  for (const t of raw) {
    if (t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT') continue;
    const start = toChar(t.start);
    const end = toChar(t.end);
    const tokText = text.slice(start, end);
    out.push({ text: tokText, upper: tokText.toUpperCase(), name: t.tokenName, isKeyword: t.keywordName !== 'NO_KEYWORD', start, end });
  }
  return out;
}

/** Parses `text` with PostgreSQL's grammar; errors are re-based to `base` (char offset in the query string). */
export function pgParse(text: string, base: number): Node[] {
  try {
    const res = parseSync(text);
    return (res.stmts ?? []).map((s) => s.stmt).filter((n): n is Node => n !== undefined);
  } catch (err) {
    throw pgParseError(err, text, base);
  }
}

/** Parses one expression (`SELECT <text>`); positions re-based to `base`. */
export function pgParseExprs(text: string, base: number): Node[] {
  const prefix = 'SELECT ';
  let nodes: Node[];
  try {
    nodes = pgParse(prefix + text, 0);
  } catch (err) {
    const e = err as SqlError;
    throw e.withPosition(e.position === undefined ? undefined : Math.max(base + 1, e.position - prefix.length + base));
  }
  const sel = nodes[0];
  if (nodes.length !== 1 || sel === undefined || !('SelectStmt' in sel) || sel.SelectStmt.fromClause !== undefined) {
    throw new SqlError(SqlState.syntaxError, `syntax error at or near "${text.trim().split(/\s+/)[0] ?? ''}"`, { position: base + 1 });
  }
  return (sel.SelectStmt.targetList ?? []).map((t) => {
    if (!('ResTarget' in t) || t.ResTarget.val === undefined || t.ResTarget.name !== undefined) {
      throw new SqlError(SqlState.syntaxError, 'syntax error at or near "AS"', { position: base + 1 });
    }
    return t.ResTarget.val;
  });
}

/** Normalizes an identifier token: unquoted → lower case; quoted → unescaped. */
export function identOf(tok: Tok): string {
  if (tok.text.startsWith('"')) return tok.text.slice(1, -1).replace(/""/g, '"');
  if (/^u&"/i.test(tok.text)) return tok.text.slice(3, -1).replace(/""/g, '"');
  return tok.text.toLowerCase();
}

/** The value of a string-constant token ('...', E'...', $$...$$). */
export function stringOf(tok: Tok): string {
  const t = tok.text;
  if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  if (/^[eE]'/.test(t)) {
    return t.slice(2, -1).replace(/''/g, "'").replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, c: string) => {
      if (c[0] === 'x') return String.fromCharCode(parseInt(c.slice(1), 16));
      if (/^[0-7]/.test(c)) return String.fromCharCode(parseInt(c, 8));
      return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[c] ?? c;
    });
  }
  const m = /^(\$[^$]*\$)([\s\S]*)\1$/.exec(t);
  if (m) return m[2]!;
  return t;
}
