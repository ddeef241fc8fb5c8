/**
 * Statement ASTs: a PostgreSQL AST node from libpg-query (the JSON shape of @pgsql/types), or a node of
 * the small Materialize-statement grammar (SUBSCRIBE, SHOW <objects>, CREATE MATERIALIZED VIEW ... IN
 * CLUSTER, CREATE [DEFAULT] INDEX, FETCH ... WITH, EXPLAIN variants, ...). Embedded queries and
 * expressions inside Materialize statements are PostgreSQL nodes too, so binding has one expression shape.
 */
import type { Node } from 'libpg-query';
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
  /** ENVELOPE UPSERT / DEBEZIUM (KEY (...)), not planned yet. */
  readonly envelope?: { readonly kind: 'upsert' | 'debezium'; readonly key: readonly string[] };
  readonly withinTimestampOrderBy?: boolean;
}

export type MzStatement =
  | SubscribeStmt
  | { readonly kind: 'show'; readonly what: ShowWhat; readonly from?: readonly string[]; readonly on?: readonly string[]; readonly inCluster?: string; readonly filter?: ShowFilter }
  | { readonly kind: 'showColumns'; readonly from: readonly string[]; readonly filter?: ShowFilter }
  | { readonly kind: 'showCreate'; readonly objectType: 'table' | 'view' | 'materialized-view' | 'index' | 'source' | 'sink' | 'connection' | 'cluster' | 'type'; readonly name: readonly string[]; readonly redacted: boolean }
  | {
      readonly kind: 'createMaterializedView'; readonly name: readonly string[]; readonly columns?: readonly string[];
      readonly inCluster?: string; readonly replace: boolean; readonly ifNotExists: boolean;
      readonly options: readonly MzOption[]; readonly query: PgNode;
    }
  | {
      readonly kind: 'createIndex'; readonly name?: string; readonly isDefault: boolean; readonly inCluster?: string;
      readonly on: readonly string[]; readonly using?: string;
      /** Key expressions; undefined for CREATE DEFAULT INDEX. */
      readonly keys?: readonly PgNode[]; readonly ifNotExists: boolean;
    }
  /** CREATE SOURCE/SINK/CONNECTION/SECRET/CLUSTER [REPLICA]: recognized, not planned yet. */
  | { readonly kind: 'createOther'; readonly objectType: 'source' | 'sink' | 'connection' | 'secret' | 'cluster' | 'cluster replica'; readonly name: readonly string[]; readonly ifNotExists: boolean; readonly detail?: SourceDdl }
  /** VALIDATE CONNECTION name: checks that the connection works now. */
  | { readonly kind: 'validateConnection'; readonly name: readonly string[] }
  /** DROP SOURCE/CONNECTION/SECRET/SINK/CLUSTER (not in PostgreSQL's grammar). */
  | { readonly kind: 'dropOther'; readonly objectType: 'source' | 'connection' | 'secret' | 'sink' | 'cluster'; readonly names: readonly (readonly string[])[]; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'fetch'; readonly count: number | 'all'; readonly cursor: string; readonly timeout?: string }
  | { readonly kind: 'declare'; readonly name: string; readonly inner: Statement }
  | { readonly kind: 'explainPlan'; readonly stage: ExplainStage; readonly explainee: Statement }
  | { readonly kind: 'explainTimestamp'; readonly explainee: Statement }
  /** COPY (SUBSCRIBE ...) TO STDOUT */
  | { readonly kind: 'copySubscribe'; readonly subscribe: SubscribeStmt };

export type ExplainStage = 'raw' | 'decorrelated' | 'optimized' | 'physical';
