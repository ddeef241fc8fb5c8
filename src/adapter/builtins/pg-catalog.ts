/**
 * pg_catalog relations, with PostgreSQL 15's columns (plus the pre-12 columns psql and pgjdbc send to a
 * 9.5 server: relhasoids, proisagg, proiswindow, amcanorder). Features Tributary lacks (triggers,
 * policies, inheritance, foreign keys) are present and empty, so clients' queries
 * bind and return nothing rather than failing.
 */
import type { Row } from '../../repr/index.ts';
import { typeOid } from '../../repr/index.ts';
import { type CatalogModel, type ObjectInfo, TEMP_SCHEMA_ID, quoteIdent, relkind } from './model.ts';
import {
  AM_BTREE, AM_HEAP, COLLATION_C, COLLATION_DEFAULT, OWNER_OID, PG_RELATION_OIDS, ROLES, TABLESPACE_DEFAULT, TABLESPACE_GLOBAL,
} from './oids.ts';
import { PG_PROCS, PG_TYPES, procOid } from './pg-types.ts';
import { settingsRows } from './settings.ts';
import { type BuiltinSpec, C, arr, cols, empty, spec } from './spec.ts';

const PG_CATALOG_OID = 11;

function relam(o: ObjectInfo): number {
  const k = relkind(o);
  return k === 'r' || k === 'm' ? AM_HEAP : k === 'i' ? AM_BTREE : 0;
}

/** Column collation: the default collation for string types, none otherwise (so psql prints nothing). */
function collationOf(typoid: number): number {
  return PG_TYPES.find((t) => t.oid === typoid)?.collation ?? 0;
}

/**
 * PRIMARY KEY and UNIQUE constraints of tables (pgjdbc's getPrimaryKeys, DBeaver, Metabase), each pointing
 * (conindid) at its catalog-only index entry, as psql's `\d` joins them.
 */
function constraintRows(m: CatalogModel): Row[] {
  return m.constraints().map((c) => [
    c.oid, c.name, c.table.schema.oid, c.primary ? 'p' : 'u', false, false, true, c.table.oid, 0, c.indexOid, 0, 0, ' ', ' ', ' ',
    true, 0, true, arr(c.key.map((i) => i + 1)), null, null, null, null, null, null, null,
  ]);
}

function attributeRows(m: CatalogModel): Row[] {
  const rows: Row[] = [];
  for (const o of m.relations()) {
    const defaults = m.defaults(o);
    const isTable = o.kind === 'table' && !o.system;
    o.columns.forEach((c, i) => {
      const typoid = typeOid(c.type);
      const t = PG_TYPES.find((p) => p.oid === typoid);
      rows.push([
        o.oid, c.name, typoid, -1, t?.len ?? -1, i + 1, c.type.name === 'array' ? 1 : 0, -1, c.type.typmod ?? -1,
        t?.byval ?? false, t?.align ?? 'i', t?.storage ?? 'p', '', isTable && !c.nullable, defaults[i] !== null && defaults[i] !== undefined,
        false, '', '', false, true, 0, collationOf(typoid), null, null, null,
      ]);
    });
    if (o.kind === 'index') {
      const idx = m.indexOf(o.oid);
      if (idx === undefined) continue;
      idx.attnums.forEach((a, i) => {
        const c = a > 0 ? idx.on.columns[a - 1] : undefined;
        const typoid = c === undefined ? 25 : typeOid(c.type);
        const t = PG_TYPES.find((p) => p.oid === typoid);
        rows.push([
          o.oid, c?.name ?? (i === 0 ? 'expr' : `expr${i}`), typoid, -1, t?.len ?? -1, i + 1, 0, -1, c?.type.typmod ?? -1,
          t?.byval ?? false, t?.align ?? 'i', t?.storage ?? 'p', '', false, false, false, '', '', false, true, 0, collationOf(typoid),
          null, null, null,
        ]);
      });
    }
  }
  return rows;
}

