/**
 * Materialize's SHOW <objects> and SHOW COLUMNS, planned as ordinary queries over the
 * mz_internal.mz_show_* relations (reference/materialize-surface.md §2 "SHOW commands"):
 * `SELECT <columns> FROM (<query>) q WHERE <LIKE | WHERE filter> ORDER BY <every column>`, so a SHOW
 * reads the catalog at a timestamp like any SELECT, and `WHERE` may use any SQL.
 */
import type { Node } from 'libpg-query';
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import { type MzStatement, type PgNode, parseStatements } from '../parser/index.ts';
import type { CatalogReader, PlanContext } from './catalog-api.ts';
import { defaultSchema, fullName, resolveExisting } from './ddl.ts';
import type { Plan } from './plan.ts';

type ShowStmt = Extract<MzStatement, { kind: 'show' | 'showColumns' }>;

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function ids(pc: PlanContext): Required<Pick<CatalogReader, 'schemaId' | 'databaseId' | 'clusterId'>> {
  const c = pc.catalog;
  if (c.schemaId === undefined || c.databaseId === undefined || c.clusterId === undefined) throw unsupported('SHOW without a system catalog');
  return { schemaId: c.schemaId.bind(c), databaseId: c.databaseId.bind(c), clusterId: c.clusterId.bind(c) };
}

/** The id of `FROM <schema>` (or of the session's current schema). */
function schemaIdOf(from: readonly string[] | undefined, pc: PlanContext): string {
  const database = from !== undefined && from.length > 1 ? from[0]! : pc.database;
  const schema = from === undefined ? defaultSchema(pc) : from[from.length - 1]!;
  if (from !== undefined && from.length > 2) throw new SqlError(SqlState.syntaxError, `improper schema name (too many dotted names): ${from.join('.')}`);
  if (!pc.catalog.databaseExists(database)) throw new SqlError('3D000', `unknown database '${database}'`);
  const id = pc.catalog.schemaExists(database, schema) ? ids(pc).schemaId(database, schema) : undefined;
  if (id === undefined) throw new SqlError(SqlState.invalidSchemaName, `unknown schema '${from?.join('.') ?? schema}'`);
  return id;
}

function clusterIdOf(name: string, pc: PlanContext): string {
  const id = ids(pc).clusterId(name);
  if (id === undefined) throw new SqlError(SqlState.undefinedObject, `unknown cluster '${name}'`);
  return id;
}

const and = (conds: readonly string[]): string => (conds.length === 0 ? 'true' : conds.join(' AND '));

