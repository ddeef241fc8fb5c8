/**
 * Purification of CREATE SOURCE ... FROM POSTGRES: asks the upstream server for the publication's
 * tables, columns and types and checks the prerequisites (wal_level, replication, REPLICA IDENTITY
 * FULL, privileges), failing with Materialize's errors. The result is plain data the adapter stores
 * in its catalog and hands back to startPostgresSource, so planning stays pure.
 */
import type pg from 'pg';
import { type Column, type RelationDesc, type ScalarType, T, relationDesc } from '../../../repr/index.ts';
import { SqlError } from '../../../util/index.ts';
import { sourceTypeForOid } from './decode.ts';
import * as E from './errors.ts';
import { type PostgresConnectionConfig, connect } from './wire.ts';

export interface PurifiedColumn {
  readonly name: string;
  /** Upstream type OID and typmod (a relation message with different ones is a schema change). */
  readonly typeOid: number;
  readonly typmod: number;
  /** The Tributary type (text for TEXT COLUMNS). */
  readonly type: ScalarType;
  readonly nullable: boolean;
  /** Named in TEXT COLUMNS: ingested as its text form, whatever its upstream type. */
  readonly asText: boolean;
}

export interface PurifiedTable {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  /** The subsource's name (the table name, or its alias from FOR TABLES (t AS alias)). */
  readonly subsourceName: string;
  /** Ingested columns, in upstream order, without EXCLUDE COLUMNS. */
  readonly columns: readonly PurifiedColumn[];
  /** Primary key as indexes into `columns` (absent if none, or a key column is excluded). */
  readonly keys: readonly (readonly number[])[];
}

export interface PurifiedPostgresSource {
  readonly publication: string;
  readonly tables: readonly PurifiedTable[];
}

export type TableSelection =
  | { readonly kind: 'all' }
  | { readonly kind: 'schemas'; readonly schemas: readonly string[] }
  /** `name` is `table` or `schema.table`; `alias` names the subsource. */
  | { readonly kind: 'tables'; readonly tables: readonly { readonly name: string; readonly alias?: string | undefined }[] };

export interface PurifyPostgresOptions {
  readonly connection: PostgresConnectionConfig;
  readonly publication: string;
  readonly tables: TableSelection;
  /** Column references `table.col` or `schema.table.col`. */
  readonly textColumns?: readonly string[];
  readonly excludeColumns?: readonly string[];
}

/** The columns of a subsource's shard. */
export function subsourceDesc(table: PurifiedTable): RelationDesc {
  const cols: Column[] = table.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
  return relationDesc(cols, table.keys.length > 0 ? table.keys : undefined);
}

/** `<source>_progress`: the upstream LSN up to which the source has ingested (Materialize's column is uint8). */
export const PROGRESS_DESC: RelationDesc = relationDesc([{ name: 'lsn', type: T.int8, nullable: true }]);

/** CREATE CONNECTION ... TO POSTGRES validation: the server is reachable and accepts the credentials. */
export async function validatePostgresConnection(connection: PostgresConnectionConfig): Promise<void> {
  let client: pg.Client;
  try {
    client = await connect(connection);
  } catch (err) {
    throw E.connectFailed(err instanceof Error ? err.message : String(err));
  }
  await client.end().catch(() => undefined);
}

