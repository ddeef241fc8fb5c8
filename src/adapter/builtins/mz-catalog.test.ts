/**
 * The mz_catalog / mz_internal relations clients and SHOW rely on exist with Materialize's columns, in
 * Materialize's order (reference/materialize-surface.md §4), and the cluster relations follow the
 * catalog's clusters and the cluster each object runs on.
 */
import { describe, expect, it } from 'vitest';
import { T, relationDesc } from '../../repr/index.ts';
import { Catalog } from '../catalog.ts';
import { CatalogModel } from './model.ts';
import { BUILTIN_RELATIONS } from './relations.ts';

/** §4's column lists (a relation may have more columns after these, never fewer or reordered). */
const SURFACE: Readonly<Record<string, readonly string[]>> = {
  'mz_catalog.mz_objects': ['id', 'oid', 'schema_id', 'name', 'type', 'owner_id', 'cluster_id', 'privileges'],
  'mz_catalog.mz_relations': ['id', 'oid', 'schema_id', 'name', 'type', 'owner_id', 'cluster_id', 'privileges'],
  'mz_catalog.mz_tables': ['id', 'oid', 'schema_id', 'name', 'owner_id', 'privileges', 'create_sql', 'redacted_create_sql', 'source_id'],
  'mz_catalog.mz_views': ['id', 'oid', 'schema_id', 'name', 'definition', 'owner_id', 'privileges', 'create_sql', 'redacted_create_sql'],
  'mz_catalog.mz_materialized_views': ['id', 'oid', 'schema_id', 'name', 'cluster_id', 'definition', 'owner_id', 'privileges', 'create_sql', 'redacted_create_sql'],
  'mz_catalog.mz_sources': ['id', 'oid', 'schema_id', 'name', 'type', 'connection_id', 'size', 'envelope_type', 'key_format', 'value_format', 'cluster_id', 'owner_id', 'privileges', 'create_sql', 'redacted_create_sql'],
  'mz_catalog.mz_sinks': ['id', 'oid', 'schema_id', 'name', 'type', 'connection_id', 'size', 'envelope_type', 'format', 'key_format', 'value_format', 'cluster_id', 'owner_id', 'create_sql', 'redacted_create_sql'],
  'mz_catalog.mz_indexes': ['id', 'oid', 'name', 'on_id', 'cluster_id', 'owner_id', 'create_sql', 'redacted_create_sql'],
  'mz_catalog.mz_index_columns': ['index_id', 'index_position', 'on_position', 'on_expression', 'nullable'],
  'mz_catalog.mz_columns': ['id', 'name', 'position', 'nullable', 'type', 'default', 'type_oid', 'type_mod'],
  'mz_catalog.mz_schemas': ['id', 'oid', 'database_id', 'name', 'owner_id', 'privileges'],
  'mz_catalog.mz_databases': ['id', 'oid', 'name', 'owner_id', 'privileges'],
  'mz_catalog.mz_clusters': ['id', 'name', 'owner_id', 'privileges', 'managed', 'size', 'replication_factor', 'disk', 'availability_zones', 'introspection_debugging', 'introspection_interval'],
  'mz_catalog.mz_cluster_replicas': ['id', 'name', 'cluster_id', 'size', 'availability_zone', 'owner_id', 'disk'],
  'mz_catalog.mz_connections': ['id', 'oid', 'schema_id', 'name', 'type', 'owner_id', 'privileges', 'create_sql', 'redacted_create_sql'],
  'mz_catalog.mz_secrets': ['id', 'oid', 'schema_id', 'name', 'owner_id', 'privileges'],
  'mz_catalog.mz_roles': ['id', 'oid', 'name'],
  'mz_internal.mz_object_dependencies': ['object_id', 'referenced_object_id'],
  'mz_internal.mz_frontiers': ['object_id', 'read_frontier', 'write_frontier'],
  'mz_internal.mz_comments': ['id', 'object_type', 'object_sub_id', 'comment'],
  'mz_internal.mz_source_statuses': ['id', 'name', 'type', 'last_status_change_at', 'status', 'error', 'details'],
  'mz_internal.mz_hydration_statuses': ['object_id', 'replica_id', 'hydrated'],
  // The relations behind SHOW: the columns SHOW projects, plus the ids its filters use.
  'mz_internal.mz_show_databases': ['id', 'name', 'comment'],
  'mz_internal.mz_show_schemas': ['id', 'name', 'database_id', 'comment'],
  'mz_internal.mz_show_tables': ['id', 'name', 'schema_id', 'comment'],
  'mz_internal.mz_show_views': ['id', 'name', 'schema_id', 'comment'],
  'mz_internal.mz_show_materialized_views': ['id', 'name', 'cluster', 'schema_id', 'cluster_id', 'comment'],
  'mz_internal.mz_show_sources': ['id', 'name', 'type', 'cluster', 'schema_id', 'cluster_id', 'comment'],
  'mz_internal.mz_show_sinks': ['id', 'name', 'type', 'cluster', 'schema_id', 'cluster_id', 'comment'],
  'mz_internal.mz_show_indexes': ['id', 'name', 'on', 'cluster', 'key', 'on_id', 'schema_id', 'cluster_id', 'comment'],
  'mz_internal.mz_show_columns': ['id', 'name', 'nullable', 'type', 'position', 'comment'],
  'mz_internal.mz_show_all_objects': ['schema_id', 'name', 'type', 'comment'],
  'mz_internal.mz_show_connections': ['id', 'name', 'type', 'schema_id', 'comment'],
  'mz_internal.mz_show_secrets': ['id', 'name', 'schema_id', 'comment'],
  'mz_internal.mz_show_types': ['id', 'name', 'schema_id', 'comment'],
  'mz_internal.mz_show_clusters': ['name', 'replicas', 'comment'],
  'mz_internal.mz_show_cluster_replicas': ['cluster', 'replica', 'replica_id', 'size', 'ready', 'comment'],
};

