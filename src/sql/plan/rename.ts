/**
 * Rewrites stored `create_sql` after ALTER ... RENAME, so that a restart (which plans every item's
 * create_sql again) resolves the same objects: every name that resolved to the renamed item now
 * names it fully qualified by its new name. Where the old name served as a range variable in a FROM
 * clause without an alias, the old name is kept as the alias, so qualified column references
 * (`old.col`) still bind.
 *
 * Token-level on PostgreSQL's own lexer, so it works for Materialize statements too (CREATE
 * MATERIALIZED VIEW, CREATE INDEX ... ON). A name is rewritten only in a relation position: right
 * after CREATE ... VIEW/TABLE/INDEX/... (the item's own name), after ON in CREATE INDEX, and after
 * FROM / JOIN / a comma inside a FROM clause.
 */
import { SqlError, SqlState } from '../../util/index.ts';
import type { QualifiedName } from './catalog-api.ts';
import { scan, type Tok } from '../parser/tokens.ts';

/** Keywords after which the next name is an object name. */
const OBJECT_POSITION = new Set(['VIEW', 'TABLE', 'INDEX', 'EXISTS', 'SOURCE', 'SINK', 'JOIN', 'FROM']);
/** Keywords that end a FROM clause at the current parenthesis depth. */
const FROM_END = new Set(['WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'INTERSECT', 'EXCEPT', 'WINDOW', 'FETCH', 'SELECT', 'RETURNING', 'AS']);

function isNamePart(t: Tok | undefined): boolean {
  if (t === undefined) return false;
  return t.name === 'IDENT' || (t.isKeyword && /^[A-Za-z_][A-Za-z0-9_$]*$/.test(t.text));
}

function partValue(t: Tok): string {
  if (t.text.startsWith('"')) return t.text.slice(1, -1).replaceAll('""', '"');
  return t.text.toLowerCase();
}

function quote(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

export function qualifiedText(n: QualifiedName): string {
  return `${quote(n.database)}.${quote(n.schema)}.${quote(n.item)}`;
}

/**
 * `sql` with every reference to the item `resolvesToTarget` recognizes replaced by `newName`.
 * `resolvesToTarget(parts)` answers whether a 1–3 part name, resolved as the item's definition would be
 * at restart, is the renamed item.
 */
export function renameInCreateSql(sql: string, resolvesToTarget: (parts: readonly string[]) => boolean, newName: QualifiedName): string {
  let toks: Tok[];
  try {
    toks = scan(sql, 0);
  } catch {
    throw new SqlError(SqlState.internalError, 'internal error: stored create_sql does not scan');
  }
  const edits: { start: number; end: number; text: string }[] = [];
  // Per parenthesis depth: whether we are inside a FROM clause.
  const inFrom: boolean[] = [false];
  let createIndexOn = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const depth = inFrom.length - 1;
    if (t.text === '(') { inFrom.push(false); continue; }
    if (t.text === ')') { if (inFrom.length > 1) inFrom.pop(); continue; }
    if (t.upper === 'FROM') inFrom[depth] = true;
    else if (FROM_END.has(t.upper) && t.isKeyword) inFrom[depth] = false;
    if (i === 0 && t.upper === 'CREATE') createIndexOn = toks.some((x, j) => j < 4 && x.upper === 'INDEX');
    if (!isNamePart(t)) continue;
    const prev = toks[i - 1];
    const prevWord = prev?.upper ?? '';
    const relationPosition = (prev !== undefined && prev.isKeyword && OBJECT_POSITION.has(prevWord))
      || (prevWord === ',' && inFrom[depth] === true)
      || (prevWord === 'ON' && createIndexOn && depth === 0);
    // Collect the dotted name starting here.
    const parts: Tok[] = [t];
    let j = i;
    while (parts.length < 3 && toks[j + 1]?.text === '.' && isNamePart(toks[j + 2])) {
      parts.push(toks[j + 2]!);
      j += 2;
    }
    if (relationPosition && resolvesToTarget(parts.map(partValue))) {
      const next = toks[j + 1];
      const aliased = next !== undefined && (next.upper === 'AS' || next.name === 'IDENT');
      const fromItem = prevWord === 'FROM' || prevWord === 'JOIN' || prevWord === ',';
      const alias = fromItem && !aliased ? ` AS ${quote(partValue(parts[parts.length - 1]!))}` : '';
      // CREATE INDEX takes a bare name for the index itself (it lives in its relation's schema).
      const bare = createIndexOn && prevWord !== 'ON';
      edits.push({ start: t.start, end: parts[parts.length - 1]!.end, text: (bare ? quote(newName.item) : qualifiedText(newName)) + alias });
    }
    i = j;
  }
  let out = sql;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
