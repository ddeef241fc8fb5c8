/**
 * Clusters and replicas in the durable catalog: CREATE/DROP/ALTER CLUSTER [REPLICA], the default
 * `quickstart` cluster, and which cluster a new materialized view, index or source runs on.
 *
 * One process runs every cluster today (see README): a cluster is a catalog record that objects
 * point at by id, so renaming or swapping clusters never touches the objects, and a later split of
 * clusters into processes only has to send each cluster's dataflows to its replicas.
 */
import type { AlterClusterAction, Plan } from '../sql/index.ts';
import { SqlError, SqlState, assertNever } from '../util/index.ts';
import { type CatalogItem, type ClusterEntry, type ClusterReplicaEntry, type DurableEntry, SYSTEM_CLUSTERS } from './catalog.ts';
import type { Coordinator } from './coordinator.ts';
import { commandResult } from './rows.ts';
import type { SequenceEnv } from './sequencer.ts';
import type { ExecuteResult } from './session-api.ts';

/** Materialize's default cluster (reference/materialize-surface.md §0). */
export const DEFAULT_CLUSTER = { name: 'quickstart', size: '25cc' } as const;

export type ClusterPlan = Extract<Plan, { kind: 'createCluster' | 'createClusterReplica' | 'dropClusters' | 'dropClusterReplicas' | 'alterCluster' | 'alterClusterReplica' }>;

const clusterEntry = (c: ClusterEntry): DurableEntry => ({ type: 'cluster', ...c });
const replicaEntry = (r: ClusterReplicaEntry): DurableEntry => ({ type: 'clusterReplica', ...r });

const unknownCluster = (name: string): SqlError => new SqlError(SqlState.undefinedObject, `unknown cluster '${name}'`);
const systemCluster = (name: string): SqlError => new SqlError(SqlState.insufficientPrivilege, `system cluster '${name}' cannot be modified`);

/** A user cluster by name: unknown and system clusters are errors. */
function userCluster(coord: Coordinator, name: string): ClusterEntry {
  const c = coord.catalog.clusterByName(name);
  if (c === undefined) throw unknownCluster(name);
  if (SYSTEM_CLUSTERS.some((s) => s.id === c.id)) throw systemCluster(name);
  return c;
}

/**
 * The cluster a new materialized view, index or source runs on: `IN CLUSTER name`, else the session's
 * `cluster` variable (Materialize's rule). Returns its id.
 */
export function clusterForNewObject(coord: Coordinator, sessionCluster: string, inCluster: string | undefined): string {
  return userCluster(coord, inCluster ?? sessionCluster).id;
}

/**
 * A SELECT or SUBSCRIBE runs on the session's cluster, which must exist — unless it reads only
 * system relations: Materialize routes those to mz_catalog_server (auto_route_catalog_queries), so
 * SHOW and catalog queries work whatever `cluster` is.
 */
export function checkQueryCluster(coord: Coordinator, sessionCluster: string, reads: Iterable<string>): void {
  for (const id of reads) {
    if (id.startsWith('s')) continue;
    if (coord.catalog.clusterByName(sessionCluster) === undefined) throw unknownCluster(sessionCluster);
    return;
  }
}

/** Whether an item is maintained by a cluster (materialized views, indexes, sources other than subsources, sinks). */
export function runsOnCluster(item: CatalogItem): boolean {
  return item.kind === 'materialized-view' || item.kind === 'index' || item.kind === 'sink' || (item.kind === 'source' && item.extra?.kind !== 'subsource');
}

/** Creates `quickstart` in a catalog that has never recorded clusters (a fresh one, or one from before clusters). */
export async function ensureDefaultCluster(coord: Coordinator): Promise<void> {
  const catalog = coord.catalog;
  if (catalog.clustersInitialized) return;
  const cluster: ClusterEntry = { id: catalog.allocateClusterId(), name: DEFAULT_CLUSTER.name, managed: true, size: DEFAULT_CLUSTER.size, replicationFactor: 1 };
  const replicas = managedReplicas(coord, cluster, []);
  await coord.persistCatalog([clusterEntry(cluster), ...replicas.map(replicaEntry)], []);
  catalog.clusters.set(cluster.id, cluster);
  for (const r of replicas) catalog.clusterReplicas.set(r.id, r);
  catalog.clustersInitialized = true;
}

/** The replicas a managed cluster should have (r1..rN of its size), reusing `current` ones that already match. */
function managedReplicas(coord: Coordinator, c: ClusterEntry, current: readonly ClusterReplicaEntry[]): ClusterReplicaEntry[] {
  const out: ClusterReplicaEntry[] = [];
  for (let i = 1; i <= (c.replicationFactor ?? 0); i++) {
    const name = `r${i}`;
    const keep = current.find((r) => r.name === name && r.size === c.size);
    out.push(keep ?? { id: coord.catalog.allocateReplicaId(), name, clusterId: c.id, size: c.size! });
  }
  return out;
}