/** The query (over mz_show_* relations), its output columns and ORDER BY columns for one SHOW. */
function showQuery(s: ShowStmt, pc: PlanContext): { query: string; columns: readonly string[]; order?: string } {
  if (s.kind === 'showColumns') {
    const item = resolveExisting(s.from, pc);
    if (item.desc === undefined || item.kind === 'index') {
      throw new SqlError(SqlState.wrongObjectType, `${fullName(item.name)} is a ${item.kind.replace('-', ' ')} and so does not have columns`);
    }
    return {
      query: `SELECT name, nullable, type, position, comment FROM mz_internal.mz_show_columns WHERE id = ${lit(item.id)}`,
      columns: ['name', 'nullable', 'type', 'comment'], order: 'position',
    };
  }
  const inCluster = s.inCluster === undefined ? [] : [`cluster_id = ${lit(clusterIdOf(s.inCluster, pc))}`];
  const inSchema = (): string => `schema_id = ${lit(schemaIdOf(s.from, pc))}`;
  switch (s.what) {
    case 'databases': return { query: 'SELECT name, comment FROM mz_internal.mz_show_databases', columns: ['name', 'comment'] };
    case 'schemas': {
      const database = s.from?.[0] ?? pc.database;
      const id = ids(pc).databaseId(database);
      if (id === undefined) throw new SqlError('3D000', `unknown database '${database}'`);
      return { query: `SELECT name, comment FROM mz_internal.mz_show_schemas WHERE database_id IS NULL OR database_id = ${lit(id)}`, columns: ['name', 'comment'] };
    }
    case 'tables': return { query: `SELECT name, comment FROM mz_internal.mz_show_tables WHERE ${inSchema()}`, columns: ['name', 'comment'] };
    case 'views': return { query: `SELECT name, comment FROM mz_internal.mz_show_views WHERE ${inSchema()}`, columns: ['name', 'comment'] };
    case 'materialized views':
      return { query: `SELECT name, cluster, comment FROM mz_internal.mz_show_materialized_views WHERE ${and([inSchema(), ...inCluster])}`, columns: ['name', 'cluster', 'comment'] };
    case 'sources':
      return { query: `SELECT name, type, cluster, comment FROM mz_internal.mz_show_sources WHERE ${and([inSchema(), ...inCluster])}`, columns: ['name', 'type', 'cluster', 'comment'] };
    case 'sinks':
      return { query: `SELECT name, type, cluster, comment FROM mz_internal.mz_show_sinks WHERE ${and([inSchema(), ...inCluster])}`, columns: ['name', 'type', 'cluster', 'comment'] };
    case 'objects': return { query: `SELECT name, type, comment FROM mz_internal.mz_show_all_objects WHERE ${inSchema()}`, columns: ['name', 'type', 'comment'] };
    case 'connections': return { query: `SELECT name, type, comment FROM mz_internal.mz_show_connections WHERE ${inSchema()}`, columns: ['name', 'type', 'comment'] };
    case 'secrets': return { query: `SELECT name, comment FROM mz_internal.mz_show_secrets WHERE ${inSchema()}`, columns: ['name', 'comment'] };
    case 'types': return { query: `SELECT name, comment FROM mz_internal.mz_show_types WHERE ${inSchema()}`, columns: ['name', 'comment'] };
    case 'clusters': return { query: 'SELECT name, replicas, comment FROM mz_internal.mz_show_clusters', columns: ['name', 'replicas', 'comment'] };
    case 'cluster replicas':
      return { query: 'SELECT cluster, replica, size, ready, comment FROM mz_internal.mz_show_cluster_replicas', columns: ['cluster', 'replica', 'size', 'ready', 'comment'] };
    case 'indexes': {
      const conds: string[] = [];
      if (s.on === undefined && s.from === undefined && s.inCluster === undefined) conds.push("on_id NOT LIKE 's%'", inSchema());
      if (s.on !== undefined) {
        const on = resolveExisting(s.on, pc);
        if (!['table', 'view', 'materialized-view', 'source'].includes(on.kind)) {
          throw new SqlError(SqlState.wrongObjectType, `cannot show indexes on ${fullName(on.name)} because it is a ${on.kind.replace('-', ' ')}`);
        }
        conds.push(`on_id = ${lit(on.id)}`);
      }
      if (s.from !== undefined) conds.push(inSchema());
      conds.push(...inCluster);
      return { query: `SELECT name, "on", cluster, key, comment FROM mz_internal.mz_show_indexes WHERE ${and(conds)}`, columns: ['name', 'on', 'cluster', 'key', 'comment'] };
    }
    case 'subsources': {
      const conds: string[] = [];
      if (s.on === undefined && s.from === undefined) conds.push("subsources.id NOT LIKE 's%'", `subsources.schema_id = ${lit(schemaIdOf(undefined, pc))}`);
      if (s.on !== undefined) {
        const on = resolveExisting(s.on, pc);
        if (on.kind !== 'source') throw new SqlError(SqlState.wrongObjectType, `cannot show subsources on ${fullName(on.name)} because it is a ${on.kind.replace('-', ' ')}`);
        conds.push(`sources.id = ${lit(on.id)}`);
      }
      if (s.from !== undefined) conds.push(`subsources.schema_id = ${lit(schemaIdOf(s.from, pc))}`);
      return {
        query: `SELECT DISTINCT subsources.name AS name, subsources.type AS type
          FROM mz_catalog.mz_sources AS subsources
          JOIN mz_internal.mz_object_dependencies AS deps ON subsources.id = deps.object_id OR subsources.id = deps.referenced_object_id
          JOIN mz_catalog.mz_sources AS sources ON sources.id = deps.object_id OR sources.id = deps.referenced_object_id
          WHERE (subsources.type = 'subsource' OR subsources.type = 'progress') AND ${and(conds)}`,
        columns: ['name', 'type'],
      };
    }
  }
}

/**
 * Plans a SHOW as a SELECT; `planQuery` plans the resulting SelectStmt node (statement.ts owns that).
 * Column names are quoted so `on` and `type` need no special care.
 */
export function planShow(s: ShowStmt, pc: PlanContext, planQuery: (node: Node) => Plan): Plan {
  const { query, columns, order } = showQuery(s, pc);
  const quoted = columns.map((c) => `"${c}"`);
  const orderBy = order !== undefined ? `"${order}"` : quoted.join(', ');
  const filter = s.filter !== undefined && 'like' in s.filter ? `name LIKE ${lit(s.filter.like)}` : 'true';
  const sql = `SELECT ${quoted.join(', ')} FROM (${query}) q WHERE ${filter} ORDER BY ${orderBy}`;
  const parsed = parseStatements(sql)[0]?.ast;
  if (parsed === undefined || parsed.kind !== 'pg' || !('SelectStmt' in parsed.node)) throw new SqlError(SqlState.internalError, 'internal error: SHOW query did not parse');
  const node = parsed.node as { SelectStmt: { whereClause?: PgNode } };
  if (s.filter !== undefined && 'where' in s.filter) node.SelectStmt.whereClause = s.filter.where;
  return planQuery(parsed.node);
}
