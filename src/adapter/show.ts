/**
 * SHOW CREATE <object> and SHOW CREATE CLUSTER: the object's fully qualified name and its SQL.
 * (SHOW <objects> and SHOW COLUMNS are planned as SELECTs over mz_internal.mz_show_*: sql/plan/show.ts.)
 */
import type { Plan } from '../sql/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import { type Catalog, type ClusterEntry, formatName } from './catalog.ts';
import type { Coordinator } from './coordinator.ts';
import { rowsResult } from './rows.ts';
import type { ExecuteResult } from './session-api.ts';

const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A cluster's definition as Materialize prints it (options in its canonical order). */
export function clusterCreateSql(catalog: Catalog, c: ClusterEntry): string {
  const opts = ['INTROSPECTION DEBUGGING = false', "INTROSPECTION INTERVAL = INTERVAL '00:00:01'", `MANAGED = ${c.managed}`];
  if (c.managed) opts.push(`REPLICATION FACTOR = ${c.replicationFactor ?? 1}`, `SIZE = ${lit(c.size ?? '')}`);
  else opts.push(`REPLICAS = (${catalog.replicasOf(c.id).map((r) => `${ident(r.name)} (SIZE = ${lit(r.size)})`).join(', ')})`);
  opts.push('SCHEDULE = MANUAL');
  return `CREATE CLUSTER ${ident(c.name)} (${opts.join(', ')})`;
}

export function showCreate(coord: Coordinator, plan: Extract<Plan, { kind: 'showCreate' }>): ExecuteResult {
  if (plan.cluster !== undefined) {
    const c = coord.catalog.clusterByName(plan.cluster);
    if (c === undefined) throw new SqlError(SqlState.undefinedObject, `unknown cluster '${plan.cluster}'`);
    return rowsResult(plan.columns, [[c.name, clusterCreateSql(coord.catalog, c)]]);
  }
  const item = coord.catalog.getItem(plan.id);
  if (item === undefined) throw new SqlError(SqlState.undefinedObject, `unknown catalog item '${plan.id}'`);
  return rowsResult(plan.columns, [[formatName(item.name), item.createSql]]);
}
