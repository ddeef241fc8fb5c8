/**
 * mz_catalog and mz_internal relations with Materialize's columns (reference/materialize-surface.md §4),
 * including the mz_internal.mz_show_* relations that back Materialize's SHOW commands.
 */
import { type Frontier, Interval, PgArray, type Row, typeName, typeOid } from '../../repr/index.ts';
import type { CatalogModel, ObjectInfo } from './model.ts';
import type { ClusterReplicaEntry } from '../catalog.ts';
import { compactionWindow } from '../retain-history.ts';
import { OWNER_ID, ROLES } from './oids.ts';
import { viewDefinition } from './pg-catalog.ts';
import { type BuiltinSpec, C, arr, cols, empty, spec } from './spec.ts';

/** mz_objects.type of an object. */
function objectType(o: ObjectInfo): string {
  return o.system ? 'table' : o.kind;
}

/** A source's type from its definition (kafka, postgres, load-generator, ...). */
export function sourceType(o: ObjectInfo): string {
  const extra = o.item?.extra;
  if (extra?.kind === 'subsource') return extra.type;
  const sql = o.item?.createSql ?? '';
  if (/\bFROM\s+KAFKA\b/i.test(sql)) return 'kafka';
  if (/\bFROM\s+POSTGRES\b/i.test(sql)) return 'postgres';
  if (/\bFROM\s+MYSQL\b/i.test(sql)) return 'mysql';
  if (/\bFROM\s+LOAD\s+GENERATOR\b/i.test(sql)) return 'load-generator';
  if (/\bFROM\s+WEBHOOK\b/i.test(sql)) return 'webhook';
  return 'subsource';
}

function sinkType(o: ObjectInfo): string {
  return /\bINTO\s+KAFKA\b/i.test(o.item?.createSql ?? '') ? 'kafka' : 'unknown';
}

function connectionType(o: ObjectInfo): string {
  const m = /\bTO\s+(KAFKA|POSTGRES|MYSQL|CONFLUENT\s+SCHEMA\s+REGISTRY|SSH\s+TUNNEL|AWS\s+PRIVATELINK|AWS)\b/i.exec(o.item?.createSql ?? '');
  return m === null ? 'unknown' : m[1]!.toLowerCase().replace(/\s+/g, '-');
}

/** The id of the cluster maintaining an object (null for objects no cluster runs). */
const clusterOf = (o: ObjectInfo): string | null => o.item?.clusterId ?? null;

/** The name of the cluster maintaining an object (null when it has none). */
const clusterName = (m: CatalogModel, o: ObjectInfo): string | null => {
  const id = clusterOf(o);
  return id === null ? null : m.catalog.clusterById(id)?.name ?? null;
};

/** COMMENT ON text of an object (sub 0) or of its n-th column, '' without one (as the mz_show_* views print it). */
const commentOf = (o: ObjectInfo, sub = 0): string => o.item?.comments?.[String(sub)] ?? '';

/** Every replica of every cluster, in cluster then replica order. */
const allReplicas = (m: CatalogModel): ClusterReplicaEntry[] => m.catalog.allClusters().flatMap((c) => m.catalog.replicasOf(c.id));

const user = (m: CatalogModel, kind: ObjectInfo['kind']): ObjectInfo[] => m.objects.filter((o) => !o.system && o.kind === kind);
const createSql = (o: ObjectInfo): string | null => o.item?.createSql ?? null;

function indexKeyArray(m: CatalogModel, o: ObjectInfo): PgArray {
  return new PgArray(m.indexOf(o.oid)?.keyTexts ?? []);
}

const RELATION_KINDS = new Set(['table', 'source', 'view', 'materialized-view']);

