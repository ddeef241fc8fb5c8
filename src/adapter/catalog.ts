/**
 * The catalog: databases, schemas and items (tables, views, materialized views, indexes, ...), with
 * their ids, names, definitions and dependencies. The durable form is a persist shard of
 * `[key, value-json]` rows; each DDL statement is one atomic append of its changes. On restart the
 * durable entries are replayed and every item's `create_sql` is planned again, in id order.
 */
import type { GlobalId, MirRelationExpr, MirScalarExpr } from '../expr/index.ts';
import { type Column, type Frontier, type RelationDesc, relationDesc } from '../repr/index.ts';
import type { CatalogItemInfo, CatalogItemKind, CatalogReader, QualifiedName } from '../sql/index.ts';
import { SqlError, SqlState } from '../util/index.ts';

export interface CatalogItem extends CatalogItemInfo {
  readonly oid: number;
  /** The persist shard holding the item's data (tables and materialized views). */
  readonly shardId?: string;
  /** Global ids this item reads (after view inlining). */
  readonly dependsOn: readonly GlobalId[];
  /** Items that are not planned from create_sql (secrets, connections, sources) keep their facts here, durably. */
  readonly extra?: ItemExtra;
  /** The cluster that maintains it (materialized views, indexes, sources, sinks), recorded durably at CREATE. */
  readonly clusterId?: string;
  /** COMMENT ON texts by sub-object: '0' the item itself, 'n' its n-th column. */
  readonly comments?: ItemComments;
  /** Where the names in create_sql were resolved at CREATE (the session's database and search path); a restart plans it there again. */
  readonly resolvedIn?: NameContext;
  /**
   * Temporary items (schema `mz_temp`): the connection that owns them. Only that session resolves their
   * names; they are never written to the durable catalog and are dropped when the session ends (temp.ts).
   */
  readonly tempOwner?: number;
}

/** The schema of temporary items (Materialize's name); it exists per session, never in `schemas`. */
export const TEMP_SCHEMA = 'mz_temp';

export interface NameContext {
  readonly database: string;
  readonly searchPath: readonly string[];
}

/** COMMENT ON texts of one item, by sub-object id ('0' = the item, 'n' = its n-th column). */
export type ItemComments = Readonly<Record<string, string>>;

/**
 * A cluster: a named set of replicas that run the same dataflows. Today one process runs every
 * cluster; the catalog records them as Materialize does so clusters can become processes later.
 */
export interface ClusterEntry {
  readonly id: string;
  readonly name: string;
  /** Managed clusters own their replicas (r1..rN, all of `size`); unmanaged ones have explicit replicas. */
  readonly managed: boolean;
  readonly size: string | undefined;
  readonly replicationFactor: number | undefined;
}

export interface ClusterReplicaEntry {
  readonly id: string;
  readonly name: string;
  readonly clusterId: string;
  readonly size: string;
}

/** Materialize's pre-installed system clusters: listed in the catalog, never modifiable. */
export const SYSTEM_CLUSTERS: readonly (ClusterEntry & { readonly replicas: readonly ClusterReplicaEntry[] })[] = [
  { id: 's1', name: 'mz_system', managed: true, size: '25cc', replicationFactor: 1, replicas: [{ id: 's1', name: 'r1', clusterId: 's1', size: '25cc' }] },
  { id: 's2', name: 'mz_catalog_server', managed: true, size: '25cc', replicationFactor: 1, replicas: [{ id: 's2', name: 'r1', clusterId: 's2', size: '25cc' }] },
  { id: 's3', name: 'mz_probe', managed: true, size: '25cc', replicationFactor: 1, replicas: [{ id: 's3', name: 'r1', clusterId: 's3', size: '25cc' }] },
  { id: 's4', name: 'mz_support', managed: true, size: '25cc', replicationFactor: 0, replicas: [] },
];

/**
 * What a secret, connection or source needs beyond its create_sql: purification asks the outside
 * world once, at CREATE, and the answer is stored so a restart resumes exactly the same ingestion.
 */
