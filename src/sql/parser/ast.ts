/**
 * Statement ASTs: a PostgreSQL AST node from libpg-query (the JSON shape of @pgsql/types), or a node of
 * the small Materialize-statement grammar (SUBSCRIBE, SHOW <objects>, CREATE MATERIALIZED VIEW ... IN
 * CLUSTER, CREATE [DEFAULT] INDEX, FETCH ... WITH, EXPLAIN variants, ...). Embedded queries and
 * expressions inside Materialize statements are PostgreSQL nodes too, so binding has one expression shape.
 */
import type { Node } from 'libpg-query';
import type { AlterRetainHistory } from './retain-history.ts';
import type { SourceDdl } from './sources.ts';

export type PgNode = Node;

/** One statement of a (possibly multi-statement) query string. */
export interface Statement {
  /** The statement's text, without the terminating `;`. */
  readonly sql: string;
  /** Character offset of `sql` within the whole query string (to re-base error positions). */
  readonly offset: number;
  /** Highest `$n` referenced. */
  readonly paramCount: number;
  /** Command tag class, e.g. 'SELECT', 'INSERT', 'CREATE TABLE'. */
  readonly tagHint: string;
  readonly ast: StatementAst;
}

/** `AS OF [AT LEAST] <expr>`. */
export interface AsOfClause {
  readonly expr: PgNode;
  readonly atLeast: boolean;
}

export type StatementAst =
  /** A statement of PostgreSQL's grammar; `asOf` set for `<query> AS OF ...`. */
  | { readonly kind: 'pg'; readonly node: PgNode; readonly asOf?: AsOfClause; readonly mutuallyRecursive?: MutuallyRecursive }
  | MzStatement;

/** The bindings of `WITH MUTUALLY RECURSIVE` around the statement's query (`node`). */
export interface MutuallyRecursive {
  readonly limit?: { readonly n: number; readonly kind: 'return' | 'error' };
  readonly bindings: readonly {
    readonly name: string;
    /** Declared columns; `type` is a TypeName node. */
    readonly columns: readonly { readonly name: string; readonly type: PgNode }[];
    readonly query: PgNode;
  }[];
}

/** `name = value` options, e.g. WITH (SNAPSHOT = false, PROGRESS). Value is the raw token text (strings unquoted). */
export interface MzOption {
  readonly name: string;
  readonly value?: string;
}

export type ShowWhat =
  | 'tables' | 'views' | 'materialized views' | 'indexes' | 'schemas' | 'databases' | 'sources' | 'subsources'
  | 'sinks' | 'objects' | 'clusters' | 'cluster replicas' | 'secrets' | 'connections' | 'types';

export type ShowFilter = { readonly like: string } | { readonly where: PgNode };

export type SubscribeTarget =
  | { readonly kind: 'name'; readonly name: readonly string[] }
  | { readonly kind: 'query'; readonly query: PgNode };

export interface SubscribeStmt {
  readonly kind: 'subscribe';
  readonly target: SubscribeTarget;
  readonly options: readonly MzOption[];
  readonly asOf?: AsOfClause;
  readonly upTo?: PgNode;
  /** ENVELOPE UPSERT / DEBEZIUM (KEY (...)): key column names, in the order given. */
  readonly envelope?: { readonly kind: 'upsert' | 'debezium'; readonly key: readonly string[] };
  /** WITHIN TIMESTAMP ORDER BY: each item is a PostgreSQL `SortBy` node (expression, direction, nulls). */
  readonly withinTimestampOrderBy?: readonly PgNode[];
}

/** One replica of an unmanaged cluster: `r1 (SIZE '1')`. */
export interface ReplicaDef {
  readonly name: string;
  readonly options: readonly MzOption[];
}

/** CREATE/DROP/ALTER CLUSTER [REPLICA] (clusters.ts). Option values are kept as written. */
export type ClusterStatement =
  | { readonly kind: 'createCluster'; readonly name: string; readonly options: readonly MzOption[]; /** Unmanaged: `REPLICAS (...)`. */ readonly replicas?: readonly ReplicaDef[] }
  | { readonly kind: 'createClusterReplica'; readonly cluster: string; readonly replica: string; readonly options: readonly MzOption[] }
  | { readonly kind: 'dropCluster'; readonly names: readonly string[]; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'dropClusterReplica'; readonly names: readonly (readonly [string, string])[]; readonly ifExists: boolean }
  | {
      readonly kind: 'alterCluster'; readonly name: string; readonly ifExists: boolean;
      readonly action:
        | { readonly kind: 'set'; readonly options: readonly MzOption[] }
        | { readonly kind: 'reset'; readonly options: readonly string[] }
        | { readonly kind: 'rename'; readonly to: string }
        | { readonly kind: 'swap'; readonly with: string };
    }
  | { readonly kind: 'alterClusterReplica'; readonly cluster: string; readonly replica: string; readonly ifExists: boolean; readonly to: string };