export const MZ_CATALOG: readonly BuiltinSpec[] = [
  spec('mz_catalog', 'mz_databases', cols(['id', C.text], ['oid', C.oid], ['name', C.text], ['owner_id', C.text], ['privileges', C.textArray]),
    (m) => [...m.catalog.databases.values()].map((d) => [d.id, d.oid, d.name, OWNER_ID, null])),

  spec('mz_catalog', 'mz_schemas', cols(['id', C.text], ['oid', C.oid], ['database_id', C.text], ['name', C.text], ['owner_id', C.text], ['privileges', C.textArray]),
    (m) => m.schemas.map((s) => [s.id, s.oid, s.databaseId ?? null, s.name, OWNER_ID, null])),

  spec('mz_catalog', 'mz_objects', cols(
    ['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['type', C.text], ['owner_id', C.text], ['cluster_id', C.text],
    ['privileges', C.textArray],
  ), (m) => m.objects.map((o) => [o.id, o.oid, o.schema.id, o.name, objectType(o), OWNER_ID, clusterOf(o), null])),

  spec('mz_catalog', 'mz_relations', cols(
    ['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['type', C.text], ['owner_id', C.text], ['cluster_id', C.text],
    ['privileges', C.textArray],
  ), (m) => m.objects.filter((o) => RELATION_KINDS.has(objectType(o))).map((o) => [o.id, o.oid, o.schema.id, o.name, objectType(o), OWNER_ID, clusterOf(o), null])),

  spec('mz_catalog', 'mz_tables', cols(
    ['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['owner_id', C.text], ['privileges', C.textArray],
    ['create_sql', C.text], ['redacted_create_sql', C.text], ['source_id', C.text],
  ), (m) => m.objects.filter((o) => objectType(o) === 'table').map((o) => [o.id, o.oid, o.schema.id, o.name, OWNER_ID, null, createSql(o), createSql(o), null])),

  spec('mz_catalog', 'mz_views', cols(
    ['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['definition', C.text], ['owner_id', C.text],
    ['privileges', C.textArray], ['create_sql', C.text], ['redacted_create_sql', C.text],
  ), (m) => user(m, 'view').map((o) => [o.id, o.oid, o.schema.id, o.name, viewDefinition(o)?.trim() ?? null, OWNER_ID, null, createSql(o), createSql(o)])),

  spec('mz_catalog', 'mz_materialized_views', cols(
    ['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['cluster_id', C.text], ['definition', C.text],
    ['owner_id', C.text], ['privileges', C.textArray], ['create_sql', C.text], ['redacted_create_sql', C.text],
  ), (m) => user(m, 'materialized-view').map((o) => [o.id, o.oid, o.schema.id, o.name, clusterOf(o), viewDefinition(o)?.trim() ?? null, OWNER_ID, null, createSql(o), createSql(o)])),

  spec('mz_catalog', 'mz_sources', cols(
    ['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['type', C.text], ['connection_id', C.text], ['size', C.text],
    ['envelope_type', C.text], ['key_format', C.text], ['value_format', C.text], ['cluster_id', C.text], ['owner_id', C.text],
    ['privileges', C.textArray], ['create_sql', C.text], ['redacted_create_sql', C.text],
  ), (m) => user(m, 'source').map((o) => [o.id, o.oid, o.schema.id, o.name, sourceType(o), null, null, null, null, null, clusterOf(o), OWNER_ID, null, createSql(o), createSql(o)])),

  spec('mz_catalog', 'mz_sinks', cols(
    ['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['type', C.text], ['connection_id', C.text], ['size', C.text],
    ['envelope_type', C.text], ['format', C.text], ['key_format', C.text], ['value_format', C.text], ['cluster_id', C.text],
    ['owner_id', C.text], ['create_sql', C.text], ['redacted_create_sql', C.text],
  ), (m) => user(m, 'sink').map((o) => [o.id, o.oid, o.schema.id, o.name, sinkType(o), null, null, null, null, null, null, clusterOf(o), OWNER_ID, createSql(o), createSql(o)])),

  spec('mz_catalog', 'mz_indexes', cols(
    ['id', C.text], ['oid', C.oid], ['name', C.text], ['on_id', C.text], ['cluster_id', C.text], ['owner_id', C.text],
    ['create_sql', C.text], ['redacted_create_sql', C.text],
  ), (m) => m.indexes().map((i) => [i.object.id, i.object.oid, i.object.name, i.on.id, clusterOf(i.object), OWNER_ID, createSql(i.object), createSql(i.object)])),

  spec('mz_catalog', 'mz_index_columns', cols(['index_id', C.text], ['index_position', C.int8], ['on_position', C.int8], ['on_expression', C.text], ['nullable', C.bool]),
    (m) => m.indexes().flatMap((i) => i.attnums.map((a, j) => [
      i.object.id, BigInt(j + 1), a === 0 ? null : BigInt(a), a === 0 ? i.keyTexts[j] ?? null : null, a === 0 ? true : i.on.columns[a - 1]?.nullable ?? true,
    ]))),

  spec('mz_catalog', 'mz_columns', cols(
    ['id', C.text], ['name', C.text], ['position', C.int8], ['nullable', C.bool], ['type', C.text], ['default', C.text],
    ['type_oid', C.oid], ['type_mod', C.int4],
  ), (m) => m.objects.filter((o) => o.kind !== 'index').flatMap((o) => {
    const defaults = m.defaults(o);
    return o.columns.map((c, i) => [o.id, c.name, BigInt(i + 1), c.nullable, columnTypeName(c.type), defaults[i] ?? null, typeOid(c.type), c.type.typmod ?? -1]);
  })),

  spec('mz_catalog', 'mz_connections', cols(
    ['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['type', C.text], ['owner_id', C.text],
    ['privileges', C.textArray], ['create_sql', C.text], ['redacted_create_sql', C.text],
  ), (m) => user(m, 'connection').map((o) => [o.id, o.oid, o.schema.id, o.name, connectionType(o), OWNER_ID, null, createSql(o), createSql(o)])),

  spec('mz_catalog', 'mz_secrets', cols(['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['owner_id', C.text], ['privileges', C.textArray]),
    (m) => user(m, 'secret').map((o) => [o.id, o.oid, o.schema.id, o.name, OWNER_ID, null])),

  spec('mz_catalog', 'mz_roles', cols(['id', C.text], ['oid', C.oid], ['name', C.text], ['inherit', C.bool]),
    () => ROLES.map((r) => [r.id, r.oid, r.name, true])),

  spec('mz_catalog', 'mz_clusters', cols(
    ['id', C.text], ['name', C.text], ['owner_id', C.text], ['privileges', C.textArray], ['managed', C.bool], ['size', C.text],
    ['replication_factor', C.int4], ['disk', C.bool], ['availability_zones', C.textArray], ['introspection_debugging', C.bool],
    ['introspection_interval', C.interval],
  ), (m) => m.catalog.allClusters().map((c) => [
    c.id, c.name, OWNER_ID, null, c.managed, c.size ?? null, c.replicationFactor ?? null, false, c.managed ? arr([]) : null, false,
    new Interval(0, 0, 1_000_000n),
  ])),

  spec('mz_catalog', 'mz_cluster_replicas', cols(
    ['id', C.text], ['name', C.text], ['cluster_id', C.text], ['size', C.text], ['availability_zone', C.text], ['owner_id', C.text], ['disk', C.bool],
  ), (m) => allReplicas(m).map((r) => [r.id, r.name, r.clusterId, r.size, null, OWNER_ID, false])),

  empty('mz_catalog', 'mz_types', cols(['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['category', C.text], ['owner_id', C.text], ['privileges', C.textArray])),
  empty('mz_catalog', 'mz_functions', cols(['id', C.text], ['oid', C.oid], ['schema_id', C.text], ['name', C.text], ['argument_type_ids', C.textArray], ['variadic_argument_type_id', C.text], ['return_type_id', C.text], ['returns_set', C.bool], ['owner_id', C.text])),
  empty('mz_catalog', 'mz_kafka_sources', cols(['id', C.text], ['group_id_prefix', C.text], ['topic', C.text])),
  empty('mz_catalog', 'mz_kafka_sinks', cols(['id', C.text], ['topic', C.text])),
];

/** Materialize's type names in mz_columns.type (PostgreSQL's names without modifiers). */
function columnTypeName(t: Parameters<typeof typeName>[0]): string {
  return typeName(t.name === 'array' ? t : { name: t.name }).replace(/^"char"$/, 'char');
}

export const MZ_INTERNAL: readonly BuiltinSpec[] = [
  spec('mz_internal', 'mz_object_dependencies', cols(['object_id', C.text], ['referenced_object_id', C.text]), (m) => {
    const rows: Row[] = [];
    for (const o of m.objects) {
      const item = o.item;
      if (item === undefined) continue;
      const direct = m.directDependencies(o).map((d) => d.id);
      for (const d of new Set([...direct, ...(item.indexOn === undefined ? [] : [item.indexOn])])) rows.push([o.id, d]);
    }
    return rows;
  }),
  // Materialize: object_sub_id is NULL for the object itself and the column's position for a column.
  spec('mz_internal', 'mz_comments', cols(['id', C.text], ['object_type', C.text], ['object_sub_id', C.int4], ['comment', C.text]),
    (m) => m.objects.flatMap((o) => Object.entries(o.item?.comments ?? {}).map(([sub, c]): Row => [o.id, o.kind, sub === '0' ? null : Number(sub), c]))),
  spec('mz_internal', 'mz_source_statuses', cols(
    ['id', C.text], ['name', C.text], ['type', C.text], ['last_status_change_at', C.timestamptz], ['status', C.text], ['error', C.text], ['details', C.jsonb],
  ), (m) => user(m, 'source').map((o) => {
    // Live status from the running source (the coordinator re-syncs this relation every tick).
    const status = o.item === undefined ? undefined : m.catalog.sourceStatus?.(o.item.id);
    return [o.id, o.name, sourceType(o), null, status?.status ?? 'running', status?.error ?? null, null];
  })),
  spec('mz_internal', 'mz_sink_statuses', cols(
    ['id', C.text], ['name', C.text], ['type', C.text], ['last_status_change_at', C.timestamptz], ['status', C.text], ['error', C.text], ['details', C.jsonb],
  ), (m) => user(m, 'sink').map((o) => [o.id, o.name, sinkType(o), null, 'running', null, null])),
  spec('mz_internal', 'mz_hydration_statuses', cols(['object_id', C.text], ['replica_id', C.text], ['hydrated', C.bool]),
    // Every replica of an object's cluster runs its dataflow (in this one process), so each is hydrated.
    (m) => m.objects.filter((o) => o.kind === 'materialized-view' || o.kind === 'index').flatMap((o) => {
      const cluster = clusterOf(o);
      return cluster === null ? [] : m.catalog.replicasOf(cluster).map((r) => [o.id, r.id, true]);
    })),
  spec('mz_internal', 'mz_cluster_replica_statuses', cols(['replica_id', C.text], ['process_id', C.int8], ['status', C.text], ['reason', C.text], ['updated_at', C.timestamptz]),
    (m) => allReplicas(m).map((r) => [r.id, 0n, 'online', null, null])),
  spec('mz_internal', 'mz_frontiers', cols(['object_id', C.text], ['read_frontier', C.mzTimestamp], ['write_frontier', C.mzTimestamp]),
    (m) => m.objects.flatMap((o) => {
      // Live (re-synced every tick); a closed frontier is NULL, as in Materialize.
      const f = o.system || o.item === undefined ? undefined : m.catalog.frontiers?.(o.id);
      if (f === undefined) return [];
      const t = (x: Frontier): bigint | null => (x === 'closed' ? null : BigInt(x));
      return [[o.id, t(f.read), t(f.write)]];
    })),
  // Every table, source (subsources and progress relations too), materialized view and index, with
  // its compaction window in ms: RETAIN HISTORY's, or the default 1000 (Materialize's retain_history.slt).
  spec('mz_internal', 'mz_history_retention_strategies', cols(['id', C.text], ['strategy', C.text], ['value', C.jsonb]),
    (m) => m.objects.flatMap((o): Row[] => {
      const item = o.item;
      if (o.system || item === undefined || !['table', 'source', 'materialized-view', 'index'].includes(item.kind)) return [];
      return [[o.id, 'FOR', String(compactionWindow(m.catalog, item))]];
    })),
  empty('mz_internal', 'mz_postgres_sources', cols(['id', C.text], ['replication_slot', C.text], ['timeline_id', C.int8])),
  empty('mz_internal', 'mz_subscriptions', cols(['id', C.text], ['session_id', C.text], ['cluster_id', C.text], ['created_at', C.timestamptz], ['referenced_object_ids', C.textArray])),

  // The relations behind SHOW (Materialize's mz_show_* views; `comment` is '' without one).
  spec('mz_internal', 'mz_show_databases', cols(['id', C.text], ['name', C.text], ['comment', C.text]),
    (m) => [...m.catalog.databases.values()].map((d) => [d.id, d.name, ''])),
  spec('mz_internal', 'mz_show_schemas', cols(['id', C.text], ['name', C.text], ['database_id', C.text], ['comment', C.text]),
    (m) => m.schemas.map((s) => [s.id, s.name, s.databaseId ?? null, ''])),
  spec('mz_internal', 'mz_show_tables', cols(['id', C.text], ['name', C.text], ['schema_id', C.text], ['comment', C.text], ['source_id', C.text]),
    (m) => m.objects.filter((o) => objectType(o) === 'table').map((o) => [o.id, o.name, o.schema.id, commentOf(o), null])),
  spec('mz_internal', 'mz_show_views', cols(['id', C.text], ['name', C.text], ['schema_id', C.text], ['comment', C.text]),
    (m) => user(m, 'view').map((o) => [o.id, o.name, o.schema.id, commentOf(o)])),
  spec('mz_internal', 'mz_show_materialized_views', cols(['id', C.text], ['name', C.text], ['cluster', C.text], ['schema_id', C.text], ['cluster_id', C.text], ['comment', C.text]),
    (m) => user(m, 'materialized-view').map((o) => [o.id, o.name, clusterName(m, o), o.schema.id, clusterOf(o), commentOf(o)])),
  spec('mz_internal', 'mz_show_sources', cols(['id', C.text], ['name', C.text], ['type', C.text], ['cluster', C.text], ['schema_id', C.text], ['cluster_id', C.text], ['comment', C.text]),
    (m) => user(m, 'source').map((o) => [o.id, o.name, sourceType(o), clusterName(m, o), o.schema.id, clusterOf(o), commentOf(o)])),
  spec('mz_internal', 'mz_show_sinks', cols(['id', C.text], ['name', C.text], ['type', C.text], ['cluster', C.text], ['schema_id', C.text], ['cluster_id', C.text], ['comment', C.text]),
    (m) => user(m, 'sink').map((o) => [o.id, o.name, sinkType(o), clusterName(m, o), o.schema.id, clusterOf(o), commentOf(o)])),
  spec('mz_internal', 'mz_show_indexes', cols(['id', C.text], ['name', C.text], ['on', C.text], ['cluster', C.text], ['key', C.textArray], ['on_id', C.text], ['schema_id', C.text], ['cluster_id', C.text], ['comment', C.text]),
    (m) => m.indexes().map((i) => [i.object.id, i.object.name, i.on.name, clusterName(m, i.object), indexKeyArray(m, i.object), i.on.id, i.on.schema.id, clusterOf(i.object), commentOf(i.object)])),
  spec('mz_internal', 'mz_show_columns', cols(['id', C.text], ['name', C.text], ['nullable', C.bool], ['type', C.text], ['position', C.int8], ['comment', C.text]),
    (m) => m.objects.filter((o) => o.kind !== 'index').flatMap((o) => o.columns.map((c, i) => [o.id, c.name, c.nullable, columnTypeName(c.type), BigInt(i + 1), commentOf(o, i + 1)]))),
  spec('mz_internal', 'mz_show_all_objects', cols(['schema_id', C.text], ['name', C.text], ['type', C.text], ['comment', C.text]),
    (m) => m.objects.map((o) => [o.schema.id, o.name, objectType(o), commentOf(o)])),
  spec('mz_internal', 'mz_show_connections', cols(['id', C.text], ['name', C.text], ['type', C.text], ['schema_id', C.text], ['comment', C.text]),
    (m) => user(m, 'connection').map((o) => [o.id, o.name, connectionType(o), o.schema.id, commentOf(o)])),
  spec('mz_internal', 'mz_show_secrets', cols(['id', C.text], ['name', C.text], ['schema_id', C.text], ['comment', C.text]),
    (m) => user(m, 'secret').map((o) => [o.id, o.name, o.schema.id, commentOf(o)])),
  empty('mz_internal', 'mz_show_types', cols(['id', C.text], ['name', C.text], ['schema_id', C.text], ['comment', C.text])),
  spec('mz_internal', 'mz_show_clusters', cols(['name', C.text], ['replicas', C.text], ['comment', C.text]),
    (m) => m.catalog.allClusters().map((c) => [c.name, m.catalog.replicasOf(c.id).map((r) => `${r.name} (${r.size})`).join(', '), ''])),
  spec('mz_internal', 'mz_show_cluster_replicas', cols(['cluster', C.text], ['replica', C.text], ['replica_id', C.text], ['size', C.text], ['ready', C.bool], ['comment', C.text]),
    (m) => allReplicas(m).map((r) => [m.catalog.clusterById(r.clusterId)?.name ?? null, r.name, r.id, r.size, true, ''])),
];

