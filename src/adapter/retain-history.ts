/**
 * RETAIN HISTORY in the adapter: each collection's compaction window (its create_sql's RETAIN HISTORY,
 * a subsource inheriting its source's, else Materialize's default 1s) and ALTER ... SET/RESET
 * (RETAIN HISTORY), which rewrites the create_sql durably. Compaction (coordinator) keeps every
 * collection's `since` at least its window behind the read timestamp, so AS OF reads and SUBSCRIBE
 * ... AS OF inside the window get the exact history.
 */
import { DEFAULT_RETAIN_HISTORY_MS, type Plan, type RetainHistoryTarget, retainHistoryOf } from '../sql/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import { type Catalog, type CatalogItem, durableItem } from './catalog.ts';
import type { Coordinator } from './coordinator.ts';
import { commandResult } from './rows.ts';
import type { ExecuteResult } from './session-api.ts';
import type { SessionImpl } from './session.ts';

const TARGETS: Partial<Record<CatalogItem['kind'], RetainHistoryTarget>> = {
  table: 'table', 'materialized-view': 'materialized-view', index: 'index', source: 'source',
};

/** The RETAIN HISTORY an item asked for (ms), if any; a subsource without its own inherits its source's (not progress). */
export function explicitRetainHistory(catalog: Catalog, item: CatalogItem): number | undefined {
  const target = TARGETS[item.kind];
  if (target === undefined) return undefined;
  const own = safeRetain(item.createSql, target);
  if (own !== undefined) return own;
  if (item.extra?.kind === 'subsource' && item.extra.type !== 'progress') {
    const source = catalog.getItem(item.extra.source);
    if (source !== undefined) return safeRetain(source.createSql, 'source');
  }
  return undefined;
}

/** An item's compaction window in ms. */
export function compactionWindow(catalog: Catalog, item: CatalogItem): number {
  return explicitRetainHistory(catalog, item) ?? DEFAULT_RETAIN_HISTORY_MS;
}

function safeRetain(createSql: string, target: RetainHistoryTarget): number | undefined {
  try {
    return retainHistoryOf(createSql, target);
  } catch {
    // Stored statements were checked at CREATE; a statement from an older version that does not
    // parse here keeps the default window rather than stopping compaction.
    return undefined;
  }
}

/** ALTER ... SET / RESET (RETAIN HISTORY): a durable create_sql change, effective from the next compaction. */
export async function sequenceAlterRetainHistory(coord: Coordinator, session: SessionImpl, plan: Extract<Plan, { kind: 'alterRetainHistory' }>): Promise<ExecuteResult> {
  if (session.inTransactionBlock()) throw new SqlError(SqlState.activeSqlTransaction, `${plan.tag} cannot be run inside a transaction block`);
  return coord.withWriteLock(async () => {
    const item = coord.catalog.getItem(plan.id);
    if (item === undefined) throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${plan.id}'`);
    if (item.createSql !== plan.createSql) {
      const updated: CatalogItem = { ...item, createSql: plan.createSql };
      await coord.persistCatalog([durableItem(updated)], []);
      coord.catalog.updateItem(updated);
      await coord.afterCatalogChange();
    }
    return commandResult(plan.tag);
  });
}