/** Asks upstream; throws a SqlError with Materialize's text when something is missing. */
export async function purifyPostgresSource(opts: PurifyPostgresOptions): Promise<PurifiedPostgresSource> {
  let client: pg.Client;
  try {
    client = await connect(opts.connection);
  } catch (err) {
    throw E.connectFailed(err instanceof Error ? err.message : String(err));
  }
  try {
    return await purifyWith(client, opts);
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface TableRow {
  oid: number;
  schema: string;
  name: string;
  replident: string;
  schemaUsage: boolean;
  tableSelect: boolean;
}

interface ColumnRow {
  relid: number;
  name: string;
  typid: number;
  typmod: number;
  notnull: boolean;
  attnum: number;
}

async function purifyWith(client: pg.Client, opts: PurifyPostgresOptions): Promise<PurifiedPostgresSource> {
  const settings = await client.query<{ wal_level: string; max_wal_senders: string; user: string; rolreplication: boolean; rolsuper: boolean }>(
    `SELECT current_setting('wal_level') AS wal_level, current_setting('max_wal_senders') AS max_wal_senders,
            current_user AS "user", r.rolreplication, r.rolsuper
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const s = settings.rows[0];
  if (s === undefined) throw E.connectFailed('could not read the current role');
  if (s.wal_level !== 'logical') throw E.walLevelTooLow(s.wal_level);
  if (Number(s.max_wal_senders) === 0) throw E.replicationDisabled();
  if (!s.rolreplication && !s.rolsuper) throw E.noReplicationPrivilege(s.user);

  const pub = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [opts.publication]);
  if (pub.rowCount === 0) throw E.publicationNotFound(opts.publication);

  const tablesRes = await client.query<TableRow>(
    `SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relreplident AS replident,
            has_schema_privilege(n.oid, 'USAGE') AS "schemaUsage",
            has_table_privilege(c.oid, 'SELECT') AS "tableSelect"
       FROM pg_publication_tables p
       JOIN pg_namespace n ON n.nspname = p.schemaname
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
      WHERE p.pubname = $1
      ORDER BY n.nspname, c.relname`,
    [opts.publication],
  );
  const published = tablesRes.rows.map((r) => ({ ...r, oid: Number(r.oid) }));
  const selected = selectTables(published, opts.tables);

  const noUsage = [...new Set(selected.filter((t) => !t.row.schemaUsage).map((t) => t.row.schema))];
  if (noUsage.length > 0) throw E.lacksPrivileges(s.user, 'USAGE', 'schemas', noUsage.sort());
  const noSelect = selected.filter((t) => !t.row.tableSelect).map((t) => qualified(t.row));
  if (noSelect.length > 0) throw E.lacksPrivileges(s.user, 'SELECT', 'tables', noSelect.sort());
  const notFull = selected.filter((t) => t.row.replident !== 'f').map((t) => t.row.name);
  if (notFull.length > 0) throw E.notReplicaIdentityFull(notFull);

  const oids = selected.map((t) => t.row.oid);
  const colsRes = await client.query<ColumnRow>(
    `SELECT a.attrelid::int8 AS relid, a.attname AS name, a.atttypid::int8 AS typid, a.atttypmod AS typmod,
            a.attnotnull AS notnull, a.attnum AS attnum
       FROM pg_attribute a
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  const pkRes = await client.query<{ relid: string; attnums: number[] }>(
    `SELECT i.indrelid::int8 AS relid, array_agg(k.attnum ORDER BY k.ord)::int4[] AS attnums
       FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      WHERE i.indrelid = ANY($1::oid[]) AND i.indisprimary
      GROUP BY i.indrelid`,
    [oids],
  );
  const pkByRel = new Map(pkRes.rows.map((r) => [Number(r.relid), r.attnums]));

  const textRefs = resolveColumnRefs(opts.textColumns ?? [], selected, colsRes.rows, 'TEXT COLUMNS');
  const excludeRefs = resolveColumnRefs(opts.excludeColumns ?? [], selected, colsRes.rows, 'EXCLUDE COLUMNS');

  const unsupported: string[] = [];
  const tables: PurifiedTable[] = [];
  const names = new Set<string>();
  for (const { row, alias } of selected) {
    const subsourceName = alias ?? row.name;
    if (names.has(subsourceName)) throw E.duplicateSubsource(subsourceName);
    names.add(subsourceName);
    const columns: PurifiedColumn[] = [];
    const attnumToIndex = new Map<number, number>();
    for (const c of colsRes.rows) {
      if (Number(c.relid) !== row.oid) continue;
      const ref = `${row.oid}.${c.name}`;
      if (excludeRefs.has(ref)) continue;
      const asText = textRefs.has(ref);
      const typid = Number(c.typid);
      const type = asText ? T.text : sourceTypeForOid(typid, c.typmod);
      if (type === undefined) {
        unsupported.push(`${qualified(row)}.${c.name}`);
        continue;
      }
      attnumToIndex.set(c.attnum, columns.length);
      columns.push({ name: c.name, typeOid: typid, typmod: c.typmod, type, nullable: !c.notnull, asText });
    }
    const pk = pkByRel.get(row.oid);
    const key = pk?.map((a) => attnumToIndex.get(a));
    const keys = key !== undefined && key.every((k) => k !== undefined) ? [key as number[]] : [];
    tables.push({ oid: row.oid, schema: row.schema, name: row.name, subsourceName, columns, keys });
  }
  if (unsupported.length > 0) throw E.unsupportedTypes(unsupported);
  return { publication: opts.publication, tables };
}

function qualified(t: { schema: string; name: string }): string {
  return `${t.schema}.${t.name}`;
}

function selectTables(published: readonly TableRow[], sel: TableSelection): { row: TableRow; alias?: string | undefined }[] {
  switch (sel.kind) {
    case 'all':
      return published.map((row) => ({ row }));
    case 'schemas':
      return published.filter((r) => sel.schemas.includes(r.schema)).map((row) => ({ row }));
    case 'tables':
      return sel.tables.map(({ name, alias }) => {
        const dot = name.indexOf('.');
        const matches = dot >= 0
          ? published.filter((r) => r.schema === name.slice(0, dot) && r.name === name.slice(dot + 1))
          : published.filter((r) => r.name === name);
        if (matches.length === 0) throw E.tableNotFound(name);
        if (matches.length > 1) throw E.ambiguousTable(name);
        return { row: matches[0]!, alias };
      });
  }
}

/** Resolves `t.c` / `s.t.c` references to `<oid>.<column>` keys. */
function resolveColumnRefs(
  refs: readonly string[], selected: readonly { row: TableRow }[], cols: readonly ColumnRow[], option: 'TEXT COLUMNS' | 'EXCLUDE COLUMNS',
): Set<string> {
  const out = new Set<string>();
  for (const ref of refs) {
    const parts = ref.split('.');
    if (parts.length < 2 || parts.length > 3) throw new SqlError('42601', `${option} requires qualified column names, got ${ref}`);
    const col = parts[parts.length - 1]!;
    const table = parts[parts.length - 2]!;
    const schema = parts.length === 3 ? parts[0] : undefined;
    const tables = selected.filter((t) => t.row.name === table && (schema === undefined || t.row.schema === schema));
    if (tables.length > 1) throw E.ambiguousTable(`${table}`);
    const t = tables[0];
    if (t === undefined || !cols.some((c) => Number(c.relid) === t.row.oid && c.name === col)) throw E.columnNotFound(ref, option);
    out.add(`${t.row.oid}.${col}`);
  }
  return out;
}
