/**
 * Fixed object ids of system objects: system schemas, builtin roles, access methods, and the oids of the
 * builtin relations that clients name in `'pg_class'::regclass`-style casts (PostgreSQL's own oids, so
 * `pg_description.classoid` and `pg_depend.classid` agree with what clients compare them to).
 * User objects get oids from the catalog's allocator (>= 20000), so these never collide.
 */

/** System schemas: PostgreSQL's oid for pg_catalog; the others in a reserved range. */
export const SCHEMA_OIDS: Readonly<Record<string, number>> = {
  pg_catalog: 11,
  mz_catalog: 16385,
  mz_internal: 16386,
  information_schema: 16387,
};

/** The role that owns every object (Materialize's default user), and the system roles. */
export const ROLES: readonly { readonly id: string; readonly oid: number; readonly name: string; readonly superuser: boolean }[] = [
  { id: 'u1', oid: 16661, name: 'materialize', superuser: true },
  { id: 's1', oid: 16662, name: 'mz_system', superuser: true },
  { id: 's2', oid: 16663, name: 'mz_support', superuser: false },
];
export const OWNER_OID = 16661;
export const OWNER_ID = 'u1';

/** Access methods (pg_am), with PostgreSQL's oids. */
export const AM_HEAP = 2;
export const AM_BTREE = 403;

/** PostgreSQL's default collation and the "C" collation. */
export const COLLATION_DEFAULT = 100;
export const COLLATION_C = 950;

export const TABLESPACE_DEFAULT = 1663;
export const TABLESPACE_GLOBAL = 1664;

/** The single cluster and its replica (clusters are not yet separate processes). */
export const CLUSTER = { id: 'u1', name: 'quickstart', replicaId: 'u1', replica: 'r1', size: '25cc' } as const;

/** PostgreSQL's oids for the catalog relations clients name through regclass casts. */
export const PG_RELATION_OIDS: Readonly<Record<string, number>> = {
  pg_type: 1247, pg_attribute: 1249, pg_proc: 1255, pg_class: 1259, pg_authid: 1260, pg_database: 1262,
  pg_tablespace: 1213, pg_am: 2601, pg_attrdef: 2604, pg_constraint: 2606, pg_depend: 2608, pg_description: 2609,
  pg_index: 2610, pg_inherits: 2611, pg_namespace: 2615, pg_rewrite: 2618, pg_trigger: 2620, pg_extension: 3079,
  pg_collation: 3456, pg_enum: 3501, pg_range: 3541, pg_policy: 3256, pg_shdescription: 2396,
  pg_auth_members: 1261, pg_settings: 12000, pg_roles: 12001, pg_user: 12002,
};

/** Oid of a builtin relation without a PostgreSQL oid: a reserved range keyed by its id (`s<N>`). */
export function builtinOid(schema: string, name: string, id: string): number {
  if (schema === 'pg_catalog') {
    const pg = PG_RELATION_OIDS[name];
    if (pg !== undefined) return pg;
  }
  return 17000 + Number(id.slice(1));
}
