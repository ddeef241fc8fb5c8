/**
 * information_schema relations with the SQL standard's (PostgreSQL's) columns, for BI tools, Grafana,
 * Metabase and dbt's `get_columns_in_relation`. Constraints are tables' PRIMARY KEY / UNIQUE keys
 * (table_constraints, key_column_usage); there are no grants or foreign keys to report, so those
 * relations are empty; materialized views are not listed in `tables`, as in PostgreSQL.
 */
import type { Row, ScalarType } from '../../repr/index.ts';
import { typeName } from '../../repr/index.ts';
import { type CatalogModel, type ObjectInfo, TEMP_SCHEMA_ID } from './model.ts';
import { ROLES } from './oids.ts';
import { viewDefinition } from './pg-catalog.ts';
import { type BuiltinSpec, C, cols, empty, spec } from './spec.ts';

const owner = (): string => ROLES[0]!.name;

/** The database an object is listed under (system objects: every database; listed under the first). */
function catalogName(m: CatalogModel, o: ObjectInfo): string {
  return o.schema.database ?? [...m.catalog.databases.keys()][0] ?? 'materialize';
}

/** PRIMARY KEY / UNIQUE constraints of user tables (RelationDesc keys; the primary key, if any, first). */
export function tableKeys(m: CatalogModel): { o: ObjectInfo; name: string; key: readonly number[]; primary: boolean }[] {
  return m.constraints().map((c) => ({ o: c.table, name: c.name, key: c.key, primary: c.primary }));
}

/** information_schema.columns.data_type: the standard's names; arrays are ARRAY, unknown types USER-DEFINED. */
function dataType(t: ScalarType): string {
  switch (t.name) {
    case 'array': return 'ARRAY';
    case 'varchar': return 'character varying';
    case 'bpchar': return 'character';
    case 'mz_timestamp': case 'record': return 'USER-DEFINED';
    default: return typeName({ name: t.name });
  }
}

function charLength(t: ScalarType): number | null {
  return (t.name === 'varchar' || t.name === 'bpchar') && t.typmod !== undefined && t.typmod >= 4 ? t.typmod - 4 : null;
}

function numericPrecision(t: ScalarType): [number | null, number | null, number | null] {
  switch (t.name) {
    case 'int2': return [16, 2, 0];
    case 'int4': return [32, 2, 0];
    case 'int8': return [64, 2, 0];
    case 'float4': return [24, 2, null];
    case 'float8': return [53, 2, null];
    case 'numeric': {
      if (t.typmod === undefined || t.typmod < 4) return [null, 10, null];
      const m = t.typmod - 4;
      return [m >> 16, 10, m & 0xffff];
    }
    default: return [null, null, null];
  }
}

function tableType(o: ObjectInfo): string | undefined {
  switch (o.kind) {
    case 'table': return o.schema.id === TEMP_SCHEMA_ID ? 'LOCAL TEMPORARY' : 'BASE TABLE';
    case 'source': return 'BASE TABLE';
    case 'view': return 'VIEW';
    default: return undefined;
  }
}

