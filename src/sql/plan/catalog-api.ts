/**
 * What planning needs to know about the catalog: name resolution and object shapes. The adapter's
 * catalog implements it; planning never mutates it (planning is pure).
 */
import type { GlobalId, MirRelationExpr, MirScalarExpr } from '../../expr/index.ts';
import type { RelationDesc } from '../../repr/index.ts';

export type CatalogItemKind = 'table' | 'view' | 'materialized-view' | 'index' | 'source' | 'sink' | 'connection' | 'secret';

/** A fully qualified name. */
export interface QualifiedName {
  readonly database: string;
  readonly schema: string;
  readonly item: string;
}

export interface CatalogItemInfo {
  readonly id: GlobalId;
  readonly name: QualifiedName;
  readonly kind: CatalogItemKind;
  /** pg_class oid (the adapter's items have one): query results name it as their columns' origin. */
  readonly oid?: number;
  /** Relations only. */
  readonly desc?: RelationDesc;
  /** Views and materialized views: the optimized plan of the defining query (views are inlined where used). */
  readonly plan?: MirRelationExpr;
  /** Tables: per-column DEFAULT expressions (null = no default, i.e. NULL). */
  readonly defaults?: readonly (MirScalarExpr | null)[];
  /** Indexes: the indexed relation and key expressions over its columns. */
  readonly indexOn?: GlobalId;
  readonly indexKeys?: readonly MirScalarExpr[];
  readonly createSql: string;
}

export interface CatalogReader {
  /** Resolves a possibly-partial name (1–3 parts) through the session's search path. */
  resolveItem(parts: readonly string[], searchPath: readonly string[], database: string): CatalogItemInfo | undefined;
  getItem(id: GlobalId): CatalogItemInfo | undefined;
  /** Items that depend on `id` (directly). */
  dependents(id: GlobalId): readonly GlobalId[];
  schemaExists(database: string, schema: string): boolean;
  databaseExists(database: string): boolean;
  /** Indexes on a relation. */
  indexesOn(id: GlobalId): readonly CatalogItemInfo[];
  /**
   * Catalog ids SHOW needs to filter Materialize's mz_internal.mz_show_* relations (schema ids,
   * database ids, cluster ids). Optional: a catalog without them cannot plan SHOW <objects>.
   */
  schemaId?(database: string, schema: string): string | undefined;
  databaseId?(database: string): string | undefined;
  clusterId?(name: string): string | undefined;
}

/** Session facts planning depends on. */
export interface PlanContext {
  readonly catalog: CatalogReader;
  readonly database: string;
  readonly searchPath: readonly string[];
  /** Declared parameter types ($1..$n); 'unknown' where the client sent OID 0 and inference must decide. */
  readonly paramTypes: readonly (import('../../repr/index.ts').ScalarType | undefined)[];
  /** Wall-clock time of the statement/transaction start in microseconds since the epoch (now(), current_timestamp); defaults to the clock at planning. */
  readonly now?: bigint;
  /** The session user (current_user); defaults to 'materialize'. */
  readonly user?: string;
  /** Catalog- and session-dependent functions and reg* casts, bound by the adapter (absent: not available). */
  readonly functions?: CatalogFunctions;
}

/**
 * Binds the functions and casts whose meaning depends on the catalog or the session (pg_table_is_visible,
 * pg_get_indexdef, current_setting, `'t'::regclass`, ...) and the client-compatibility functions the
 * overload tables do not list (format_type, pg_get_userbyid, ...).
 */
export interface CatalogFunctions {
  /** Called for a function name the overload tables do not know; undefined when this binder does not know it either. */
  bindCall(name: string, args: readonly MirScalarExpr[]): MirScalarExpr | undefined;
  /** Called for every explicit cast; undefined to apply the ordinary cast rules. */
  bindCast(arg: MirScalarExpr, to: import('../../repr/index.ts').ScalarType): MirScalarExpr | undefined;
}
