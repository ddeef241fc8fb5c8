/**
 * `--views`: the incremental engine must agree with itself as a batch engine. After a SELECT record
 * passes, the same query is created as a view with a default index and as a materialized view,
 * and both are read back; their rows (as a multiset) must equal the direct query's rows.
 */
import type { QueryOutput } from './ast.ts';
import { isUnsupported, renderError, type RawResult, type SltClient } from './client.ts';
import { compareRows } from './parser.ts';

export interface ViewProblem {
  readonly message: string;
  readonly unsupported: boolean;
}

const NULL_KEY = '\u0000NULL';

function canonicalRows(res: RawResult): string[][] {
  return res.rows.map((r) => r.map((v) => v ?? NULL_KEY)).sort(compareRows);
}

function sameRows(a: readonly string[][], b: readonly string[][]): boolean {
  return a.length === b.length && a.every((row, i) => compareRows(row, b[i] ?? []) === 0);
}

function show(rows: readonly string[][]): string {
  const shown = rows.slice(0, 20).map((r) => `    ${r.map((v) => (v === NULL_KEY ? 'NULL' : v)).join(' | ')}`);
  if (rows.length > 20) shown.push(`    ... (${rows.length} rows)`);
  return shown.join('\n');
}

/** Only plain queries can be views; SHOW and friends are not checked. */
export function isViewable(sql: string): boolean {
  return /^\s*(\(\s*)*(select|with|values)\b/i.test(sql);
}

/** Returns undefined when both views agree with the direct result (or the query is not viewable). */
export async function checkViews(
  client: SltClient,
  sql: string,
  direct: RawResult,
  output: QueryOutput,
  n: number,
): Promise<ViewProblem | undefined> {
  // DDL is not allowed inside an explicit transaction: such queries are not checked.
  // A read AS OF a time is not a view's query; nothing to check.
  if (/\bAS\s+OF\b/i.test(sql)) return undefined;
  if (!isViewable(sql) || direct.columns.length === 0 || output.types.length === 0 || client.inTransaction) return undefined;
  const body = sql.trim().replace(/;\s*$/, '');
  const columns = direct.columns.map((_, i) => `c${i + 1}`).join(', ');
  const expected = canonicalRows(direct);
  const view = `slt_view_${n}`;
  const mv = `slt_mv_${n}`;
  const steps: { what: string; create: string[]; read: string; drop: string }[] = [
    {
      what: 'indexed view',
      create: [`CREATE VIEW ${view} (${columns}) AS ${body}`, `CREATE DEFAULT INDEX ON ${view}`],
      read: `SELECT * FROM ${view}`,
      drop: `DROP VIEW IF EXISTS ${view} CASCADE`,
    },
    {
      what: 'materialized view',
      create: [`CREATE MATERIALIZED VIEW ${mv} (${columns}) AS ${body}`],
      read: `SELECT * FROM ${mv}`,
      drop: `DROP MATERIALIZED VIEW IF EXISTS ${mv} CASCADE`,
    },
  ];
  for (const step of steps) {
    try {
      for (const stmt of step.create) await client.extended(stmt);
      const actual = canonicalRows(await client.extended(step.read));
      if (!sameRows(expected, actual)) {
        return {
          message: `${step.what} disagrees with the query\nquery rows:\n${show(expected)}\n${step.what} rows:\n${show(actual)}`,
          unsupported: false,
        };
      }
    } catch (e) {
      const rendered = renderError(e);
      // A query over temporary objects cannot be a (non-temporary) view or MV: nothing to check.
      if (rendered.includes('cannot depend on temporary item')) return undefined;
      // Ad-hoc reads may use mz_now() where a maintained view may not (materialize-surface.md §3).
      if (rendered.includes('cannot materialize call to mz_now')) return undefined;
      return {
        message: `${step.what} failed: ${rendered}`,
        unsupported: isUnsupported(rendered) || rendered.includes('cannot materialize'),
      };
    } finally {
      await client.extended(step.drop).catch(() => undefined);
    }
  }
  return undefined;
}
