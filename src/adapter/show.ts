/**
 * SHOW TABLES / VIEWS / MATERIALIZED VIEWS / INDEXES / COLUMNS / CREATE ...: rows computed from the
 * catalog with Materialize's columns, sorted by all columns (Materialize's SHOW ordering).
 * (Issue 8 moves these onto the mz_internal.mz_show_* relations.)
 */
import { type Row, PgArray, compareRows, typeName } from '../repr/index.ts';
import type { Plan } from '../sql/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import { type CatalogItem, formatName } from './catalog.ts';
import type { Coordinator } from './coordinator.ts';
import { rowsResult } from './rows.ts';
import type { SessionImpl } from './session.ts';
import type { ExecuteResult } from './session-api.ts';

function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) re += ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`, 's');
}

function keyText(coord: Coordinator, item: CatalogItem): PgArray {
  const on = coord.catalog.getItem(item.indexOn!);
  const names = (item.indexKeys ?? []).map((k) => (k.kind === 'column' ? on?.desc?.columns[k.index]?.name ?? `#${k.index}` : '<expr>'));
  return new PgArray(names);
}

/** Materialize's SHOW SOURCES type: postgres, load-generator, subsource or progress. */
function sourceType(item: CatalogItem): string {
  switch (item.extra?.kind) {
    case 'postgres-source': return 'postgres';
    case 'load-generator': return 'load-generator';
    case 'subsource': return item.extra.type;
    default: return 'source';
  }
}

export function showObjects(coord: Coordinator, session: SessionImpl, plan: Extract<Plan, { kind: 'showObjects' }>): ExecuteResult {
  const database = plan.schema?.database ?? session.vars.get('database');
  const schema = plan.schema?.schema ?? session.vars.searchPath().find((s) => coord.catalog.schemaExists(database, s)) ?? 'public';
  const inSchema = coord.catalog.itemsInSchema(database, schema);
  const like = plan.like === undefined ? undefined : likeToRegExp(plan.like);
  let rows: Row[];
  switch (plan.what) {
    case 'tables': rows = inSchema.filter((i) => i.kind === 'table').map((i) => [i.name.item, '']); break;
    case 'views': rows = inSchema.filter((i) => i.kind === 'view').map((i) => [i.name.item, '']); break;
    case 'materialized views': rows = inSchema.filter((i) => i.kind === 'materialized-view').map((i) => [i.name.item, 'quickstart', '']); break;
    case 'sources': rows = inSchema.filter((i) => i.kind === 'source').map((i) => [i.name.item, sourceType(i), i.extra?.kind === 'subsource' ? null : 'quickstart', '']); break;
    case 'sinks': rows = inSchema.filter((i) => i.kind === 'sink').map((i) => [i.name.item, 'sink', 'quickstart', '']); break;
    case 'secrets': rows = inSchema.filter((i) => i.kind === 'secret').map((i) => [i.name.item, '']); break;
    case 'connections': rows = inSchema.filter((i) => i.kind === 'connection').map((i) => [i.name.item, 'connection', '']); break;
    case 'objects': rows = inSchema.map((i) => [i.name.item, i.kind, '']); break;
    case 'indexes': {
      const items = plan.on !== undefined ? coord.catalog.indexesOn(plan.on) : inSchema.filter((i) => i.kind === 'index');
      rows = items.map((i) => [i.name.item, coord.catalog.getItem(i.indexOn!)?.name.item ?? null, 'quickstart', keyText(coord, i), '']);
      break;
    }
    case 'schemas': {
      const names = [...coord.catalog.schemas.values()].filter((s) => s.database === database).map((s) => s.name);
      rows = [...names, 'mz_catalog', 'mz_internal', 'pg_catalog', 'information_schema'].map((n) => [n, '']);
      break;
    }
    case 'databases': rows = [...coord.catalog.databases.keys()].map((n) => [n, '']); break;
    case 'clusters': rows = [['quickstart', 'r1 (25cc)', '']]; break;
    default: throw new SqlError(SqlState.featureNotSupported, `SHOW ${String(plan.what).toUpperCase()} not yet supported`);
  }
  if (like) rows = rows.filter((r) => like.test(r[0] as string));
  rows.sort(compareRows);
  return rowsResult(plan.columns, rows, () => `SELECT ${rows.length}`);
}

export function showColumns(coord: Coordinator, plan: Extract<Plan, { kind: 'showColumns' }>): ExecuteResult {
  const item = coord.catalog.getItem(plan.id);
  if (item?.desc === undefined) throw new SqlError(SqlState.wrongObjectType, `${item ? formatName(item.name) : plan.id} has no columns`);
  const rows: Row[] = item.desc.columns.map((c) => [c.name, c.nullable, typeName(c.type), '']);
  return rowsResult(plan.columns, rows);
}

export function showCreate(coord: Coordinator, plan: Extract<Plan, { kind: 'showCreate' }>): ExecuteResult {
  const item = coord.catalog.getItem(plan.id);
  if (item === undefined) throw new SqlError(SqlState.undefinedObject, `unknown catalog item '${plan.id}'`);
  return rowsResult(plan.columns, [[formatName(item.name), item.createSql]]);
}
