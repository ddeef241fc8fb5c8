/**
 * ALTER ... RENAME TO and COMMENT ON, applied to the catalog (durably, then in memory). A rename
 * rewrites the stored create_sql of the item and of every item that names it, so that a restart,
 * which plans each create_sql again, finds the same objects under their new names.
 */
import { type Plan, renameInCreateSql } from '../sql/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import { type CatalogItem, durableItem } from './catalog.ts';
import type { Coordinator } from './coordinator.ts';
import { renameCheck, withComment } from './transaction.ts';

export async function applyRename(coord: Coordinator, plan: Extract<Plan, { kind: 'alterRename' }>): Promise<void> {
  const catalog = coord.catalog;
  const item = catalog.getItem(plan.id);
  if (item === undefined || coord.builtins.get(plan.id) !== undefined) throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${plan.id}'`);
  renameCheck(catalog, item, plan.newName);
  // Resolve names as a restart would: where CREATE resolved them (coordinator's #planDurable).
  const refersToItem = (owner: CatalogItem) => (parts: readonly string[]): boolean => {
    const database = owner.resolvedIn?.database ?? owner.name.database;
    const searchPath = owner.resolvedIn === undefined ? [owner.name.schema] : [...owner.resolvedIn.searchPath, owner.name.schema];
    return catalog.resolveItem(parts, searchPath, database)?.id === item.id;
  };
  const updated: CatalogItem[] = [{ ...item, name: plan.newName, createSql: renameInCreateSql(item.createSql, refersToItem(item), plan.newName) }];
  for (const id of catalog.dependents(item.id)) {
    const dep = catalog.getItem(id);
    if (dep === undefined) continue;
    const createSql = renameInCreateSql(dep.createSql, refersToItem(dep), plan.newName);
    if (createSql !== dep.createSql) updated.push({ ...dep, createSql });
  }
  await coord.persistCatalog(updated.map(durableItem), []);
  for (const u of updated) catalog.updateItem(u);
}

export async function applyComment(coord: Coordinator, plan: Extract<Plan, { kind: 'comment' }>): Promise<void> {
  const item = coord.catalog.getItem(plan.id);
  if (item === undefined || coord.builtins.get(plan.id) !== undefined) throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${plan.id}'`);
  const updated: CatalogItem = { ...item, comments: withComment(item.comments, plan.subId, plan.comment) };
  await coord.persistCatalog([durableItem(updated)], []);
  coord.catalog.updateItem(updated);
}