export const PG_CATALOG: readonly BuiltinSpec[] = [
  spec('pg_catalog', 'pg_namespace', cols(['oid', C.oid], ['nspname', C.name], ['nspowner', C.oid], ['nspacl', C.acl]),
    (m) => [...m.schemas, ...m.tempSchemas].map((s) => [s.oid, s.name, OWNER_OID, null])),

  spec('pg_catalog', 'pg_class', cols(
    ['oid', C.oid], ['relname', C.name], ['relnamespace', C.oid], ['reltype', C.oid], ['reloftype', C.oid], ['relowner', C.oid],
    ['relam', C.oid], ['relfilenode', C.oid], ['reltablespace', C.oid], ['relpages', C.int4], ['reltuples', C.float4],
    ['relallvisible', C.int4], ['reltoastrelid', C.oid], ['relhasindex', C.bool], ['relisshared', C.bool], ['relpersistence', C.char],
    ['relkind', C.char], ['relnatts', C.int2], ['relchecks', C.int2], ['relhasrules', C.bool], ['relhastriggers', C.bool],
    ['relhassubclass', C.bool], ['relrowsecurity', C.bool], ['relforcerowsecurity', C.bool], ['relispopulated', C.bool],
    ['relreplident', C.char], ['relispartition', C.bool], ['relrewrite', C.oid], ['relacl', C.acl], ['reloptions', C.textArray],
    ['relpartbound', C.nodeTree], ['relhasoids', C.bool],
  ), (m) => m.relations().map((o) => [
    o.oid, o.name, o.schema.oid, 0, 0, OWNER_OID, relam(o), 0, 0, 0, -1, 0, 0, m.hasIndex(o), false, o.schema.id === TEMP_SCHEMA_ID ? 't' : 'p', relkind(o)!,
    o.kind === 'index' ? m.indexOf(o.oid)?.attnums.length ?? 0 : o.columns.length, 0, o.kind === 'view', false, false, false, false, true, 'd', false, 0, null, null, null, false,
  ])),

  spec('pg_catalog', 'pg_attribute', cols(
    ['attrelid', C.oid], ['attname', C.name], ['atttypid', C.oid], ['attstattarget', C.int4], ['attlen', C.int2], ['attnum', C.int2],
    ['attndims', C.int4], ['attcacheoff', C.int4], ['atttypmod', C.int4], ['attbyval', C.bool], ['attalign', C.char],
    ['attstorage', C.char], ['attcompression', C.char], ['attnotnull', C.bool], ['atthasdef', C.bool], ['atthasmissing', C.bool],
    ['attidentity', C.char], ['attgenerated', C.char], ['attisdropped', C.bool], ['attislocal', C.bool], ['attinhcount', C.int4],
    ['attcollation', C.oid], ['attacl', C.acl], ['attoptions', C.textArray], ['attfdwoptions', C.textArray],
  ), attributeRows),

  spec('pg_catalog', 'pg_attrdef', cols(['oid', C.oid], ['adrelid', C.oid], ['adnum', C.int2], ['adbin', C.nodeTree]), (m) => {
    const rows: Row[] = [];
    for (const o of m.relations()) {
      m.defaults(o).forEach((d, i) => {
        if (d !== null) rows.push([o.oid * 64 + i + 1, o.oid, i + 1, d]);
      });
    }
    return rows;
  }),

  spec('pg_catalog', 'pg_type', cols(
    ['oid', C.oid], ['typname', C.name], ['typnamespace', C.oid], ['typowner', C.oid], ['typlen', C.int2], ['typbyval', C.bool],
    ['typtype', C.char], ['typcategory', C.char], ['typispreferred', C.bool], ['typisdefined', C.bool], ['typdelim', C.char],
    ['typrelid', C.oid], ['typsubscript', C.regproc], ['typelem', C.oid], ['typarray', C.oid], ['typinput', C.regproc],
    ['typoutput', C.regproc], ['typreceive', C.regproc], ['typsend', C.regproc], ['typmodin', C.regproc], ['typmodout', C.regproc],
    ['typanalyze', C.regproc], ['typalign', C.char], ['typstorage', C.char], ['typnotnull', C.bool], ['typbasetype', C.oid],
    ['typtypmod', C.int4], ['typndims', C.int4], ['typcollation', C.oid], ['typdefaultbin', C.nodeTree], ['typdefault', C.text],
    ['typacl', C.acl],
  ), () => PG_TYPES.map((t) => [
    t.oid, t.name, PG_CATALOG_OID, OWNER_OID, t.len, t.byval, t.typtype, t.category, t.preferred, true, ',', 0,
    t.category === 'A' ? procOid('array_in') : 0, t.elem, t.array, procOid(t.input), procOid(t.output), procOid(t.receive),
    procOid(t.send), 0, 0, 0, t.align, t.storage, false, 0, -1, 0, t.collation, null, null, null,
  ])),

  spec('pg_catalog', 'pg_proc', cols(
    ['oid', C.oid], ['proname', C.name], ['pronamespace', C.oid], ['proowner', C.oid], ['prolang', C.oid], ['procost', C.float4],
    ['prorows', C.float4], ['provariadic', C.oid], ['prosupport', C.regproc], ['prokind', C.char], ['prosecdef', C.bool],
    ['proleakproof', C.bool], ['proisstrict', C.bool], ['proretset', C.bool], ['provolatile', C.char], ['proparallel', C.char],
    ['pronargs', C.int2], ['pronargdefaults', C.int2], ['prorettype', C.oid], ['proargtypes', C.oidArray],
    ['proallargtypes', C.oidArray], ['proargmodes', C.charArray], ['proargnames', C.textArray], ['proargdefaults', C.nodeTree],
    ['protrftypes', C.oidArray], ['prosrc', C.text], ['probin', C.text], ['prosqlbody', C.nodeTree], ['proconfig', C.textArray],
    ['proacl', C.acl], ['proisagg', C.bool], ['proiswindow', C.bool],
  ), () => PG_PROCS.map((p) => [
    p.oid, p.name, PG_CATALOG_OID, OWNER_OID, 12, 1, 0, 0, 0, 'f', false, false, true, false, p.volatility ?? 'i', 's', p.nargs, 0, p.retType,
    arr(p.argTypes), null, null, null, null, null, p.name, null, null, null, null, false, false,
  ])),

  spec('pg_catalog', 'pg_index', cols(
    ['indexrelid', C.oid], ['indrelid', C.oid], ['indnatts', C.int2], ['indnkeyatts', C.int2], ['indisunique', C.bool],
    ['indnullsnotdistinct', C.bool], ['indisprimary', C.bool], ['indisexclusion', C.bool], ['indimmediate', C.bool],
    ['indisclustered', C.bool], ['indisvalid', C.bool], ['indcheckxmin', C.bool], ['indisready', C.bool], ['indislive', C.bool],
    ['indisreplident', C.bool], ['indkey', C.int2Array], ['indcollation', C.oidArray], ['indclass', C.oidArray],
    ['indoption', C.int2Array], ['indexprs', C.nodeTree], ['indpred', C.nodeTree],
  ), (m) => m.pgIndexes().map((i) => [
    i.object.oid, i.on.oid, i.attnums.length, i.attnums.length, i.constraint !== undefined, false, i.constraint?.primary === true, false,
    true, false, true, false, true, true,
    false, arr(i.attnums), arr(i.attnums.map(() => 0)), arr(i.attnums.map(() => 0)), arr(i.attnums.map(() => 0)),
    i.attnums.some((a) => a === 0) ? i.keyTexts.filter((_k, j) => i.attnums[j] === 0).join(', ') : null, null,
  ])),

  spec('pg_catalog', 'pg_database', cols(
    ['oid', C.oid], ['datname', C.name], ['datdba', C.oid], ['encoding', C.int4], ['datlocprovider', C.char], ['datistemplate', C.bool],
    ['datallowconn', C.bool], ['datconnlimit', C.int4], ['dattablespace', C.oid], ['datcollate', C.text], ['datctype', C.text],
    ['daticulocale', C.text], ['datcollversion', C.text], ['datacl', C.acl],
  ), (m) => [...m.catalog.databases.values()].map((d) => [
    d.oid, d.name, OWNER_OID, 6, 'c', false, true, -1, TABLESPACE_DEFAULT, 'C', 'C', null, null, null,
  ])),

  spec('pg_catalog', 'pg_authid', cols(
    ['oid', C.oid], ['rolname', C.name], ['rolsuper', C.bool], ['rolinherit', C.bool], ['rolcreaterole', C.bool],
    ['rolcreatedb', C.bool], ['rolcanlogin', C.bool], ['rolreplication', C.bool], ['rolbypassrls', C.bool], ['rolconnlimit', C.int4],
    ['rolpassword', C.text], ['rolvaliduntil', C.timestamptz],
  ), () => ROLES.map((r) => [r.oid, r.name, r.superuser, true, r.superuser, r.superuser, true, false, r.superuser, -1, null, null])),

  spec('pg_catalog', 'pg_roles', cols(
    ['rolname', C.name], ['rolsuper', C.bool], ['rolinherit', C.bool], ['rolcreaterole', C.bool], ['rolcreatedb', C.bool],
    ['rolcanlogin', C.bool], ['rolreplication', C.bool], ['rolconnlimit', C.int4], ['rolpassword', C.text],
    ['rolvaliduntil', C.timestamptz], ['rolbypassrls', C.bool], ['rolconfig', C.textArray], ['oid', C.oid],
  ), () => ROLES.map((r) => [r.name, r.superuser, true, r.superuser, r.superuser, true, false, -1, '********', null, r.superuser, null, r.oid])),

  spec('pg_catalog', 'pg_user', cols(
    ['usename', C.name], ['usesysid', C.oid], ['usecreatedb', C.bool], ['usesuper', C.bool], ['userepl', C.bool],
    ['usebypassrls', C.bool], ['passwd', C.text], ['valuntil', C.timestamptz], ['useconfig', C.textArray],
  ), () => ROLES.map((r) => [r.name, r.oid, r.superuser, r.superuser, false, r.superuser, '********', null, null])),

  empty('pg_catalog', 'pg_auth_members', cols(['oid', C.oid], ['roleid', C.oid], ['member', C.oid], ['grantor', C.oid], ['admin_option', C.bool])),

  spec('pg_catalog', 'pg_description', cols(['objoid', C.oid], ['classoid', C.oid], ['objsubid', C.int4], ['description', C.text]),
    (m) => m.objects.flatMap((o) => Object.entries(o.item?.comments ?? {}).map(([sub, c]): Row => [o.oid, PG_RELATION_OIDS.pg_class!, Number(sub), c]))),
  empty('pg_catalog', 'pg_shdescription', cols(['objoid', C.oid], ['classoid', C.oid], ['description', C.text])),

  spec('pg_catalog', 'pg_depend', cols(
    ['classid', C.oid], ['objid', C.oid], ['objsubid', C.int4], ['refclassid', C.oid], ['refobjid', C.oid], ['refobjsubid', C.int4],
    ['deptype', C.char],
  ), (m) => {
    // As PostgreSQL records them: a view's rewrite rule depends on what the view reads ('n'), the rule on its view ('i').
    const rows: Row[] = [];
    const pgClass = PG_RELATION_OIDS['pg_class']!;
    const pgRewrite = PG_RELATION_OIDS['pg_rewrite']!;
    for (const o of m.objects) {
      if (o.item === undefined) continue;
      if (o.kind === 'view' || o.kind === 'materialized-view') {
        rows.push([pgRewrite, rewriteOid(o), 0, pgClass, o.oid, 0, 'i']);
        for (const d of m.directDependencies(o)) if (!d.system) rows.push([pgRewrite, rewriteOid(o), 0, pgClass, d.oid, 0, 'n']);
      } else if (o.kind === 'index' && o.item.indexOn !== undefined) {
        const on = m.byId(o.item.indexOn);
        if (on !== undefined) rows.push([pgClass, o.oid, 0, pgClass, on.oid, 1, 'a']);
      }
    }
    return rows;
  }),

  spec('pg_catalog', 'pg_rewrite', cols(
    ['oid', C.oid], ['rulename', C.name], ['ev_class', C.oid], ['ev_type', C.char], ['ev_enabled', C.char], ['is_instead', C.bool],
    ['ev_qual', C.nodeTree], ['ev_action', C.nodeTree],
  ), (m) => m.objects.filter((o) => !o.system && (o.kind === 'view' || o.kind === 'materialized-view'))
    .map((o) => [rewriteOid(o), '_RETURN', o.oid, '1', 'O', true, null, null])),

  spec('pg_catalog', 'pg_views', cols(['schemaname', C.name], ['viewname', C.name], ['viewowner', C.name], ['definition', C.text]),
    (m) => m.objects.filter((o) => o.kind === 'view' && !o.system).map((o) => [o.schema.name, o.name, ownerName(), viewDefinition(o)])),

  spec('pg_catalog', 'pg_matviews', cols(
    ['schemaname', C.name], ['matviewname', C.name], ['matviewowner', C.name], ['tablespace', C.name], ['hasindexes', C.bool],
    ['ispopulated', C.bool], ['definition', C.text],
  ), (m) => m.objects.filter((o) => o.kind === 'materialized-view').map((o) => [o.schema.name, o.name, ownerName(), null, m.hasIndex(o), true, viewDefinition(o)])),

  spec('pg_catalog', 'pg_tables', cols(
    ['schemaname', C.name], ['tablename', C.name], ['tableowner', C.name], ['tablespace', C.name], ['hasindexes', C.bool],
    ['hasrules', C.bool], ['hastriggers', C.bool], ['rowsecurity', C.bool],
  ), (m) => m.objects.filter((o) => o.kind === 'table' || o.kind === 'source').map((o) => [o.schema.name, o.name, ownerName(), null, m.hasIndex(o), false, false, false])),

  spec('pg_catalog', 'pg_indexes', cols(['schemaname', C.name], ['tablename', C.name], ['indexname', C.name], ['tablespace', C.name], ['indexdef', C.text]),
    (m) => m.pgIndexes().map((i) => [i.on.schema.name, i.on.name, i.object.name, null, indexDef(i)])),

  spec('pg_catalog', 'pg_settings', cols(
    ['name', C.text], ['setting', C.text], ['unit', C.text], ['category', C.text], ['short_desc', C.text], ['extra_desc', C.text],
    ['context', C.text], ['vartype', C.text], ['source', C.text], ['min_val', C.text], ['max_val', C.text], ['enumvals', C.textArray],
    ['boot_val', C.text], ['reset_val', C.text], ['sourcefile', C.text], ['sourceline', C.int4], ['pending_restart', C.bool],
  ), () => settingsRows()),

  spec('pg_catalog', 'pg_am', cols(['oid', C.oid], ['amname', C.name], ['amhandler', C.regproc], ['amtype', C.char], ['amcanorder', C.bool]),
    () => [[AM_HEAP, 'heap', 0, 't', false], [AM_BTREE, 'btree', 0, 'i', true]]),

  spec('pg_catalog', 'pg_constraint', cols(
    ['oid', C.oid], ['conname', C.name], ['connamespace', C.oid], ['contype', C.char], ['condeferrable', C.bool],
    ['condeferred', C.bool], ['convalidated', C.bool], ['conrelid', C.oid], ['contypid', C.oid], ['conindid', C.oid],
    ['conparentid', C.oid], ['confrelid', C.oid], ['confupdtype', C.char], ['confdeltype', C.char], ['confmatchtype', C.char],
    ['conislocal', C.bool], ['coninhcount', C.int4], ['connoinherit', C.bool], ['conkey', C.int2Array], ['confkey', C.int2Array],
    ['conpfeqop', C.oidArray], ['conppeqop', C.oidArray], ['conffeqop', C.oidArray], ['confdelsetcols', C.int2Array],
    ['conexclop', C.oidArray], ['conbin', C.nodeTree],
  ), (m) => constraintRows(m)),

  spec('pg_catalog', 'pg_collation', cols(
    ['oid', C.oid], ['collname', C.name], ['collnamespace', C.oid], ['collowner', C.oid], ['collprovider', C.char],
    ['collisdeterministic', C.bool], ['collencoding', C.int4], ['collcollate', C.text], ['collctype', C.text],
    ['colliculocale', C.text], ['collversion', C.text],
  ), () => [
    [COLLATION_DEFAULT, 'default', PG_CATALOG_OID, OWNER_OID, 'd', true, -1, null, null, null, null],
    [COLLATION_C, 'C', PG_CATALOG_OID, OWNER_OID, 'c', true, -1, 'C', 'C', null, null],
    [951, 'POSIX', PG_CATALOG_OID, OWNER_OID, 'c', true, -1, 'POSIX', 'POSIX', null, null],
  ]),

  empty('pg_catalog', 'pg_inherits', cols(['inhrelid', C.oid], ['inhparent', C.oid], ['inhseqno', C.int4], ['inhdetachpending', C.bool])),
  empty('pg_catalog', 'pg_enum', cols(['oid', C.oid], ['enumtypid', C.oid], ['enumsortorder', C.float4], ['enumlabel', C.name])),
  empty('pg_catalog', 'pg_range', cols(
    ['rngtypid', C.oid], ['rngsubtype', C.oid], ['rngmultitypid', C.oid], ['rngcollation', C.oid], ['rngsubopc', C.oid],
    ['rngcanonical', C.regproc], ['rngsubdiff', C.regproc],
  )),
  empty('pg_catalog', 'pg_extension', cols(
    ['oid', C.oid], ['extname', C.name], ['extowner', C.oid], ['extnamespace', C.oid], ['extrelocatable', C.bool],
    ['extversion', C.text], ['extconfig', C.oidArray], ['extcondition', C.textArray],
  )),
  spec('pg_catalog', 'pg_tablespace', cols(['oid', C.oid], ['spcname', C.name], ['spcowner', C.oid], ['spcacl', C.acl], ['spcoptions', C.textArray]),
    () => [[TABLESPACE_DEFAULT, 'pg_default', OWNER_OID, null, null], [TABLESPACE_GLOBAL, 'pg_global', OWNER_OID, null, null]]),
  empty('pg_catalog', 'pg_policy', cols(
    ['oid', C.oid], ['polname', C.name], ['polrelid', C.oid], ['polcmd', C.char], ['polpermissive', C.bool], ['polroles', C.oidArray],
    ['polqual', C.nodeTree], ['polwithcheck', C.nodeTree],
  )),
  empty('pg_catalog', 'pg_trigger', cols(
    ['oid', C.oid], ['tgrelid', C.oid], ['tgparentid', C.oid], ['tgname', C.name], ['tgfoid', C.oid], ['tgtype', C.int2],
    ['tgenabled', C.char], ['tgisinternal', C.bool], ['tgconstrrelid', C.oid], ['tgconstrindid', C.oid], ['tgconstraint', C.oid],
    ['tgdeferrable', C.bool], ['tginitdeferred', C.bool], ['tgnargs', C.int2], ['tgattr', C.int2Array], ['tgqual', C.nodeTree],
  )),
  empty('pg_catalog', 'pg_event_trigger', cols(['oid', C.oid], ['evtname', C.name], ['evtevent', C.name], ['evtowner', C.oid], ['evtfoid', C.oid], ['evtenabled', C.char], ['evttags', C.textArray])),
  empty('pg_catalog', 'pg_aggregate', cols(['aggfnoid', C.regproc], ['aggkind', C.char], ['aggnumdirectargs', C.int2], ['aggtransfn', C.regproc], ['aggfinalfn', C.regproc], ['aggtranstype', C.oid], ['agginitval', C.text])),
  spec('pg_catalog', 'pg_language', cols(['oid', C.oid], ['lanname', C.name], ['lanowner', C.oid], ['lanispl', C.bool], ['lanpltrusted', C.bool], ['lanplcallfoid', C.oid], ['laninline', C.oid], ['lanvalidator', C.oid], ['lanacl', C.acl]),
    () => [[12, 'internal', OWNER_OID, false, false, 0, 0, 0, null], [14, 'sql', OWNER_OID, false, true, 0, 0, 0, null]]),
  empty('pg_catalog', 'pg_statistic_ext', cols(['oid', C.oid], ['stxrelid', C.oid], ['stxname', C.name], ['stxnamespace', C.oid], ['stxowner', C.oid], ['stxstattarget', C.int4], ['stxkeys', C.int2Array], ['stxkind', C.charArray], ['stxexprs', C.nodeTree])),
  empty('pg_catalog', 'pg_publication', cols(['oid', C.oid], ['pubname', C.name], ['pubowner', C.oid], ['puballtables', C.bool], ['pubinsert', C.bool], ['pubupdate', C.bool], ['pubdelete', C.bool], ['pubtruncate', C.bool], ['pubviaroot', C.bool])),
  empty('pg_catalog', 'pg_publication_rel', cols(['oid', C.oid], ['prpubid', C.oid], ['prrelid', C.oid], ['prqual', C.nodeTree], ['prattrs', C.int2Array])),
  empty('pg_catalog', 'pg_publication_namespace', cols(['oid', C.oid], ['pnpubid', C.oid], ['pnnspid', C.oid])),
  empty('pg_catalog', 'pg_foreign_table', cols(['ftrelid', C.oid], ['ftserver', C.oid], ['ftoptions', C.textArray])),
  empty('pg_catalog', 'pg_sequence', cols(['seqrelid', C.oid], ['seqtypid', C.oid], ['seqstart', C.int8], ['seqincrement', C.int8], ['seqmax', C.int8], ['seqmin', C.int8], ['seqcache', C.int8], ['seqcycle', C.bool])),
  empty('pg_catalog', 'pg_locks', cols(['locktype', C.text], ['database', C.oid], ['relation', C.oid], ['pid', C.int4], ['mode', C.text], ['granted', C.bool], ['fastpath', C.bool])),
  empty('pg_catalog', 'pg_cursors', cols(['name', C.text], ['statement', C.text], ['is_holdable', C.bool], ['is_binary', C.bool], ['is_scrollable', C.bool], ['creation_time', C.timestamptz])),
  empty('pg_catalog', 'pg_prepared_statements', cols(['name', C.text], ['statement', C.text], ['prepare_time', C.timestamptz], ['parameter_types', C.textArray], ['from_sql', C.bool])),
  empty('pg_catalog', 'pg_stat_activity', cols(['datid', C.oid], ['datname', C.name], ['pid', C.int4], ['usesysid', C.oid], ['usename', C.name], ['application_name', C.text], ['client_addr', C.text], ['backend_start', C.timestamptz], ['state', C.text], ['query', C.text])),
  spec('pg_catalog', 'pg_stat_user_tables', cols(
    ['relid', C.oid], ['schemaname', C.name], ['relname', C.name], ['seq_scan', C.int8], ['seq_tup_read', C.int8], ['idx_scan', C.int8],
    ['idx_tup_fetch', C.int8], ['n_tup_ins', C.int8], ['n_tup_upd', C.int8], ['n_tup_del', C.int8], ['n_live_tup', C.int8],
    ['n_dead_tup', C.int8],
  ), (m) => m.objects.filter((o) => o.kind === 'table' && !o.system).map((o) => [o.oid, o.schema.name, o.name, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n])),
  empty('pg_catalog', 'pg_timezone_abbrevs', cols(['abbrev', C.text], ['utc_offset', C.interval], ['is_dst', C.bool])),
  spec('pg_catalog', 'pg_timezone_names', cols(['name', C.text], ['abbrev', C.text], ['utc_offset', C.interval], ['is_dst', C.bool]), () => []),
];