export const INFORMATION_SCHEMA: readonly BuiltinSpec[] = [
  spec('information_schema', 'schemata', cols(
    ['catalog_name', C.name], ['schema_name', C.name], ['schema_owner', C.name], ['default_character_set_catalog', C.name],
    ['default_character_set_schema', C.name], ['default_character_set_name', C.name], ['sql_path', C.text],
  ), (m) => {
    const dbs = [...m.catalog.databases.keys()];
    return m.schemas.flatMap((s) => (s.database === undefined ? dbs : [s.database]).map((db) => [db, s.name, owner(), null, null, null, null]));
  }),

  spec('information_schema', 'tables', cols(
    ['table_catalog', C.name], ['table_schema', C.name], ['table_name', C.name], ['table_type', C.text],
    ['self_referencing_column_name', C.name], ['reference_generation', C.text], ['user_defined_type_catalog', C.name],
    ['user_defined_type_schema', C.name], ['user_defined_type_name', C.name], ['is_insertable_into', C.text], ['is_typed', C.text],
    ['commit_action', C.text],
  ), (m) => m.objects.flatMap((o): Row[] => {
    const t = tableType(o);
    if (t === undefined) return [];
    return [[catalogName(m, o), o.schema.name, o.name, t, null, null, null, null, null, t !== 'VIEW' && o.kind === 'table' ? 'YES' : 'NO', 'NO', t === 'LOCAL TEMPORARY' ? 'PRESERVE' : null]];
  })),

  spec('information_schema', 'columns', cols(
    ['table_catalog', C.name], ['table_schema', C.name], ['table_name', C.name], ['column_name', C.name], ['ordinal_position', C.int4],
    ['column_default', C.text], ['is_nullable', C.text], ['data_type', C.text], ['character_maximum_length', C.int4],
    ['character_octet_length', C.int4], ['numeric_precision', C.int4], ['numeric_precision_radix', C.int4], ['numeric_scale', C.int4],
    ['datetime_precision', C.int4], ['interval_type', C.text], ['interval_precision', C.int4], ['character_set_catalog', C.name],
    ['character_set_schema', C.name], ['character_set_name', C.name], ['collation_catalog', C.name], ['collation_schema', C.name],
    ['collation_name', C.name], ['domain_catalog', C.name], ['domain_schema', C.name], ['domain_name', C.name], ['udt_catalog', C.name],
    ['udt_schema', C.name], ['udt_name', C.name], ['scope_catalog', C.name], ['scope_schema', C.name], ['scope_name', C.name],
    ['maximum_cardinality', C.int4], ['dtd_identifier', C.name], ['is_self_referencing', C.text], ['is_identity', C.text],
    ['identity_generation', C.text], ['identity_start', C.text], ['identity_increment', C.text], ['identity_maximum', C.text],
    ['identity_minimum', C.text], ['identity_cycle', C.text], ['is_generated', C.text], ['generation_expression', C.text],
    ['is_updatable', C.text],
  ), (m) => m.objects.filter((o) => o.kind !== 'index' && o.kind !== 'sink' && o.kind !== 'connection' && o.kind !== 'secret').flatMap((o) => {
    const defaults = m.defaults(o);
    return o.columns.map((c, i) => {
      const [prec, radix, scale] = numericPrecision(c.type);
      const len = charLength(c.type);
      const udt = c.type.name === 'array' ? `_${c.type.elem?.name ?? 'text'}` : c.type.name;
      const dtPrecision = ['timestamp', 'timestamptz', 'time', 'interval'].includes(c.type.name) ? 6 : c.type.name === 'date' ? 0 : null;
      return [
        catalogName(m, o), o.schema.name, o.name, c.name, i + 1, defaults[i] ?? null, c.nullable ? 'YES' : 'NO', dataType(c.type),
        len, len === null ? (['text', 'varchar', 'bpchar'].includes(c.type.name) ? 1073741824 : null) : len * 4, prec, radix, scale,
        dtPrecision, null, null, null, null, null, null, null, null, null, null, null, catalogName(m, o), 'pg_catalog', udt, null, null,
        null, null, String(i + 1), 'NO', 'NO', null, null, null, null, null, 'NO', 'NEVER', null, o.kind === 'table' ? 'YES' : 'NO',
      ];
    });
  })),

  spec('information_schema', 'views', cols(
    ['table_catalog', C.name], ['table_schema', C.name], ['table_name', C.name], ['view_definition', C.text], ['check_option', C.text],
    ['is_updatable', C.text], ['is_insertable_into', C.text], ['is_trigger_updatable', C.text], ['is_trigger_deletable', C.text],
    ['is_trigger_insertable_into', C.text],
  ), (m) => m.objects.filter((o) => o.kind === 'view' && !o.system).map((o) => [
    catalogName(m, o), o.schema.name, o.name, viewDefinition(o), 'NONE', 'NO', 'NO', 'NO', 'NO', 'NO',
  ])),

  spec('information_schema', 'table_constraints', cols(
    ['constraint_catalog', C.name], ['constraint_schema', C.name], ['constraint_name', C.name], ['table_catalog', C.name],
    ['table_schema', C.name], ['table_name', C.name], ['constraint_type', C.text], ['is_deferrable', C.text],
    ['initially_deferred', C.text], ['enforced', C.text], ['nulls_distinct', C.text],
  ), (m) => tableKeys(m).map(({ o, name, primary }) => {
    const db = catalogName(m, o);
    return [db, o.schema.name, name, db, o.schema.name, o.name, primary ? 'PRIMARY KEY' : 'UNIQUE', 'NO', 'NO', 'YES', primary ? null : 'YES'];
  })),
  spec('information_schema', 'key_column_usage', cols(
    ['constraint_catalog', C.name], ['constraint_schema', C.name], ['constraint_name', C.name], ['table_catalog', C.name],
    ['table_schema', C.name], ['table_name', C.name], ['column_name', C.name], ['ordinal_position', C.int4],
    ['position_in_unique_constraint', C.int4],
  ), (m) => tableKeys(m).flatMap(({ o, name, key }) => {
    const db = catalogName(m, o);
    return key.map((c, i): Row => [db, o.schema.name, name, db, o.schema.name, o.name, o.columns[c]?.name ?? '', i + 1, null]);
  })),
  empty('information_schema', 'referential_constraints', cols(
    ['constraint_catalog', C.name], ['constraint_schema', C.name], ['constraint_name', C.name], ['unique_constraint_catalog', C.name],
    ['unique_constraint_schema', C.name], ['unique_constraint_name', C.name], ['match_option', C.text], ['update_rule', C.text],
    ['delete_rule', C.text],
  )),
  empty('information_schema', 'role_table_grants', cols(
    ['grantor', C.name], ['grantee', C.name], ['table_catalog', C.name], ['table_schema', C.name], ['table_name', C.name],
    ['privilege_type', C.text], ['is_grantable', C.text], ['with_hierarchy', C.text],
  )),
  empty('information_schema', 'table_privileges', cols(
    ['grantor', C.name], ['grantee', C.name], ['table_catalog', C.name], ['table_schema', C.name], ['table_name', C.name],
    ['privilege_type', C.text], ['is_grantable', C.text], ['with_hierarchy', C.text],
  )),
  empty('information_schema', 'routines', cols(
    ['specific_catalog', C.name], ['specific_schema', C.name], ['specific_name', C.name], ['routine_catalog', C.name],
    ['routine_schema', C.name], ['routine_name', C.name], ['routine_type', C.text], ['data_type', C.text],
  )),
  empty('information_schema', 'triggers', cols(
    ['trigger_catalog', C.name], ['trigger_schema', C.name], ['trigger_name', C.name], ['event_manipulation', C.text],
    ['event_object_catalog', C.name], ['event_object_schema', C.name], ['event_object_table', C.name], ['action_statement', C.text],
  )),
  spec('information_schema', 'enabled_roles', cols(['role_name', C.name]), () => ROLES.map((r) => [r.name])),
  spec('information_schema', 'applicable_roles', cols(['grantee', C.name], ['role_name', C.name], ['is_grantable', C.text]), () => []),
  spec('information_schema', 'character_sets', cols(
    ['character_set_catalog', C.name], ['character_set_schema', C.name], ['character_set_name', C.name],
    ['character_repertoire', C.name], ['form_of_use', C.name], ['default_collate_catalog', C.name], ['default_collate_schema', C.name],
    ['default_collate_name', C.name],
  ), (m) => [[[...m.catalog.databases.keys()][0] ?? 'materialize', null, 'UTF8', 'UCS', 'UTF8', null, null, null]]),
];
