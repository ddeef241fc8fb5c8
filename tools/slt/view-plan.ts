/**
 * `--views` planning: where each query's views are created. A query's *anchor* is the last boundary
 * record before it (or the file start); its views are created right after the anchor runs, so every
 * write between the anchor and the query is maintained into them. A boundary is anything that is not a
 * plain read or write (DDL, SET, transaction control, reset-server, ...) or that reads the catalog
 * (which would see the early views); before a boundary runs, all early views are dropped, so it sees
 * the catalog it would see without --views. Pure: the runner executes the plan (runner.ts).
 */
import { assertNever } from '../../src/util/index.ts';
import type { SltRecord } from './ast.ts';
import { earlyEligible } from './views.ts';

export interface ViewPlan {
  /** Record index (-1 = file start) → indexes of the query records whose views are created after it. */
  readonly anchored: ReadonlyMap<number, readonly number[]>;
  /** Record indexes before which every early view still alive is dropped. */
  readonly boundaries: ReadonlySet<number>;
  /** Anchored query indexes with at least one write (INSERT/UPDATE/DELETE/COPY) between anchor and query. */
  readonly afterWrites: ReadonlySet<number>;
}

/** Reads and writes: statements that neither change the catalog nor the session. */
function isReadOrWrite(sql: string): boolean {
  return /^\s*(\(\s*)*(select|with|values|table|insert|update|delete|copy)\b/i.test(sql);
}

function isWrite(record: SltRecord): boolean {
  if (record.kind === 'copy') return true;
  return (record.kind === 'statement' || record.kind === 'simple') && /^\s*(insert|update|delete|copy)\b/i.test(record.sql);
}

/** Anything that may list objects (early views would show up in it). */
export function readsCatalog(sql: string): boolean {
  // Catalog relations (mz_views, pg_class, ...), not functions (mz_now(), pg_typeof(...)).
  return /\b(mz|pg)_\w+\b(?!\s*\()/i.test(sql) || /\binformation_schema\b/i.test(sql) || /^\s*show\b/i.test(sql);
}

/** Several statements in one string (simple protocol): too much to classify. */
function severalStatements(sql: string): boolean {
  return /;\s*\S/.test(sql.trim());
}

function isBoundary(record: SltRecord): boolean {
  switch (record.kind) {
    case 'statement':
    case 'queryError':
    case 'query':
      return !isReadOrWrite(record.sql) || readsCatalog(record.sql);
    case 'simple':
      return record.conn !== undefined || severalStatements(record.sql) || !isReadOrWrite(record.sql) || readsCatalog(record.sql);
    case 'resetServer':
      return true;
    case 'copy':
    case 'hashThreshold':
    case 'halt':
      return false;
    default:
      return assertNever(record);
  }
}

/** `skip` says whether the runner skips a record (skipif/onlyif for its target). */
export function planViews(records: readonly SltRecord[], skip: (r: SltRecord) => boolean): ViewPlan {
  const anchored = new Map<number, number[]>();
  const boundaries = new Set<number>();
  const afterWrites = new Set<number>();
  let anchor = -1;
  let wrote = false;
  for (const [i, record] of records.entries()) {
    if (skip(record)) continue;
    if (record.kind === 'halt') break;
    const boundary = isBoundary(record);
    if (record.kind === 'query' && !boundary && earlyEligible(record.sql, record.output)) {
      const list = anchored.get(anchor) ?? [];
      list.push(i);
      anchored.set(anchor, list);
      if (wrote) afterWrites.add(i);
    }
    if (isWrite(record)) wrote = true;
    if (boundary) {
      boundaries.add(i);
      anchor = i;
      wrote = false;
    }
  }
  return { anchored, boundaries, afterWrites };
}
