/**
 * Plans: what a statement asks the adapter to do, after binding. The adapter's sequencer switches on
 * `kind` exhaustively. Plans contain no catalog mutations themselves; the adapter applies them.
 */
import type { GlobalId, MirRelationExpr, MirScalarExpr, RowSetFinishing } from '../../expr/index.ts';
import type { Column, RelationDesc, Row, ScalarType } from '../../repr/index.ts';
import type { CatalogItemKind, QualifiedName } from './catalog-api.ts';

export type ObjectType = CatalogItemKind | 'schema' | 'database' | 'cluster';

export type Plan =
  | { readonly kind: 'createSchema'; readonly database: string; readonly schema: string; readonly ifNotExists: boolean }
  | { readonly kind: 'createDatabase'; readonly name: string; readonly ifNotExists: boolean }
  | { readonly kind: 'createTable'; readonly name: QualifiedName; readonly desc: RelationDesc; readonly defaults: readonly (MirScalarExpr | null)[]; readonly ifNotExists: boolean; readonly createSql: string }
  | { readonly kind: 'createView'; readonly name: QualifiedName; readonly plan: MirRelationExpr; readonly desc: RelationDesc; readonly replace: boolean; readonly ifNotExists: boolean; readonly createSql: string; readonly dependsOn: readonly GlobalId[] }
  | { readonly kind: 'createMaterializedView'; readonly name: QualifiedName; readonly plan: MirRelationExpr; readonly desc: RelationDesc; readonly replace: boolean; readonly ifNotExists: boolean; readonly createSql: string; readonly dependsOn: readonly GlobalId[] }
  /** An index on a relation; `name` undefined means generate one (`<on>_<cols>_idx`, Materialize style). */
  | { readonly kind: 'createIndex'; readonly name: QualifiedName; readonly on: GlobalId; readonly keys: readonly MirScalarExpr[]; readonly ifNotExists: boolean; readonly createSql: string }
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
  | { readonly kind: 'startTransaction'; readonly isolation?: string }
  | { readonly kind: 'commit' }
  | { readonly kind: 'rollback' }
  /** SHOW TABLES / VIEWS / ... : answered from the catalog with fixed columns; rows computed by the adapter. */
  | { readonly kind: 'showObjects'; readonly what: 'tables' | 'views' | 'materialized views' | 'indexes' | 'schemas' | 'databases' | 'sources' | 'subsources' | 'sinks' | 'objects' | 'clusters' | 'cluster replicas' | 'secrets' | 'connections' | 'types'; readonly schema?: { database: string; schema: string }; readonly on?: GlobalId; readonly like?: string; readonly inCluster?: string; /** SHOW SCHEMAS FROM db */ readonly database?: string; readonly columns: readonly Column[] }
  | { readonly kind: 'showColumns'; readonly id: GlobalId; readonly columns: readonly Column[] }
  | { readonly kind: 'showCreate'; readonly id: GlobalId; readonly columns: readonly Column[] }
  /** A statement answered by constant rows computed at plan time (EXPLAIN, SHOW of fixed facts). */
  | { readonly kind: 'constantRows'; readonly desc: RelationDesc; readonly rows: readonly Row[]; readonly tag: string }
  | { readonly kind: 'explainTimestamp'; readonly plan: MirRelationExpr; readonly asOf?: AsOfSpec }
  /**
   * SUBSCRIBE: stream the changes of `plan` (reading `dependsOn`) from `asOf` on. Output columns (`desc`):
   * mz_timestamp numeric, [mz_progressed bool,] mz_diff int8, then the relation's columns.
   */
  | { readonly kind: 'subscribe'; readonly plan: MirRelationExpr; readonly relationDesc: RelationDesc; readonly desc: RelationDesc; readonly snapshot: boolean; readonly progress: boolean; readonly asOf?: AsOfSpec; readonly upTo?: number; readonly dependsOn: readonly GlobalId[] }
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
  | { readonly kind: 'emptyCommand'; readonly tag: string };

export interface ReturningPlan {
  /** Expressions over the inserted/updated/deleted row (target column order). */
  readonly exprs: readonly MirScalarExpr[];
  readonly desc: RelationDesc;
}

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