/** Replaces cluster `before` by `after` (and its replicas by `replicas`) durably and in memory. */
async function writeCluster(coord: Coordinator, before: ClusterEntry | undefined, after: ClusterEntry | undefined, replicas?: readonly ClusterReplicaEntry[]): Promise<void> {
  const catalog = coord.catalog;
  const id = (before ?? after)!.id;
  const old = catalog.replicasOf(id);
  const next = replicas ?? (after === undefined ? [] : old);
  const removed = old.filter((r) => !next.some((n) => n.id === r.id && n.name === r.name));
  const added = next.filter((n) => !old.some((r) => r.id === n.id && r.name === n.name));
  // persistCatalog retracts the previous value of every key it adds: pass changed records as additions only.
  await coord.persistCatalog(
    [...(after === undefined ? [] : [clusterEntry(after)]), ...added.map(replicaEntry)],
    [...(before !== undefined && after === undefined ? [clusterEntry(before)] : []), ...removed.filter((r) => !added.some((a) => a.id === r.id)).map(replicaEntry)],
  );
  if (after === undefined) catalog.clusters.delete(id);
  else catalog.clusters.set(id, after);
  for (const r of removed) catalog.clusterReplicas.delete(r.id);
  for (const r of added) catalog.clusterReplicas.set(r.id, r);
}

function checkNameFree(coord: Coordinator, name: string): void {
  if (coord.catalog.clusterByName(name) !== undefined) throw new SqlError(SqlState.duplicateObject, `cluster '${name}' already exists`);
}

function managedOnly(c: ClusterEntry, what: 'create' | 'drop'): void {
  if (c.managed) throw new SqlError(SqlState.invalidParameterValue, `cannot ${what} replicas of managed cluster ${c.name}`, { hint: 'Use ALTER CLUSTER ... SET (REPLICATION FACTOR ...) to change the replicas of a managed cluster.' });
}

/** Applies a cluster plan. Caller holds the write lock and re-syncs the builtin relations after. */
export async function sequenceCluster(env: SequenceEnv, plan: ClusterPlan, dropItems: (ids: readonly string[]) => Promise<unknown>): Promise<ExecuteResult> {
  const { coord, session } = env;
  const catalog = coord.catalog;
  switch (plan.kind) {
    case 'createCluster': {
      checkNameFree(coord, plan.name);
      const id = catalog.allocateClusterId();
      const config = plan.config;
      const cluster: ClusterEntry = config.managed
        ? { id, name: plan.name, managed: true, size: config.size, replicationFactor: config.replicationFactor }
        : { id, name: plan.name, managed: false, size: undefined, replicationFactor: undefined };
      const replicas = config.managed
        ? managedReplicas(coord, cluster, [])
        : config.replicas.map((r) => ({ id: catalog.allocateReplicaId(), name: r.name, clusterId: id, size: r.size }));
      await writeCluster(coord, undefined, cluster, replicas);
      return commandResult('CREATE CLUSTER');
    }
    case 'createClusterReplica': {
      const c = userCluster(coord, plan.cluster);
      managedOnly(c, 'create');
      const current = catalog.replicasOf(c.id);
      if (current.some((r) => r.name === plan.replica)) throw new SqlError(SqlState.duplicateObject, `cluster replica '${plan.cluster}.${plan.replica}' already exists`);
      await writeCluster(coord, c, c, [...current, { id: catalog.allocateReplicaId(), name: plan.replica, clusterId: c.id, size: plan.size }]);
      return commandResult('CREATE CLUSTER REPLICA');
    }
    case 'dropClusters': {
      // Check every name before dropping any, so a failing DROP changes nothing.
      const targets: ClusterEntry[] = [];
      for (const name of plan.names) {
        const c = catalog.clusterByName(name);
        if (c === undefined) {
          if (!plan.ifExists) throw unknownCluster(name);
          session.notice(`cluster "${name}" does not exist, skipping`);
          continue;
        }
        userCluster(coord, name);
        if (catalog.itemsInCluster(c.id).length > 0 && !plan.cascade) {
          throw new SqlError(SqlState.dependentObjectsStillExist, `cannot drop cluster "${name}" because other objects depend on it`, { hint: 'Use DROP ... CASCADE to drop the dependent objects too.' });
        }
        if (!targets.includes(c)) targets.push(c);
      }
      for (const c of targets) {
        await dropItems(catalog.itemsInCluster(c.id).map((i) => i.id));
        await writeCluster(coord, c, undefined);
      }
      return commandResult('DROP CLUSTER');
    }
    case 'dropClusterReplicas': {
      const targets: [ClusterEntry, string][] = [];
      for (const [cluster, replica] of plan.names) {
        const c = catalog.clusterByName(cluster);
        if (c === undefined) {
          if (!plan.ifExists) throw unknownCluster(cluster);
          session.notice(`cluster "${cluster}" does not exist, skipping`);
          continue;
        }
        userCluster(coord, cluster);
        if (!catalog.replicasOf(c.id).some((r) => r.name === replica)) {
          if (!plan.ifExists) throw new SqlError(SqlState.undefinedObject, `unknown cluster replica '${cluster}.${replica}'`);
          session.notice(`cluster replica "${cluster}.${replica}" does not exist, skipping`);
          continue;
        }
        managedOnly(c, 'drop');
        targets.push([c, replica]);
      }
      for (const [c, replica] of targets) {
        const current = catalog.replicasOf(c.id);
        await writeCluster(coord, c, c, current.filter((r) => r.name !== replica));
      }
      return commandResult('DROP CLUSTER REPLICA');
    }
    case 'alterCluster': {
      const c = catalog.clusterByName(plan.name);
      if (c === undefined) {
        if (plan.ifExists) {
          session.notice(`cluster "${plan.name}" does not exist, skipping`);
          return commandResult('ALTER CLUSTER');
        }
        throw unknownCluster(plan.name);
      }
      userCluster(coord, plan.name);
      await alterCluster(coord, c, plan.action);
      return commandResult('ALTER CLUSTER');
    }
    case 'alterClusterReplica': {
      const c = catalog.clusterByName(plan.cluster);
      if (c === undefined) throw unknownCluster(plan.cluster);
      userCluster(coord, plan.cluster);
      const current = catalog.replicasOf(c.id);
      const r = current.find((x) => x.name === plan.replica);
      if (r === undefined) {
        if (plan.ifExists) {
          session.notice(`cluster replica "${plan.cluster}.${plan.replica}" does not exist, skipping`);
          return commandResult('ALTER CLUSTER REPLICA');
        }
        throw new SqlError(SqlState.undefinedObject, `unknown cluster replica '${plan.cluster}.${plan.replica}'`);
      }
      managedOnly(c, 'create');
      if (current.some((x) => x.name === plan.to)) throw new SqlError(SqlState.duplicateObject, `cluster replica '${plan.cluster}.${plan.to}' already exists`);
      // Same id, new name: writeCluster sees a removal and an addition of the renamed record.
      await writeCluster(coord, c, c, current.map((x) => (x.id === r.id ? { ...x, name: plan.to } : x)));
      return commandResult('ALTER CLUSTER REPLICA');
    }
    default: return assertNever(plan, 'cluster plan');
  }
}

