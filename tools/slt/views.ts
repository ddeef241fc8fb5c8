/**
 * `--views`: the incremental engine must agree with itself as a batch engine. A SELECT record's query
 * is also created as a view with a default index and as a materialized view, and both are read back;
 * their rows (as a multiset) must equal the direct query's rows. The objects are created either early
 * (right after the last DDL before the query, so the file's later writes are maintained into them; see
 * view-plan.ts) or, as a fallback, at the query's own position.
 */
import type { QueryOutput } from './ast.ts';
import { isUnsupported, renderError, type RawResult, type SltClient } from './client.ts';
import { compareRows } from './parser.ts';

export interface ViewProblem {
  readonly message: string;
  readonly unsupported: boolean;
}

/** What a view check did: compared (with or without a problem) or had nothing to check. */
export type ViewCheck = { readonly kind: 'skipped' } | { readonly kind: 'checked'; readonly problem: ViewProblem | undefined };

const SKIPPED: ViewCheck = { kind: 'skipped' };

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

/** A read AS OF a time is not a view's query. */
function readsAsOf(sql: string): boolean {
  return /\bAS\s+OF\b/i.test(sql);
}

/** Errors that mean "this query cannot be a maintained view", not "the engine is wrong". */
function notAViewQuery(rendered: string): boolean {
  // A query over temporary objects cannot be a (non-temporary) view or MV.
  if (rendered.includes('cannot depend on temporary item')) return true;
  // Ad-hoc reads may use mz_now() where a maintained view may not (materialize-surface.md §3).
  return rendered.includes('cannot materialize call to mz_now');
}

/** The two objects of one check; `early` ones get names no file uses. */
export interface ViewPair {
  readonly view: string;
  readonly mv: string;
}

function pairNames(n: number, early: boolean): ViewPair {
  return early ? { view: `slt_early_view_${n}`, mv: `slt_early_mv_${n}` } : { view: `slt_view_${n}`, mv: `slt_mv_${n}` };
}

function body(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}

function columnList(count: number): string {
  return Array.from({ length: count }, (_, i) => `c${i + 1}`).join(', ');
}

async function dropPair(client: SltClient, pair: ViewPair): Promise<void> {
  await client.extended(`DROP MATERIALIZED VIEW IF EXISTS ${pair.mv} CASCADE`).catch(() => undefined);
  await client.extended(`DROP VIEW IF EXISTS ${pair.view} CASCADE`).catch(() => undefined);
}

/** Reads both objects and compares them with the direct result; a problem, or undefined. */
async function comparePair(client: SltClient, pair: ViewPair, direct: RawResult): Promise<ViewProblem | undefined> {
  const expected = canonicalRows(direct);
  const reads = [
    { what: 'indexed view', name: pair.view },
    { what: 'materialized view', name: pair.mv },
  ];
  for (const r of reads) {
    let actual: string[][];
    try {
      actual = canonicalRows(await client.extended(`SELECT * FROM ${r.name}`));
    } catch (e) {
      const rendered = renderError(e);
      return { message: `${r.what} failed: ${rendered}`, unsupported: isUnsupported(rendered) };
    }
    if (!sameRows(expected, actual)) {
      return {
        message: `${r.what} disagrees with the query\nquery rows:\n${show(expected)}\n${r.what} rows:\n${show(actual)}`,
        unsupported: false,
      };
    }
  }
  return undefined;
}

/** Whether a query record may get its views before it runs (early); the runner re-checks the rest. */
export function earlyEligible(sql: string, output: QueryOutput): boolean {
  // Time-dependent queries are only compared at one instant: at their own position.
  return isViewable(sql) && !readsAsOf(sql) && !/\bmz_now\s*\(/i.test(sql) && output.types.length > 0;
}

/**
 * Creates the views of a query ahead of it (columns named after the declared types). On failure the
 * partial objects are dropped and the error returned: the caller falls back to `checkViews`.
 */
export async function createEarly(client: SltClient, sql: string, output: QueryOutput, n: number): Promise<{ pair: ViewPair } | { error: string }> {
  const pair = pairNames(n, true);
  const columns = columnList(output.types.length);
  try {
    await client.extended(`CREATE VIEW ${pair.view} (${columns}) AS ${body(sql)}`);
    await client.extended(`CREATE DEFAULT INDEX ON ${pair.view}`);
    await client.extended(`CREATE MATERIALIZED VIEW ${pair.mv} (${columns}) AS ${body(sql)}`);
    return { pair };
  } catch (e) {
    await dropPair(client, pair);
    return { error: renderError(e) };
  }
}

/** At the query's position: compares early-created views with the direct result (the caller drops them). */
export function checkEarly(client: SltClient, pair: ViewPair, direct: RawResult): Promise<ViewProblem | undefined> {
  return comparePair(client, pair, direct);
}

/** Drops early views whose query never got to compare them (failed direct query, stopped file). */
export async function dropEarly(client: SltClient, pair: ViewPair): Promise<void> {
  await dropPair(client, pair);
}

/** At the query's position: creates, reads and drops both objects. */
export async function checkViews(client: SltClient, sql: string, direct: RawResult, output: QueryOutput, n: number): Promise<ViewCheck> {
  // DDL is not allowed inside an explicit transaction: such queries are not checked.
  if (readsAsOf(sql)) return SKIPPED;
  if (!isViewable(sql) || direct.columns.length === 0 || output.types.length === 0 || client.inTransaction) return SKIPPED;
  const pair = pairNames(n, false);
  const columns = columnList(direct.columns.length);
  const steps = [
    { what: 'indexed view', create: [`CREATE VIEW ${pair.view} (${columns}) AS ${body(sql)}`, `CREATE DEFAULT INDEX ON ${pair.view}`] },
    { what: 'materialized view', create: [`CREATE MATERIALIZED VIEW ${pair.mv} (${columns}) AS ${body(sql)}`] },
  ];
  try {
    for (const step of steps) {
      try {
        for (const stmt of step.create) await client.extended(stmt);
      } catch (e) {
        const rendered = renderError(e);
        if (notAViewQuery(rendered)) return SKIPPED;
        return {
          kind: 'checked',
          problem: { message: `${step.what} failed: ${rendered}`, unsupported: isUnsupported(rendered) || rendered.includes('cannot materialize') },
        };
      }
    }
    return { kind: 'checked', problem: await comparePair(client, pair, direct) };
  } finally {
    await dropPair(client, pair);
  }
}