export type ItemExtra =
  | { readonly kind: 'secret'; readonly value: string }
  | { readonly kind: 'postgres-connection'; readonly host: string; readonly port: number; readonly user: string; readonly database: string; readonly passwordSecret?: GlobalId; readonly password?: string; readonly sslMode?: 'disable' | 'require' }
  | { readonly kind: 'postgres-source'; readonly connection: GlobalId; readonly publication: string; readonly slotName: string; readonly tables: readonly unknown[]; readonly shards: { readonly progress: string; readonly errors: string; readonly data: readonly string[] }; readonly subsources: readonly GlobalId[] }
  | { readonly kind: 'load-generator'; readonly generator: 'counter' | 'auction'; readonly tickMs: number; readonly seed: number; readonly maxCardinality?: number; readonly asOf?: number; readonly upTo?: number; readonly shards: { readonly progress: string; readonly errors: string; readonly data: readonly string[] }; readonly columns?: readonly Column[] }
  | { readonly kind: 'subsource'; readonly source: GlobalId; readonly type: 'subsource' | 'progress'; readonly columns: readonly Column[]; readonly keys?: readonly (readonly number[])[] };

export interface SchemaEntry {
  readonly id: string;
  readonly oid: number;
  readonly database: string;
  readonly name: string;
}

export interface DatabaseEntry {
  readonly id: string;
  readonly oid: number;
  readonly name: string;
}

/** The durable record of one catalog object: everything else is derived by planning create_sql. */
export type DurableEntry =
  | { readonly type: 'database'; readonly id: string; readonly oid: number; readonly name: string }
  | { readonly type: 'schema'; readonly id: string; readonly oid: number; readonly database: string; readonly name: string }
  | { readonly type: 'item'; readonly id: GlobalId; readonly oid: number; readonly kind: CatalogItemKind; readonly name: QualifiedName; readonly createSql: string; readonly shardId?: string; readonly extra?: ItemExtra; readonly dependsOn?: readonly GlobalId[]; readonly clusterId?: string; readonly comments?: ItemComments; readonly resolvedIn?: NameContext }
  | ({ readonly type: 'cluster' } & ClusterEntry)
  | ({ readonly type: 'clusterReplica' } & ClusterReplicaEntry)
  /** Id allocators; the cluster ones are absent in catalogs written before clusters existed. */
  | { readonly type: 'idAlloc'; readonly nextId: number; readonly nextOid: number; readonly nextClusterId?: number; readonly nextReplicaId?: number };

export const SYSTEM_SCHEMAS = ['mz_catalog', 'pg_catalog', 'mz_internal', 'information_schema'];
/** Ids of the system schemas (mz_schemas.id): the same in every database. */
export const SYSTEM_SCHEMA_IDS: Readonly<Record<string, string>> = {
  mz_catalog: 's1', pg_catalog: 's2', mz_internal: 's3', information_schema: 's4',
};
const FIRST_USER_OID = 20_000;

/** Resolves names in the system schemas (pg_catalog, mz_catalog, ...) to builtin relations. */
export interface SystemItems {
  resolve(schema: string, name: string): CatalogItem | undefined;
  get(id: GlobalId): CatalogItem | undefined;
}

/** System schemas searched before the session's search path for unqualified names (Materialize's order). */
const IMPLICIT_SCHEMAS = ['mz_catalog', 'pg_catalog'];

export class Catalog implements CatalogReader {
  /** Builtin relations, set by the coordinator at boot. */
  system: SystemItems | undefined;
  /** Live status of a source or subsource (mz_internal.mz_source_statuses), set by the coordinator. */
  sourceStatus: ((id: GlobalId) => { readonly status: string; readonly error: string | undefined } | undefined) | undefined;
  /** Read and write frontiers of a stored collection or index (mz_internal.mz_frontiers), set by the coordinator. */
  frontiers: ((id: GlobalId) => { readonly read: Frontier; readonly write: Frontier } | undefined) | undefined;
  readonly databases = new Map<string, DatabaseEntry>();
  readonly schemas = new Map<string, SchemaEntry>();
  /** User clusters and their replicas, by id (system clusters are SYSTEM_CLUSTERS). */
  readonly clusters = new Map<string, ClusterEntry>();
  readonly clusterReplicas = new Map<string, ClusterReplicaEntry>();
  nextClusterId = 1;
  nextReplicaId = 1;
  /** False until the catalog has recorded its clusters (a catalog from before clusters gets `quickstart` at boot). */
  clustersInitialized = false;
  readonly #items = new Map<GlobalId, CatalogItem>();
  readonly #byName = new Map<string, GlobalId>();
  readonly #dependents = new Map<GlobalId, Set<GlobalId>>();
  nextId = 1;
  nextOid = FIRST_USER_OID;
  /** Temporary items' ids (`t<N>`, as Materialize): in memory only, since temporary items never outlive the process. */
  nextTempId = 1;

