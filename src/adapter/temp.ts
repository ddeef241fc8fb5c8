/**
 * Temporary tables and views (`CREATE TEMP|TEMPORARY TABLE/VIEW`, Materialize's semantics): they live
 * in the session's `mz_temp` schema, which comes first on its effective search path; only the session
 * that created them resolves their names; they are never written to the durable catalog (so a
 * restart forgets them) and are dropped when the session ends or runs DISCARD TEMP / DISCARD ALL.
 *
 * The items themselves sit in the shared Catalog (ids `t<N>`, marked with `tempOwner`) so that
 * dataflows, peeks and the builtin catalog relations find them by id like any other item; only name
 * resolution is per session (`sessionCatalog`). A temporary table's rows go to an ephemeral persist
 * shard (`ephemeral/temp-...`: in memory, never on disk), dropped with the table; should a deployment
 * route `ephemeral/` shards to durable storage, the ones a crash left behind are dropped at boot.
 */
import type { GlobalId } from '../expr/index.ts';
import { EPHEMERAL_PREFIX, type PersistClient } from '../persist/index.ts';
import type { CatalogReader } from '../sql/index.ts';
import { type Catalog, type CatalogItem, TEMP_SCHEMA } from './catalog.ts';
import type { Coordinator } from './coordinator.ts';
import { dropItems } from './sequencer.ts';
import type { SessionImpl } from './session.ts';

export { TEMP_SCHEMA };

/** Prefix of temporary tables' shards: in memory (persist's ephemeral store), never referenced by the durable catalog. */
const TEMP_SHARD_PREFIX = `${EPHEMERAL_PREFIX}temp-`;

/** The catalog as one session's planning sees it: its own temporary items resolve, no one else's. */
export function sessionCatalog(catalog: Catalog, connectionId: number): CatalogReader {
  return {
    resolveItem: (parts, searchPath, database) => catalog.resolveItem(parts, searchPath, database, connectionId),
    getItem: (id) => catalog.getItem(id),
    dependents: (id) => catalog.dependents(id),
    schemaExists: (database, schema) => catalog.schemaExists(database, schema),
    databaseExists: (database) => catalog.databaseExists(database),
    indexesOn: (id) => catalog.indexesOn(id),
    schemaId: (database, schema) => catalog.schemaId(database, schema),
    databaseId: (database) => catalog.databaseId(database),
    clusterId: (name) => catalog.clusterId(name),
  };
}

/** Whether a planned name is a temporary one (the planner puts temporary items in mz_temp, and only them). */
export function isTempName(name: CatalogItem['name']): boolean {
  return name.schema === TEMP_SCHEMA;
}

/**
 * A new item as its creating session owns it: temporary items get their owner and a shard name of
 * their own (`t<N>` ids restart at 1 each boot, so `table-t1` could name a previous run's leftovers).
 */
export function ownedBy(item: CatalogItem, connectionId: number): CatalogItem {
  if (!isTempName(item.name)) return item;
  const shardId = item.kind === 'table' ? { shardId: `${TEMP_SHARD_PREFIX}${item.id}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` } : {};
  return { ...item, tempOwner: connectionId, ...shardId };
}

/** Drops every temporary item of a session (session end, DISCARD TEMP). Takes the write lock. */
export async function dropTempItems(coord: Coordinator, session: SessionImpl): Promise<number> {
  if (coord.catalog.tempItemsOf(session.connectionId).length === 0) return 0;
  return coord.withWriteLock(async () => {
    const ids: GlobalId[] = coord.catalog.tempItemsOf(session.connectionId).map((i) => i.id);
    if (ids.length === 0) return 0;
    await dropItems({ coord, session, signal: new AbortController().signal }, ids, true);
    await coord.afterCatalogChange();
    return ids.length;
  });
}

/** Drops the shards of temporary tables a previous run left behind (it crashed before dropping them). */
export async function dropLeftoverTempShards(persist: PersistClient): Promise<number> {
  let n = 0;
  for (const id of await persist.list()) {
    if (!id.startsWith(TEMP_SHARD_PREFIX)) continue;
    await (await persist.open(id)).drop();
    n++;
  }
  return n;
}