function catalogWithClusters(): Catalog {
  const c = new Catalog();
  c.addDatabase({ id: 'u1', oid: 20000, name: 'materialize' });
  c.addSchema({ id: 'u3', oid: 20001, database: 'materialize', name: 'public' });
  c.clusters.set('u1', { id: 'u1', name: 'quickstart', managed: true, size: '25cc', replicationFactor: 1 });
  c.clusterReplicas.set('u1', { id: 'u1', name: 'r1', clusterId: 'u1', size: '25cc' });
  c.clusters.set('u2', { id: 'u2', name: 'c2', managed: false, size: undefined, replicationFactor: undefined });
  c.clusterReplicas.set('u2', { id: 'u2', name: 'b', clusterId: 'u2', size: '2' });
  c.clusterReplicas.set('u3', { id: 'u3', name: 'a', clusterId: 'u2', size: '1' });
  const desc = relationDesc([{ name: 'a', type: T.int4, nullable: true }]);
  c.addItem({ id: 'u1', oid: 20002, name: { database: 'materialize', schema: 'public', item: 't' }, kind: 'table', desc, createSql: 'create table t (a int)', dependsOn: [] });
  c.addItem({
    id: 'u2', oid: 20003, name: { database: 'materialize', schema: 'public', item: 'mv' }, kind: 'materialized-view', desc,
    createSql: 'create materialized view mv in cluster c2 as select a from t', dependsOn: ['u1'], clusterId: 'u2',
  });
  return c;
}

const rowsOf = (m: CatalogModel, name: string): unknown[][] => BUILTIN_RELATIONS.find((r) => `${r.schema}.${r.name}` === name)!.rows(m) as unknown[][];

describe('mz_catalog and mz_internal', () => {
  it('have every relation of the surface reference with its columns in order', () => {
    const missing: string[] = [];
    for (const [name, columns] of Object.entries(SURFACE)) {
      const r = BUILTIN_RELATIONS.find((x) => `${x.schema}.${x.name}` === name);
      if (r === undefined) {
        missing.push(name);
        continue;
      }
      expect(r.columns.map((c) => c.name).slice(0, columns.length), name).toEqual(columns);
    }
    expect(missing).toEqual([]);
  });

  it('list user and system clusters, their replicas, and the cluster of each object', () => {
    const m = new CatalogModel(catalogWithClusters(), BUILTIN_RELATIONS);
    expect(rowsOf(m, 'mz_catalog.mz_clusters').map((r) => [r[0], r[1], r[4], r[5], r[6]])).toEqual([
      ['s1', 'mz_system', true, '25cc', 1], ['s2', 'mz_catalog_server', true, '25cc', 1], ['s3', 'mz_probe', true, '25cc', 1],
      ['s4', 'mz_support', true, '25cc', 0], ['u1', 'quickstart', true, '25cc', 1], ['u2', 'c2', false, null, null],
    ]);
    expect(rowsOf(m, 'mz_catalog.mz_cluster_replicas').filter((r) => String(r[0]).startsWith('u')).map((r) => r.slice(0, 4))).toEqual([
      ['u1', 'r1', 'u1', '25cc'], ['u3', 'a', 'u2', '1'], ['u2', 'b', 'u2', '2'],
    ]);
    expect(rowsOf(m, 'mz_internal.mz_show_clusters').filter((r) => !String(r[0]).startsWith('mz_'))).toEqual([['quickstart', 'r1 (25cc)', ''], ['c2', 'a (1), b (2)', '']]);
    expect(rowsOf(m, 'mz_catalog.mz_materialized_views').map((r) => [r[3], r[4]])).toEqual([['mv', 'u2']]);
    expect(rowsOf(m, 'mz_internal.mz_show_materialized_views').map((r) => [r[1], r[2], r[4]])).toEqual([['mv', 'c2', 'u2']]);
    expect(rowsOf(m, 'mz_catalog.mz_objects').filter((r) => String(r[0]).startsWith('u')).map((r) => [r[3], r[6]])).toEqual([['t', null], ['mv', 'u2']]);
    expect(rowsOf(m, 'mz_internal.mz_hydration_statuses')).toEqual([['u2', 'u3', true], ['u2', 'u2', true]]);
  });
});