async function alterCluster(coord: Coordinator, c: ClusterEntry, action: AlterClusterAction): Promise<void> {
  const catalog = coord.catalog;
  switch (action.kind) {
    case 'rename': {
      checkNameFree(coord, action.to);
      await writeCluster(coord, c, { ...c, name: action.to });
      return;
    }
    case 'swap': {
      const other = userCluster(coord, action.with);
      await coord.persistCatalog([clusterEntry({ ...c, name: other.name }), clusterEntry({ ...other, name: c.name })], []);
      catalog.clusters.set(c.id, { ...c, name: other.name });
      catalog.clusters.set(other.id, { ...other, name: c.name });
      return;
    }
    case 'set': case 'reset': {
      const managed = action.kind === 'set' ? action.managed ?? c.managed : c.managed;
      if (!managed) {
        if (action.kind === 'set' && (action.size !== undefined || action.replicationFactor !== undefined)) {
          throw new SqlError(SqlState.invalidParameterValue, `cannot change ${action.size !== undefined ? 'SIZE' : 'REPLICATION FACTOR'} of unmanaged cluster ${c.name}`, { hint: 'Use ALTER CLUSTER ... SET (MANAGED) first.' });
        }
        if (c.managed) await writeCluster(coord, c, { ...c, managed: false, size: undefined, replicationFactor: undefined });
        return;
      }
      const size = (action.kind === 'set' ? action.size : undefined) ?? c.size ?? catalog.replicasOf(c.id)[0]?.size;
      if (size === undefined) throw new SqlError(SqlState.invalidParameterValue, 'SIZE option must be specified for a managed cluster');
      const rf = action.kind === 'set' ? action.replicationFactor ?? c.replicationFactor ?? catalog.replicasOf(c.id).length : action.replicationFactor ? 1 : c.replicationFactor ?? 1;
      const after: ClusterEntry = { ...c, managed: true, size, replicationFactor: rf };
      // A managed cluster's replicas follow its size and replication factor (r1..rN).
      await writeCluster(coord, c, after, managedReplicas(coord, after, catalog.replicasOf(c.id)));
      return;
    }
    default: assertNever(action, 'ALTER CLUSTER action');
  }
}
