/**
 * Plans: what a statement asks the adapter to do, after binding. The adapter's sequencer switches on
 * `kind` exhaustively. Plans contain no catalog mutations themselves; the adapter applies them.
 */
import type { ColumnOrder, GlobalId, MirRelationExpr, MirScalarExpr, RowSetFinishing } from '../../expr/index.ts';
import type { Column, RelationDesc, Row, ScalarType } from '../../repr/index.ts';
import type { CatalogItemKind, QualifiedName } from './catalog-api.ts';

export type ObjectType = CatalogItemKind | 'schema' | 'database' | 'cluster';

export type Plan =
  | { readonly kind: 'createSchema'; readonly database: string; readonly schema: string; readonly ifNotExists: boolean }
  | { readonly kind: 'createDatabase'; readonly name: string; readonly ifNotExists: boolean }
  | { readonly kind: 'createTable'; readonly name: QualifiedName; readonly desc: RelationDesc; readonly defaults: readonly (MirScalarExpr | null)[]; readonly ifNotExists: boolean; readonly createSql: string }
  | { readonly kind: 'createView'; readonly name: QualifiedName; readonly plan: MirRelationExpr; readonly desc: RelationDesc; readonly replace: boolean; readonly ifNotExists: boolean; readonly createSql: string; readonly dependsOn: readonly GlobalId[] }
  /** `inCluster`: IN CLUSTER as written (the adapter resolves it; absent = the session's cluster). */
  | { readonly kind: 'createMaterializedView'; readonly name: QualifiedName; readonly plan: MirRelationExpr; readonly desc: RelationDesc; readonly replace: boolean; readonly ifNotExists: boolean; readonly createSql: string; readonly dependsOn: readonly GlobalId[]; readonly inCluster?: string }
  /** An index on a relation; `name` undefined means generate one (`<on>_<cols>_idx`, Materialize style). */
  | { readonly kind: 'createIndex'; readonly name: QualifiedName; readonly on: GlobalId; readonly keys: readonly MirScalarExpr[]; readonly ifNotExists: boolean; readonly createSql: string; readonly inCluster?: string }
  /** DROP of catalog items (resolved); `cascade` decides whether dependents go too, else dependents are an error (2BP01). */
  | { readonly kind: 'dropObjects'; readonly objectType: ObjectType; readonly ids: readonly GlobalId[]; readonly cascade: boolean }
  | { readonly kind: 'dropSchema'; readonly database: string; readonly schemas: readonly string[]; readonly cascade: boolean }
  | { readonly kind: 'dropDatabase'; readonly names: readonly string[]; readonly cascade: boolean }
  /** A no-op with a notice (DROP ... IF EXISTS of a missing object). */
  | { readonly kind: 'noop'; readonly tag: string; readonly notice?: string }
  /** INSERT: `values` yields rows in the table's column order, already cast and with defaults applied. */
  | { readonly kind: 'insert'; readonly target: GlobalId; readonly values: MirRelationExpr; readonly returning?: ReturningPlan }
  /**
   * UPDATE/DELETE: read `selection` (the full old rows to change, over the target's columns) at the write
   * time minus one, then retract them and (UPDATE) insert `assignments` applied to each.
   * assignments[i] is the new value expression for column i over the old row, or undefined to keep it.
   */
  | { readonly kind: 'readThenWrite'; readonly target: GlobalId; readonly selection: MirRelationExpr; readonly assignments: readonly (MirScalarExpr | undefined)[] | undefined; readonly returning?: ReturningPlan; readonly tag: 'UPDATE' | 'DELETE' }
  /** A query. `desc` names the result columns (after finishing's projection). */
  | { readonly kind: 'select'; readonly plan: MirRelationExpr; readonly finishing: RowSetFinishing; readonly desc: RelationDesc; readonly asOf?: AsOfSpec }
  | { readonly kind: 'setVariable'; readonly name: string; readonly value: string | 'default'; readonly local: boolean }
  | { readonly kind: 'resetVariable'; readonly name: string | 'all' }
  | { readonly kind: 'showVariable'; readonly name: string | 'all' }
  | { readonly kind: 'startTransaction'; readonly isolation?: string; readonly readOnly?: boolean }
  | { readonly kind: 'commit' }
  | { readonly kind: 'rollback' }
  /** SHOW CREATE <item> (id) or SHOW CREATE CLUSTER (cluster name). */
  | { readonly kind: 'showCreate'; readonly id: GlobalId; readonly cluster?: string; readonly columns: readonly Column[] }
  /** Cluster DDL (clusters.ts): names are resolved by the adapter, which owns the clusters. */
  | { readonly kind: 'createCluster'; readonly name: string; readonly config: ClusterConfig }
  | { readonly kind: 'createClusterReplica'; readonly cluster: string; readonly replica: string; readonly size: string }
  | { readonly kind: 'dropClusters'; readonly names: readonly string[]; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'dropClusterReplicas'; readonly names: readonly (readonly [cluster: string, replica: string])[]; readonly ifExists: boolean }
  | { readonly kind: 'alterCluster'; readonly name: string; readonly ifExists: boolean; readonly action: AlterClusterAction }
  | { readonly kind: 'alterClusterReplica'; readonly cluster: string; readonly replica: string; readonly ifExists: boolean; readonly to: string }
  /** A statement answered by constant rows computed at plan time (EXPLAIN, SHOW of fixed facts). */
  | { readonly kind: 'constantRows'; readonly desc: RelationDesc; readonly rows: readonly Row[]; readonly tag: string }
  | { readonly kind: 'explainTimestamp'; readonly plan: MirRelationExpr; readonly asOf?: AsOfSpec }
  /**
   * SUBSCRIBE: stream the changes of `plan` (reading `dependsOn`) from `asOf` on. Output columns (`desc`):
   * mz_timestamp numeric, [mz_progressed bool,] then per `output`: mz_diff int8 and the relation's
   * columns, or (envelopes) mz_state text, the key columns and the value columns.
   */
  | { readonly kind: 'subscribe'; readonly plan: MirRelationExpr; readonly relationDesc: RelationDesc; readonly desc: RelationDesc; readonly snapshot: boolean; readonly progress: boolean; readonly asOf?: AsOfSpec; readonly upTo?: number; readonly dependsOn: readonly GlobalId[]; readonly output: SubscribeOutput }
  /** DECLARE name CURSOR FOR <select | subscribe>: `plan` is the planned inner statement. */
  | { readonly kind: 'declareCursor'; readonly name: string; readonly plan: Plan }
  /** FETCH: up to `count` rows from a cursor; `timeoutMs` waits at most that long for rows (SUBSCRIBE cursors). */
  | { readonly kind: 'fetch'; readonly cursor: string; readonly count: number | 'all'; readonly timeoutMs?: number }
  | { readonly kind: 'closeCursor'; readonly name: string | 'all' }
  /** COPY (<select | subscribe>) TO STDOUT / COPY t TO STDOUT (text format). */
  | { readonly kind: 'copyTo'; readonly plan: Plan }
  /** COPY t [(cols)] FROM STDIN (text format): rows arrive as text; `columns` are the target column indexes. */
  | { readonly kind: 'copyFrom'; readonly target: GlobalId; readonly columns: readonly number[]; readonly desc: RelationDesc; readonly defaults: readonly (MirScalarExpr | null)[] }
  /** Statements accepted and ignored (e.g. DISCARD ALL, SET with no effect) with their command tag. */
  | { readonly kind: 'emptyCommand'; readonly tag: string }
  /** ALTER ... SET / RESET (RETAIN HISTORY): the item's create_sql becomes `createSql` (which holds the window). */
  | { readonly kind: 'alterRetainHistory'; readonly id: GlobalId; readonly createSql: string; readonly tag: string }
  /**
   * ALTER <kind> name RENAME TO new (same schema). `tag` is the statement's own ("ALTER TABLE" also
   * renames views, as in PostgreSQL). Dependents keep working: they refer to the item by id.
   */
  | { readonly kind: 'alterRename'; readonly id: GlobalId; readonly newName: QualifiedName; readonly tag: string }
  /** COMMENT ON <object> IS '...': `subId` 0 for the object itself, n for its n-th column; `comment` null removes it. */
  | { readonly kind: 'comment'; readonly id: GlobalId; readonly subId: number; readonly comment: string | null }
  /**
   * CREATE TABLE ... AS <query>: a table (its `createSql` a plain CREATE TABLE, so a restart does not
   * re-run the query) and the query's rows, inserted in the same transaction. Tag `SELECT n`.
   */
  | { readonly kind: 'createTableAs'; readonly name: QualifiedName; readonly desc: RelationDesc; readonly ifNotExists: boolean; readonly createSql: string; readonly query: MirRelationExpr }
  /** TRUNCATE: deletes every row of the tables (a write, like DELETE without WHERE). */
  | { readonly kind: 'truncate'; readonly ids: readonly GlobalId[] };