export type MzStatement =
  | SubscribeStmt
  | ClusterStatement
  | { readonly kind: 'show'; readonly what: ShowWhat; readonly from?: readonly string[]; readonly on?: readonly string[]; readonly inCluster?: string; readonly filter?: ShowFilter }
  | { readonly kind: 'showColumns'; readonly from: readonly string[]; readonly filter?: ShowFilter }
  | { readonly kind: 'showCreate'; readonly objectType: 'table' | 'view' | 'materialized-view' | 'index' | 'source' | 'sink' | 'connection' | 'cluster' | 'type'; readonly name: readonly string[]; readonly redacted: boolean }
  | {
      readonly kind: 'createMaterializedView'; readonly name: readonly string[]; readonly columns?: readonly string[];
      readonly inCluster?: string; readonly replace: boolean; readonly ifNotExists: boolean;
      readonly options: readonly MzOption[]; readonly query: PgNode; readonly mutuallyRecursive?: MutuallyRecursive;
    }
  | {
      readonly kind: 'createIndex'; readonly name?: string; readonly isDefault: boolean; readonly inCluster?: string;
      readonly on: readonly string[]; readonly using?: string;
      /** Key expressions; undefined for CREATE DEFAULT INDEX. */
      readonly keys?: readonly PgNode[]; readonly ifNotExists: boolean;
    }
  /** CREATE SOURCE/SINK/CONNECTION/SECRET/CLUSTER [REPLICA]: recognized, not planned yet. */
  | { readonly kind: 'createOther'; readonly objectType: 'source' | 'sink' | 'connection' | 'secret' | 'cluster' | 'cluster replica'; readonly name: readonly string[]; readonly ifNotExists: boolean; readonly detail?: SourceDdl }
  /** ALTER SOURCE/SINK/CONNECTION/SECRET [IF EXISTS] name RENAME TO new (not in PostgreSQL's grammar). */
  | { readonly kind: 'alterRenameOther'; readonly objectType: 'source' | 'sink' | 'connection' | 'secret'; readonly name: readonly string[]; readonly ifExists: boolean; readonly newName: string }
  /** COMMENT ON SOURCE/SINK/CONNECTION/SECRET name IS 'text' | NULL. */
  | { readonly kind: 'commentOnOther'; readonly objectType: 'source' | 'sink' | 'connection' | 'secret'; readonly name: readonly string[]; readonly comment: string | null }
  /** VALIDATE CONNECTION name: checks that the connection works now. */
  | { readonly kind: 'validateConnection'; readonly name: readonly string[] }
  /** DROP SOURCE/CONNECTION/SECRET/SINK/CLUSTER (not in PostgreSQL's grammar). */
  | { readonly kind: 'dropOther'; readonly objectType: 'source' | 'connection' | 'secret' | 'sink' | 'cluster'; readonly names: readonly (readonly string[])[]; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'fetch'; readonly count: number | 'all'; readonly cursor: string; readonly timeout?: string }
  | { readonly kind: 'declare'; readonly name: string; readonly inner: Statement }
  | { readonly kind: 'explainPlan'; readonly stage: ExplainStage; readonly explainee: Statement }
  /** EXPLAIN ... PLAN FOR VIEW | MATERIALIZED VIEW | INDEX name: the plan of an existing object. */
  | { readonly kind: 'explainObject'; readonly stage: ExplainStage; readonly objectType: 'view' | 'materialized-view' | 'index'; readonly name: readonly string[] }
  | { readonly kind: 'explainTimestamp'; readonly explainee: Statement }
  /** COPY (SUBSCRIBE ...) TO STDOUT */
  | { readonly kind: 'copySubscribe'; readonly subscribe: SubscribeStmt }
  /** ALTER TABLE / MATERIALIZED VIEW / INDEX / SOURCE name SET (RETAIN HISTORY FOR ...) | RESET (RETAIN HISTORY) */
  | AlterRetainHistory;

export type ExplainStage = 'raw' | 'decorrelated' | 'optimized' | 'physical';