function ownerName(): string {
  return ROLES[0]!.name;
}

function rewriteOid(o: ObjectInfo): number {
  // Rules get oids derived from their view's; user oids are far below 2^31 / 2.
  return o.oid + 1_000_000_000;
}

/** pg_get_constraintdef(oid): `PRIMARY KEY (a, b)` / `UNIQUE (c)`. */
export function constraintDef(c: ReturnType<CatalogModel['constraints']>[number]): string {
  return `${c.primary ? 'PRIMARY KEY' : 'UNIQUE'} (${c.key.map((i) => quoteIdent(c.table.columns[i]?.name ?? '?')).join(', ')})`;
}

/** A view's defining query as pg_get_viewdef prints it: the text after AS, with a trailing semicolon. */
export function viewDefinition(o: ObjectInfo): string | null {
  const sql = o.item?.createSql;
  if (sql === undefined) return null;
  const m = /\bAS\b([\s\S]*)$/i.exec(sql.replace(/^[\s\S]*?\bVIEW\b/i, ''));
  if (m === null) return null;
  let body = m[1]!.trim().replace(/;\s*$/, '');
  if (body.startsWith('(') && body.endsWith(')')) body = body.slice(1, -1).trim();
  return ` ${body};`;
}

/** pg_get_indexdef(oid): `CREATE [UNIQUE] INDEX name ON schema.table USING btree (keys)`. */
export function indexDef(i: ReturnType<CatalogModel['indexes']>[number]): string {
  return `CREATE ${i.constraint === undefined ? '' : 'UNIQUE '}INDEX ${quoteIdent(i.object.name)} ON ${quoteIdent(i.on.schema.name)}.${quoteIdent(i.on.name)} USING btree (${i.keyTexts.join(', ')})`;
}