/** A cluster's shape: managed (`replicationFactor` replicas r1..rN of `size`) or unmanaged (explicit replicas). */
export type ClusterConfig =
  | { readonly managed: true; readonly size: string; readonly replicationFactor: number }
  | { readonly managed: false; readonly replicas: readonly { readonly name: string; readonly size: string }[] };

export type AlterClusterAction =
  | { readonly kind: 'set'; readonly size?: string; readonly replicationFactor?: number; readonly managed?: boolean }
  | { readonly kind: 'reset'; readonly replicationFactor: boolean }
  | { readonly kind: 'rename'; readonly to: string }
  | { readonly kind: 'swap'; readonly with: string };

export interface ReturningPlan {
  /** Expressions over the inserted/updated/deleted row (target column order). */
  readonly exprs: readonly MirScalarExpr[];
  readonly desc: RelationDesc;
}

/**
 * How a SUBSCRIBE presents the updates of one timestamp (Materialize's SubscribeOutput):
 * - `diffs`: one row per (row, diff), in no particular order within a timestamp;
 * - `withinTimestampOrderBy`: the same rows sorted within each timestamp by `order`, whose columns
 *   index [mz_diff, ...relation columns];
 * - `upsert` / `debezium`: one row per key (relation column indexes, in KEY order) and timestamp,
 *   saying what happened to that key (mz_state), sorted by key.
 */
export type SubscribeOutput =
  | { readonly kind: 'diffs' }
  | { readonly kind: 'withinTimestampOrderBy'; readonly order: readonly ColumnOrder[] }
  | { readonly kind: 'upsert' | 'debezium'; readonly key: readonly number[] };

/** `AS OF [AT LEAST] <expr>`, evaluated at plan time to a timestamp in ms. */
export interface AsOfSpec {
  readonly ts: number;
  readonly atLeast: boolean;
}

/** What Describe reports for a prepared statement. */
export interface StatementDescription {
  /** Result columns, or undefined when the statement returns no rows. */
  readonly columns: readonly Column[] | undefined;
  /** Parameter types after inference ($1..$n). */
  readonly paramTypes: readonly ScalarType[];
}
