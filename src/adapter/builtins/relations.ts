/**
 * The builtin relations: every spec from pg-catalog.ts, information-schema.ts and mz-catalog.ts, with
 * its stable id. Ids are positions in ID_ORDER (`s1`, `s2`, ...) and persist shards are named by
 * them: never reorder or remove an entry, only append new ones (a test checks every spec is listed).
 */
import type { Row } from '../../repr/index.ts';
import { INFORMATION_SCHEMA } from './information-schema.ts';
import type { BuiltinShape, CatalogModel } from './model.ts';
import { MZ_CATALOG, MZ_INTERNAL } from './mz-catalog.ts';
import { builtinOid } from './oids.ts';
import { PG_CATALOG } from './pg-catalog.ts';
import type { BuiltinSpec, SystemSchema } from './spec.ts';

export interface BuiltinRelation extends BuiltinShape {
  readonly schema: SystemSchema;
  rows(m: CatalogModel): Row[];
}

/** `schema.name` of every builtin relation, in id order (index 0 is s1). Append only. */
export const ID_ORDER: readonly string[] = [
  'mz_catalog.mz_databases', 'pg_catalog.pg_namespace', 'pg_catalog.pg_class', 'pg_catalog.pg_attribute',
  'pg_catalog.pg_attrdef', 'pg_catalog.pg_type', 'pg_catalog.pg_proc', 'pg_catalog.pg_index', 'pg_catalog.pg_database',
  'pg_catalog.pg_authid', 'pg_catalog.pg_roles', 'pg_catalog.pg_user', 'pg_catalog.pg_auth_members', 'pg_catalog.pg_description',
  'pg_catalog.pg_shdescription', 'pg_catalog.pg_depend', 'pg_catalog.pg_rewrite', 'pg_catalog.pg_views',
  'pg_catalog.pg_matviews', 'pg_catalog.pg_tables', 'pg_catalog.pg_indexes', 'pg_catalog.pg_settings', 'pg_catalog.pg_am',
  'pg_catalog.pg_constraint', 'pg_catalog.pg_collation', 'pg_catalog.pg_inherits', 'pg_catalog.pg_enum', 'pg_catalog.pg_range',
  'pg_catalog.pg_extension', 'pg_catalog.pg_tablespace', 'pg_catalog.pg_policy', 'pg_catalog.pg_trigger',
  'pg_catalog.pg_event_trigger', 'pg_catalog.pg_aggregate', 'pg_catalog.pg_language', 'pg_catalog.pg_statistic_ext',
  'pg_catalog.pg_publication', 'pg_catalog.pg_publication_rel', 'pg_catalog.pg_publication_namespace',
  'pg_catalog.pg_foreign_table', 'pg_catalog.pg_sequence', 'pg_catalog.pg_locks', 'pg_catalog.pg_cursors',
  'pg_catalog.pg_prepared_statements', 'pg_catalog.pg_stat_activity', 'pg_catalog.pg_stat_user_tables',
  'pg_catalog.pg_timezone_abbrevs', 'pg_catalog.pg_timezone_names', 'mz_catalog.mz_schemas', 'mz_catalog.mz_objects',
  'mz_catalog.mz_relations', 'mz_catalog.mz_tables', 'mz_catalog.mz_views', 'mz_catalog.mz_materialized_views',
  'mz_catalog.mz_sources', 'mz_catalog.mz_sinks', 'mz_catalog.mz_indexes', 'mz_catalog.mz_index_columns',
  'mz_catalog.mz_columns', 'mz_catalog.mz_connections', 'mz_catalog.mz_secrets', 'mz_catalog.mz_roles', 'mz_catalog.mz_clusters',
  'mz_catalog.mz_cluster_replicas', 'mz_catalog.mz_types', 'mz_catalog.mz_functions', 'mz_catalog.mz_kafka_sources',
  'mz_catalog.mz_kafka_sinks', 'mz_internal.mz_object_dependencies', 'mz_internal.mz_comments', 'mz_internal.mz_source_statuses',
  'mz_internal.mz_sink_statuses', 'mz_internal.mz_hydration_statuses', 'mz_internal.mz_cluster_replica_statuses',
  'mz_internal.mz_postgres_sources', 'mz_internal.mz_subscriptions', 'mz_internal.mz_show_databases',
  'mz_internal.mz_show_schemas', 'mz_internal.mz_show_tables', 'mz_internal.mz_show_views',
  'mz_internal.mz_show_materialized_views', 'mz_internal.mz_show_sources', 'mz_internal.mz_show_sinks',
  'mz_internal.mz_show_indexes', 'mz_internal.mz_show_columns', 'mz_internal.mz_show_all_objects',
  'mz_internal.mz_show_connections', 'mz_internal.mz_show_secrets', 'mz_internal.mz_show_clusters',
  'mz_internal.mz_show_cluster_replicas', 'information_schema.schemata', 'information_schema.tables',
  'information_schema.columns', 'information_schema.views', 'information_schema.table_constraints',
  'information_schema.key_column_usage', 'information_schema.referential_constraints', 'information_schema.role_table_grants',
  'information_schema.table_privileges', 'information_schema.routines', 'information_schema.triggers',
  'information_schema.enabled_roles', 'information_schema.applicable_roles', 'information_schema.character_sets',
  'mz_internal.mz_show_types', 'mz_internal.mz_frontiers',
  'mz_internal.mz_history_retention_strategies',
];

export const ALL_SPECS: readonly BuiltinSpec[] = [...PG_CATALOG, ...INFORMATION_SCHEMA, ...MZ_CATALOG, ...MZ_INTERNAL];

function build(): BuiltinRelation[] {
  const out: BuiltinRelation[] = [];
  for (const s of ALL_SPECS) {
    const i = ID_ORDER.indexOf(`${s.schema}.${s.name}`);
    if (i < 0) throw new Error(`internal error: builtin ${s.schema}.${s.name} has no id (add it to ID_ORDER)`);
    const id = `s${i + 1}`;
    out.push({ id, oid: builtinOid(s.schema, s.name, id), schema: s.schema, name: s.name, columns: s.columns, rows: s.rows });
  }
  out.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  return out;
}

export const BUILTIN_RELATIONS: readonly BuiltinRelation[] = build();