  // --- CatalogReader ---------------------------------------------------------------------------

  /**
   * `tempOwner`: the resolving session's connection id. Its temporary items come first for an
   * unqualified name (Materialize's effective search path starts with mz_temp) and `mz_temp.x` (or
   * PostgreSQL's alias `pg_temp.x`) names only them; without it, temporary items are invisible.
   */
  resolveItem(parts: readonly string[], searchPath: readonly string[], database: string, tempOwner?: number): CatalogItem | undefined {
    if (parts.length >= 2 && (parts[parts.length - 2] === TEMP_SCHEMA || parts[parts.length - 2] === 'pg_temp')) {
      return tempOwner === undefined || parts.length > 3 ? undefined : this.#lookupTemp(tempOwner, parts[parts.length - 1]!);
    }
    if (parts.length === 3) return this.#lookupAny(parts[0]!, parts[1]!, parts[2]!);
    if (parts.length === 2) return this.#lookupAny(database, parts[0]!, parts[1]!);
    if (parts.length !== 1) return undefined;
    const name = parts[0]!;
    const temp = tempOwner === undefined ? undefined : this.#lookupTemp(tempOwner, name);
    if (temp !== undefined) return temp;
    for (const schema of IMPLICIT_SCHEMAS) {
      if (searchPath.includes(schema)) continue;
      const found = this.system?.resolve(schema, name);
      if (found) return found;
    }
    for (const schema of searchPath) {
      const found = this.#lookupAny(database, schema, name);
      if (found) return found;
    }
    return undefined;
  }

  getItem(id: GlobalId): CatalogItem | undefined {
    return this.#items.get(id) ?? this.system?.get(id);
  }

