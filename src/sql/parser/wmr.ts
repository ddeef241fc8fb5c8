/**
 * Materialize's `WITH MUTUALLY RECURSIVE [(RETURN AT | ERROR AT RECURSION LIMIT n)] name (col type, ...)
 * AS (query), ... <query>`: the bindings are parsed here (their queries and the final query by
 * libpg-query) and travel on the `pg` statement as `mutuallyRecursive`.
 */
import type { Node } from 'libpg-query';
import { SqlError, SqlState } from '../../util/index.ts';
import type { MutuallyRecursive, PgNode } from './ast.ts';
import type { Cursor } from './cursor.ts';
import { queryBetween } from './mz.ts';
import { pgParse } from './tokens.ts';

export function isWmr(c: Cursor): boolean {
  return c.isKws('WITH', 'MUTUALLY', 'RECURSIVE');
}

/** Parses `WITH MUTUALLY RECURSIVE ... <query>`: the final query node and the bindings. */
export function parseWmr(c: Cursor): { node: PgNode; wmr: MutuallyRecursive } {
  c.expectKw('WITH');
  c.expectKw('MUTUALLY');
  c.expectKw('RECURSIVE');
  let limit: MutuallyRecursive['limit'];
  if (c.isPunct('(')) {
    c.expectPunct('(');
    const kind = c.eatKw('RETURN') ? 'return' : c.eatKw('ERROR') ? 'error' : undefined;
    if (kind !== undefined) c.expectKw('AT');
    c.expectKw('RECURSION');
    c.expectKw('LIMIT');
    const t = c.peek();
    if (t === undefined || !/^\d+$/.test(t.text)) throw c.error();
    c.i++;
    c.expectPunct(')');
    limit = { n: Number(t.text), kind: kind ?? 'error' };
  }
  const bindings: MutuallyRecursive['bindings'][number][] = [];
  for (;;) {
    const name = c.ident();
    c.expectPunct('(');
    const columns: { name: string; type: Node }[] = [];
    for (;;) {
      const col = c.ident();
      const end = c.findTopLevel((cc, k) => cc.isPunct(',', k) || cc.isPunct(')', k));
      const { text } = c.textBetween(c.i, end);
      if (text === '') throw c.error();
      columns.push({ name: col, type: typeNode(text) });
      c.i = end;
      if (c.eatPunct(',')) continue;
      c.expectPunct(')');
      break;
    }
    c.expectKw('AS');
    if (!c.isPunct('(')) throw c.error();
    const close = c.matchingParen();
    const query = queryBetween(c, c.i + 1, close);
    c.i = close + 1;
    bindings.push({ name, columns, query });
    if (!c.eatPunct(',')) break;
  }
  const node = queryBetween(c, c.i, c.toks.length);
  return { node, wmr: { bindings, ...(limit !== undefined ? { limit } : {}) } };
}

/** A column type's TypeName node, parsed by libpg-query from `NULL::<type>`. */
function typeNode(text: string): Node {
  const nodes = pgParse(`SELECT NULL::${text}`, 0);
  const sel = nodes[0];
  const target = sel !== undefined && 'SelectStmt' in sel ? sel.SelectStmt.targetList?.[0] : undefined;
  const val = target !== undefined && 'ResTarget' in target ? target.ResTarget.val : undefined;
  if (val === undefined || !('TypeCast' in val) || val.TypeCast.typeName === undefined) {
    throw new SqlError(SqlState.syntaxError, `syntax error at or near "${text}"`);
  }
  return { TypeName: val.TypeCast.typeName };
}

/**
 * `CREATE [OR REPLACE] [TEMP] VIEW name [(cols)] AS WITH MUTUALLY RECURSIVE ...`: libpg-query parses
 * the view with a placeholder query, which is then replaced by the WMR body; the bindings travel on
 * the statement as for a plain query. Undefined when the statement is not such a view.
 */
export function parseWmrView(c: Cursor): { node: PgNode; wmr: MutuallyRecursive } | undefined {
  if (!c.isKw('CREATE')) return undefined;
  const as = c.findTopLevel((cc, k) => cc.isKw('AS', k) && cc.isKw('WITH', k + 1) && cc.isKw('MUTUALLY', k + 2) && cc.isKw('RECURSIVE', k + 3));
  if (as >= c.toks.length) return undefined;
  const head = c.textBetween(c.i, as + 1);
  const nodes = pgParse(`${head.text} SELECT 1`, c.base + head.start);
  const view = nodes[0];
  if (nodes.length !== 1 || view === undefined || !('ViewStmt' in view)) return undefined;
  c.i = as + 1;
  const { node, wmr } = parseWmr(c);
  return { node: { ViewStmt: { ...view.ViewStmt, query: node } }, wmr };
}