  #lookupAny(database: string, schema: string, item: string): CatalogItem | undefined {
    if (SYSTEM_SCHEMAS.includes(schema)) return this.system?.resolve(schema, item);
    return this.#lookup(database, schema, item);
  }

  dependents(id: GlobalId): readonly GlobalId[] {
    return [...(this.#dependents.get(id) ?? [])];
  }

  schemaExists(database: string, schema: string): boolean {
    return this.schemas.has(`${database}.${schema}`) || SYSTEM_SCHEMAS.includes(schema);
  }

  databaseExists(database: string): boolean {
    return this.databases.has(database);
  }

  schemaId(database: string, schema: string): string | undefined {
    return this.schemas.get(`${database}.${schema}`)?.id ?? SYSTEM_SCHEMA_IDS[schema];
  }

  databaseId(database: string): string | undefined {
    return this.databases.get(database)?.id;
  }

  clusterId(name: string): string | undefined {
    return this.clusterByName(name)?.id;
  }

  indexesOn(id: GlobalId): readonly CatalogItem[] {
    return [...this.#items.values()].filter((i) => i.kind === 'index' && i.indexOn === id);
  }

  // --- queries ---------------------------------------------------------------------------------

  items(): CatalogItem[] {
    return [...this.#items.values()];
  }

  itemsInSchema(database: string, schema: string): CatalogItem[] {
    return this.items().filter((i) => i.name.database === database && i.name.schema === schema);
  }

  /** The item holding `name`; for a temporary name (schema mz_temp), among `tempOwner`'s temporary items. */
  nameTaken(name: QualifiedName, tempOwner?: number): CatalogItem | undefined {
    if (name.schema === TEMP_SCHEMA) return tempOwner === undefined ? undefined : this.#lookupTemp(tempOwner, name.item);
    return this.#lookup(name.database, name.schema, name.item);
  }

  /** The temporary items a session owns. */
  tempItemsOf(owner: number): CatalogItem[] {
    return this.items().filter((i) => i.tempOwner === owner);
  }

  /** All items that (transitively) depend on `ids`, dependents after their dependencies... reversed for dropping. */
  transitiveDependents(ids: readonly GlobalId[]): GlobalId[] {
    const seen = new Set<GlobalId>();
    const order: GlobalId[] = [];
    const visit = (id: GlobalId): void => {
      if (seen.has(id)) return;
      seen.add(id);
      for (const d of this.#dependents.get(id) ?? []) visit(d);
      order.push(id);
    };
    for (const id of ids) visit(id);
    return order; // dependents come before what they depend on
  }

  // --- clusters --------------------------------------------------------------------------------

  /** A user or system cluster by name. */
  clusterByName(name: string): ClusterEntry | undefined {
    for (const c of this.clusters.values()) if (c.name === name) return c;
    return SYSTEM_CLUSTERS.find((c) => c.name === name);
  }

  /** A user or system cluster by id. */
  clusterById(id: string): ClusterEntry | undefined {
    return this.clusters.get(id) ?? SYSTEM_CLUSTERS.find((c) => c.id === id);
  }

  /** Every cluster, system clusters first. */
  allClusters(): ClusterEntry[] {
    return [...SYSTEM_CLUSTERS, ...this.clusters.values()];
  }

  /** The replicas of a cluster, in name order. */
  replicasOf(clusterId: string): ClusterReplicaEntry[] {
    const system = SYSTEM_CLUSTERS.find((c) => c.id === clusterId);
    const all = system !== undefined ? [...system.replicas] : [...this.clusterReplicas.values()].filter((r) => r.clusterId === clusterId);
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Items maintained by a cluster (materialized views, indexes, sources, sinks). */
  itemsInCluster(clusterId: string): CatalogItem[] {
    return this.items().filter((i) => i.clusterId === clusterId);
  }

  allocateClusterId(): string {
    return `u${this.nextClusterId++}`;
  }

  allocateReplicaId(): string {
    return `u${this.nextReplicaId++}`;
  }

  // --- mutation (the coordinator persists the matching DurableEntry changes) -------------------

  /** A fresh id and oid; temporary items get `t<N>` ids that are never persisted. */
  allocateId(temporary = false): { id: GlobalId; oid: number } {
    return { id: temporary ? `t${this.nextTempId++}` : `u${this.nextId++}`, oid: this.nextOid++ };
  }

  allocateOid(): number {
    return this.nextOid++;
  }

  /** Bumped by every change to databases, schemas and items: cached plans are valid only within one generation. */
  generation = 0;

  addDatabase(d: DatabaseEntry): void {
    this.generation++;
    this.databases.set(d.name, d);
  }

  addSchema(s: SchemaEntry): void {
    this.generation++;
    this.schemas.set(`${s.database}.${s.name}`, s);
  }

  removeSchema(database: string, name: string): void {
    this.generation++;
    this.schemas.delete(`${database}.${name}`);
  }

  removeDatabase(name: string): void {
    this.generation++;
    this.databases.delete(name);
  }

  addItem(item: CatalogItem): void {
    this.generation++;
    const key = nameKey(item.name, item.tempOwner);
    if (this.#byName.has(key)) throw new SqlError(SqlState.duplicateTable, `${itemKindLabel(item.kind)} "${formatName(item.name)}" already exists`);
    this.#items.set(item.id, item);
    this.#byName.set(key, item.id);
    for (const dep of item.dependsOn) {
      let set = this.#dependents.get(dep);
      if (set === undefined) this.#dependents.set(dep, (set = new Set()));
      set.add(item.id);
    }
  }

  /** Replaces an item in place (same id, maybe a new name, create_sql or comments), keeping its dependents. */
  updateItem(item: CatalogItem): void {
    this.generation++;
    const old = this.#items.get(item.id);
    if (old === undefined) throw new SqlError(SqlState.internalError, `internal error: no catalog item ${item.id} to update`);
    const key = nameKey(item.name, item.tempOwner);
    const holder = this.#byName.get(key);
    if (holder !== undefined && holder !== item.id) throw new SqlError(SqlState.duplicateTable, `${itemKindLabel(item.kind)} "${formatName(item.name)}" already exists`);
    this.#byName.delete(nameKey(old.name, old.tempOwner));
    this.#byName.set(key, item.id);
    this.#items.set(item.id, item);
  }

  removeItem(id: GlobalId): CatalogItem | undefined {
    this.generation++;
    const item = this.#items.get(id);
    if (item === undefined) return undefined;
    this.#items.delete(id);
    this.#byName.delete(nameKey(item.name, item.tempOwner));
    for (const dep of item.dependsOn) this.#dependents.get(dep)?.delete(id);
    this.#dependents.delete(id);
    return item;
  }

  #lookupTemp(owner: number, item: string): CatalogItem | undefined {
    const id = this.#byName.get(nameKey({ database: '', schema: TEMP_SCHEMA, item }, owner));
    return id === undefined ? undefined : this.#items.get(id);
  }

  #lookup(database: string, schema: string, item: string): CatalogItem | undefined {
    const id = this.#byName.get(`${database}\u0000${schema}\u0000${item}`);
    return id === undefined ? undefined : this.#items.get(id);
  }
}

/** Temporary names are per owning session (and database-less, as Materialize's mz_temp). */
function nameKey(n: QualifiedName, tempOwner?: number): string {
  if (tempOwner !== undefined) return `\u0001${tempOwner}\u0000${n.item}`;
  return `${n.database}\u0000${n.schema}\u0000${n.item}`;
}

/** `db.schema.item`; temporary items print as Materialize prints them, `mz_temp.item`. */
export function formatName(n: QualifiedName): string {
  return n.schema === TEMP_SCHEMA ? `${n.schema}.${n.item}` : `${n.database}.${n.schema}.${n.item}`;
}

export function itemKindLabel(kind: CatalogItemKind): string {
  return kind === 'materialized-view' ? 'materialized view' : kind;
}

export function durableItem(item: CatalogItem): DurableEntry {
  return {
    type: 'item', id: item.id, oid: item.oid, kind: item.kind, name: item.name, createSql: item.createSql,
    ...(item.shardId === undefined ? {} : { shardId: item.shardId }),
    ...(item.extra === undefined ? {} : { extra: item.extra, dependsOn: item.dependsOn }),
    ...(item.clusterId === undefined ? {} : { clusterId: item.clusterId }),
    ...(item.comments === undefined ? {} : { comments: item.comments }),
    ...(item.resolvedIn === undefined ? {} : { resolvedIn: item.resolvedIn }),
  };
}

/** Rebuilds an item that is not planned from create_sql (it carries `extra`). */
export function itemFromExtra(e: Extract<DurableEntry, { type: 'item' }>, extra: ItemExtra): CatalogItem {
  const base = { id: e.id, oid: e.oid, name: e.name, kind: e.kind, createSql: e.createSql, dependsOn: e.dependsOn ?? [], extra };
  if (extra.kind === 'subsource') return { ...base, desc: relationDesc(extra.columns, extra.keys), ...(e.shardId === undefined ? {} : { shardId: e.shardId }) };
  if (extra.kind === 'load-generator' && extra.columns !== undefined) return { ...base, desc: relationDesc(extra.columns), ...(e.shardId === undefined ? {} : { shardId: e.shardId }) };
  return base;
}

export function entryKey(e: DurableEntry): string {
  switch (e.type) {
    case 'database': return `database/${e.id}`;
    case 'schema': return `schema/${e.id}`;
    case 'item': return `item/${e.id}`;
    case 'cluster': return `cluster/${e.id}`;
    case 'clusterReplica': return `clusterReplica/${e.id}`;
    case 'idAlloc': return 'idAlloc';
  }
}

export type { RelationDesc, MirRelationExpr, MirScalarExpr };
