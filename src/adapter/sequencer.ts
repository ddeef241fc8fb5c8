/**
 * The sequencer: carries out each Plan against the coordinator — DDL (durable catalog change plus
 * storage/compute effects), reads at a chosen timestamp, table writes, transaction control and
 * session variables. One function per plan kind, dispatched exhaustively.
 */
import { applyFinishing } from '../compute/index.ts';
import { type GlobalId, type MirRelationExpr, type MirScalarExpr, type RowSetFinishing, arity, evalScalar, dependsOn } from '../expr/index.ts';
import { type Column, type Diff, type Frontier, type Row, type Timestamp, T, parseText, ts } from '../repr/index.ts';
import type { Plan } from '../sql/index.ts';
import { SqlError, SqlState, assertNever } from '../util/index.ts';
import { type CatalogItem, durableItem, formatName, itemKindLabel } from './catalog.ts';
import type { Coordinator } from './coordinator.ts';
import { column, commandResult, rowsResult } from './rows.ts';
import type { SessionImpl } from './session.ts';
import type { ExecuteResult } from './session-api.ts';
import { showCreate } from './show.ts';
import type { TimestampDecision } from './timestamp-selection.ts';
import { checkQueryCluster, clusterForNewObject, sequenceCluster } from './clusters.ts';
import { SubscribeStream, isTimeless } from './subscribe.ts';
import { sequenceAlterRetainHistory } from './retain-history.ts';
import { applyComment, applyRename } from './alter.ts';
import { checkUnique, hasUniqueKeys } from './constraints.ts';
import { dropTempItems, isTempName, ownedBy } from './temp.ts';
import {
  type TxnState, blockCopyRows, blockLocalRead, blockCreateTableAs, blockHasRun, blockSubscribe, blockDdl, blockInsert, blockReadThenWrite, blockReadTimestamp, blockTruncate, commitTxn, newTxnState, preallocatedIds, releaseTxn,
} from './transaction.ts';

export interface SequenceEnv {
  readonly coord: Coordinator;
  readonly session: SessionImpl;
  readonly signal: AbortSignal;
}

const DDL_KINDS = new Set<Plan['kind']>(['createSchema', 'createDatabase', 'createTable', 'createView', 'createMaterializedView', 'createIndex', 'dropObjects', 'dropSchema', 'dropDatabase', 'alterRename', 'comment', 'createCluster', 'createClusterReplica', 'dropClusters', 'dropClusterReplicas', 'alterCluster', 'alterClusterReplica']);

/** DDL that a transaction block can buffer and apply atomically at COMMIT (transaction.ts). */
const BLOCK_DDL_KINDS = new Set<Plan['kind']>(['createSchema', 'createDatabase', 'createTable', 'createView', 'createMaterializedView', 'createIndex', 'dropObjects', 'dropSchema', 'dropDatabase', 'alterRename', 'comment']);

export function isDdl(plan: Plan): boolean {
  return DDL_KINDS.has(plan.kind);
}

/** Finishing that returns every column, unsorted beyond the canonical order. */
function allColumns(plan: MirRelationExpr): RowSetFinishing {
  return { order: [], offset: 0, project: Array.from({ length: arity(plan) }, (_, i) => i) };
}

export async function sequence(env: SequenceEnv, plan: Plan, opts: { atCommit?: boolean } = {}): Promise<ExecuteResult> {
  const { session } = env;
  if (isDdl(plan) && !opts.atCommit && session.inTransactionBlock()) {
    // DDL in a block is checked now and applied at COMMIT, atomically (transaction.ts).
    if (!BLOCK_DDL_KINDS.has(plan.kind)) throw new SqlError(SqlState.activeSqlTransaction, `${ddlTag(plan)} cannot be run inside a transaction block`);
    return blockDdl(env, session.txn!.ops, plan);
  }
  switch (plan.kind) {
    case 'createSchema': case 'createDatabase': case 'createTable': case 'createView': case 'createMaterializedView': case 'createIndex':
    case 'dropObjects': case 'dropSchema': case 'dropDatabase': case 'alterRename': case 'comment':
      return env.coord.withWriteLock(async () => {
        const result = await sequenceDdl(env, plan);
        await env.coord.afterCatalogChange();
        return result;
      });
    case 'noop':
      if (plan.notice) session.notice(plan.notice);
      return commandResult(plan.tag);
    case 'insert': return sequenceInsert(env, plan);
    case 'createTableAs': return session.inTransactionBlock() ? blockCreateTableAs(env, session.txn!.ops, plan) : asOneStatementBlock(env, (state) => blockCreateTableAs(env, state, plan));
    case 'truncate': return session.inTransactionBlock() ? blockTruncate(env, session.txn!.ops, plan) : asOneStatementBlock(env, (state) => blockTruncate(env, state, plan));
    case 'readThenWrite': return sequenceReadThenWrite(env, plan);
    case 'select': return sequenceSelect(env, plan);
    case 'setVariable': {
      if (plan.local && session.txn?.kind !== 'explicit') session.notice('SET LOCAL can only be used in transaction blocks', 'WARNING', '25P01');
      if (plan.local && plan.name === 'transaction_isolation' && session.txn?.kind === 'explicit' && blockHasRun(session.txn.ops)) {
        throw new SqlError(SqlState.activeSqlTransaction, 'SET TRANSACTION ISOLATION LEVEL must be called before any query');
      }
      const name = session.vars.canonicalName(plan.name);
      if (name === 'cluster' && session.txn?.kind === 'explicit' && blockHasRun(session.txn.ops)) {
        throw new SqlError(SqlState.activeSqlTransaction, 'SET cluster cannot be called in an active transaction');
      }
      if (name === 'transaction_read_only' && plan.local) {
        // SET TRANSACTION READ ONLY | READ WRITE: a property of the block, not a session variable.
        const txn = session.txn;
        if (txn?.kind !== 'explicit') return commandResult('SET');
        if (plan.value === 'off' && txn.ops.readOnly && blockHasRun(txn.ops)) {
          throw new SqlError(SqlState.activeSqlTransaction, 'transaction read-write mode must be set before any query');
        }
        txn.ops.readOnly = plan.value === 'on';
        return commandResult('SET');
      }
      if (name === 'transaction_isolation' && plan.local && session.txn?.kind === 'explicit') {
        setBlockIsolation(session, plan.value);
        return commandResult('SET');
      }
      session.parameterChanged(session.vars.set(plan.name, plan.value));
      if (name === 'transaction_isolation' && isolationBeforeBlock.has(session)) isolationBeforeBlock.set(session, session.vars.get(name));
      return commandResult('SET');
    }
    case 'resetVariable': {
      if (plan.name === 'all') for (const c of session.vars.resetAll()) session.parameterChanged(c);
      else session.parameterChanged(session.vars.reset(plan.name));
      return commandResult('RESET');
    }
    case 'showVariable': {
      if (plan.name === 'all') {
        return rowsResult([column('name', T.text), column('setting', T.text), column('description', T.text)], session.vars.all(), () => 'SHOW');
      }
      const name = session.vars.canonicalName(plan.name);
      return rowsResult([column(name.toLowerCase(), T.text)], [[session.vars.get(plan.name)]], () => 'SHOW');
    }
    case 'startTransaction': {
      if (session.txn?.kind === 'explicit') {
        session.notice('there is already a transaction in progress', 'WARNING', '25001');
      } else if (session.txn?.kind === 'implicit') {
        session.txn.kind = 'explicit';
      } else {
        session.txn = { kind: 'explicit', statementCount: 1, failed: false, ops: newTxnState() };
      }
      if (plan.isolation) setBlockIsolation(session, plan.isolation);
      if (plan.readOnly !== undefined) session.txn!.ops.readOnly = plan.readOnly;
      return commandResult('BEGIN');
    }
    case 'commit': {
      const txn = session.txn;
      if (txn === undefined || txn.kind !== 'explicit') {
        session.notice('there is no transaction in progress', 'WARNING', '25P01');
        return commandResult('COMMIT');
      }
      session.txn = txn.statementCount > 1 ? { kind: 'implicit', statementCount: txn.statementCount, failed: false, ops: newTxnState() } : undefined;
      restoreIsolation(session);
      if (txn.failed) {
        session.releaseOps(txn.ops);
        return commandResult('ROLLBACK');
      }
      await session.commitOps(txn.ops);
      return commandResult('COMMIT');
    }
    case 'rollback': {
      const txn = session.txn;
      if (txn === undefined || txn.kind !== 'explicit') {
        session.notice('there is no transaction in progress', 'WARNING', '25P01');
        return commandResult('ROLLBACK');
      }
      session.txn = txn.statementCount > 1 ? { kind: 'implicit', statementCount: txn.statementCount, failed: false, ops: newTxnState() } : undefined;
      restoreIsolation(session);
      session.releaseOps(txn.ops);
      return commandResult('ROLLBACK');
    }
    case 'showCreate': return showCreate(env.coord, plan);
    case 'createCluster': case 'createClusterReplica': case 'dropClusters': case 'dropClusterReplicas': case 'alterCluster': case 'alterClusterReplica':
      return env.coord.withWriteLock(async () => {
        const result = await sequenceCluster(env, plan, (ids) => dropItems(env, ids, true));
        await env.coord.afterCatalogChange();
        return result;
      });
    case 'constantRows': return rowsResult(plan.desc.columns, plan.rows, () => plan.tag);
    case 'explainTimestamp': {
      const decision = env.coord.selectTimestamp(plan.plan, session.vars.isolation(), plan.asOf);
      if ('error' in decision) throw decision.error;
      return rowsResult([column('Timestamp', T.text)], [[explainTimestampText(decision, env.coord.oracle.readTs(), dependsOn(plan.plan).size > 0)]]);
    }
    case 'emptyCommand':
      // DISCARD TEMP / DISCARD ALL drop the session's temporary items (temp.ts).
      if (plan.tag === 'DISCARD ALL' && session.txn?.kind === 'explicit') throw new SqlError(SqlState.activeSqlTransaction, 'DISCARD ALL cannot run inside a transaction block');
      if (plan.tag === 'DISCARD TEMP' || plan.tag === 'DISCARD ALL') await dropTempItems(env.coord, session);
      return commandResult(plan.tag);
    case 'subscribe': {
      const stream = await startSubscribe(env, plan);
      return { kind: 'rows', columns: plan.desc.columns, rows: stream, tag: () => 'SUBSCRIBE' };
    }
    case 'declareCursor': return declareCursor(env, plan);
    case 'fetch': return fetchCursor(env, plan);
    case 'closeCursor': {
      if (plan.name === 'all') session.cursors.clear();
      else if (!session.cursors.delete(plan.name)) throw new SqlError(SqlState.invalidCursorName, `cursor "${plan.name}" does not exist`);
      return commandResult(plan.name === 'all' ? 'CLOSE CURSOR ALL' : 'CLOSE CURSOR');
    }
    case 'copyTo': {
      if (plan.plan.kind === 'subscribe') {
        const stream = await startSubscribe(env, plan.plan);
        return { kind: 'copyOut', columns: plan.plan.desc.columns, rows: stream, tag: (n) => `COPY ${n}` };
      }
      if (plan.plan.kind !== 'select') throw new SqlError(SqlState.featureNotSupported, `COPY (${plan.plan.kind.toUpperCase()}) TO STDOUT not yet supported`);
      const result = await sequenceSelect(env, plan.plan);
      if (result.kind !== 'rows') throw new SqlError(SqlState.internalError, 'internal error: SELECT returned no rows');
      return { kind: 'copyOut', columns: result.columns, rows: result.rows, tag: (n) => `COPY ${n}` };
    }
    case 'copyFrom': return copyFrom(env, plan);
    case 'alterRetainHistory': return sequenceAlterRetainHistory(env.coord, session, plan);
    default: return assertNever(plan, 'plan');
  }
}

export function ddlTag(plan: Plan): string {
  switch (plan.kind) {
    case 'createSchema': return 'CREATE SCHEMA';
    case 'createDatabase': return 'CREATE DATABASE';
    case 'createTable': return 'CREATE TABLE';
    case 'createView': return 'CREATE VIEW';
    case 'createMaterializedView': return 'CREATE MATERIALIZED VIEW';
    case 'createIndex': return 'CREATE INDEX';
    case 'dropObjects': return `DROP ${plan.objectType === 'materialized-view' ? 'MATERIALIZED VIEW' : plan.objectType.toUpperCase()}`;
    case 'dropSchema': return 'DROP SCHEMA';
    case 'dropDatabase': return 'DROP DATABASE';
    case 'alterRename': return plan.tag;
    case 'comment': return 'COMMENT';
    case 'createCluster': return 'CREATE CLUSTER';
    case 'createClusterReplica': return 'CREATE CLUSTER REPLICA';
    case 'dropClusters': return 'DROP CLUSTER';
    case 'dropClusterReplicas': return 'DROP CLUSTER REPLICA';
    case 'alterCluster': return 'ALTER CLUSTER';
    case 'alterClusterReplica': return 'ALTER CLUSTER REPLICA';
    default: return plan.kind.toUpperCase();
  }
}

// --- DDL ----------------------------------------------------------------------------------------

export async function sequenceDdl(env: SequenceEnv, plan: Plan): Promise<ExecuteResult> {
  const { coord, session } = env;
  const catalog = coord.catalog;
  switch (plan.kind) {
    case 'createDatabase': {
      if (catalog.databaseExists(plan.name)) {
        if (plan.ifNotExists) { session.notice(`database "${plan.name}" already exists, skipping`); return commandResult('CREATE DATABASE'); }
        throw new SqlError(SqlState.duplicateObject, `database '${plan.name}' already exists`);
      }
      const db = { type: 'database' as const, id: namespaceId(catalog), oid: catalog.allocateOid(), name: plan.name };
      const schema = { type: 'schema' as const, id: namespaceId(catalog), oid: catalog.allocateOid(), database: plan.name, name: 'public' };
      await coord.persistCatalog([db, schema], []);
      catalog.addDatabase(db);
      catalog.addSchema(schema);
      return commandResult('CREATE DATABASE');
    }
    case 'createSchema': {
      if (catalog.schemaExists(plan.database, plan.schema)) {
        if (plan.ifNotExists) { session.notice(`schema "${plan.schema}" already exists, skipping`); return commandResult('CREATE SCHEMA'); }
        throw new SqlError(SqlState.duplicateSchema, `schema '${plan.schema}' already exists`);
      }
      if (!catalog.databaseExists(plan.database)) throw new SqlError(SqlState.undefinedObject, `unknown database '${plan.database}'`);
      const schema = { type: 'schema' as const, id: namespaceId(catalog), oid: catalog.allocateOid(), database: plan.database, name: plan.schema };
      await coord.persistCatalog([schema], []);
      catalog.addSchema(schema);
      return commandResult('CREATE SCHEMA');
    }
    case 'createTable': case 'createView': case 'createMaterializedView': case 'createIndex': {
      const tag = ddlTag(plan);
      if (!isTempName(plan.name) && !catalog.schemaExists(plan.name.database, plan.name.schema)) throw new SqlError(SqlState.undefinedSchema, `unknown schema '${plan.name.schema}'`);
      // Materialized views and indexes run on a cluster: IN CLUSTER, else the session's.
      const clusterId = plan.kind === 'createMaterializedView' || plan.kind === 'createIndex' ? clusterForNewObject(coord, session.vars.get('cluster'), plan.inCluster) : undefined;
      const existing = catalog.nameTaken(plan.name, session.connectionId);
      if (existing !== undefined) {
        const replace = (plan.kind === 'createView' || plan.kind === 'createMaterializedView') && plan.replace;
        if (!replace) {
          if (plan.ifNotExists) {
            session.notice(`${itemKindLabel(existing.kind)} "${formatName(plan.name)}" already exists, skipping`);
            return commandResult(tag);
          }
          throw new SqlError(SqlState.duplicateTable, `${itemKindLabel(existing.kind)} "${formatName(plan.name)}" already exists`);
        }
        if (existing.kind !== (plan.kind === 'createView' ? 'view' : 'materialized-view')) {
          throw new SqlError(SqlState.wrongObjectType, `${formatName(plan.name)} is not a ${plan.kind === 'createView' ? 'view' : 'materialized view'}`);
        }
        if (plan.dependsOn.includes(existing.id)) {
          throw new SqlError(SqlState.invalidParameterValue, `cannot replace view ${formatName(plan.name)}: depended upon by new ${formatName(plan.name)} definition`);
        }
        await dropItems(env, [existing.id], false);
      }
      // A block allocated the id when the statement ran (later statements planned against it).
      const { id, oid } = preallocatedIds.get(plan) ?? catalog.allocateId(isTempName(plan.name));
      // Names in create_sql resolve in the session's database and search path; a restart must do the same.
      // Temporary items belong to the session (temp.ts): never durable, dropped when it ends.
      const planned = ownedBy({ ...coord.itemFromPlan(plan, id, oid), resolvedIn: { database: session.vars.get('database'), searchPath: session.vars.searchPath() } }, session.connectionId);
      const item = clusterId === undefined ? planned : { ...planned, clusterId };
      await coord.persistCatalog([durableItem(item)], []);
      catalog.addItem(item);
      if (item.kind === 'table') {
        await coord.tables.openTable(item.id, item.shardId!);
        await coord.tables.allowCompaction(item.id, coord.oracle.readTs());
        await coord.advanceStored((coord.oracle.readTs() + 1) as Timestamp);
      } else if (item.kind === 'materialized-view' || item.kind === 'index') {
        const shard = item.kind === 'materialized-view' ? await coord.openStoredShard(item.id, item.shardId!) : undefined;
        const at = await coord.dataflowAsOf(item, env.signal);
        // A new view has no history before it existed: reads before `at` are invalid, not empty.
        await shard?.downgradeSince(at);
        await coord.advanceStored((at + 1) as Timestamp);
        coord.compute.send({ kind: 'CreateDataflow', dataflow: coord.dataflowFor(item, at) });
      }
      return commandResult(tag);
    }
    case 'dropObjects': {
      const dropped = await dropItems(env, plan.ids, plan.cascade);
      void dropped;
      return commandResult(ddlTag(plan));
    }
    case 'dropSchema': {
      for (const name of plan.schemas) {
        const key = `${plan.database}.${name}`;
        const schema = catalog.schemas.get(key);
        if (schema === undefined) throw new SqlError(SqlState.undefinedSchema, `unknown schema '${name}'`);
        const items = catalog.itemsInSchema(plan.database, name);
        if (items.length > 0 && !plan.cascade) {
          throw new SqlError(SqlState.dependentObjectsStillExist, `schema '${plan.database}.${name}' cannot be dropped without CASCADE while it contains objects`);
        }
        await dropItems(env, items.map((i) => i.id), true);
        await coord.persistCatalog([], [{ type: 'schema', ...schema }]);
        catalog.removeSchema(plan.database, name);
      }
      return commandResult('DROP SCHEMA');
    }
    case 'alterRename': await applyRename(coord, plan); return commandResult(plan.tag);
    case 'comment': await applyComment(coord, plan); return commandResult('COMMENT');
    case 'dropDatabase': {
      for (const name of plan.names) {
        const db = catalog.databases.get(name);
        if (db === undefined) throw new SqlError(SqlState.undefinedObject, `unknown database '${name}'`);
        const schemas = [...catalog.schemas.values()].filter((s) => s.database === name);
        const items = catalog.items().filter((i) => i.name.database === name);
        if (items.length > 0 && !plan.cascade) {
          throw new SqlError(SqlState.dependentObjectsStillExist, `database '${name}' cannot be dropped without CASCADE while it contains objects`);
        }
        await dropItems(env, items.map((i) => i.id), true);
        await coord.persistCatalog([], [{ type: 'database', ...db }, ...schemas.map((s) => ({ type: 'schema' as const, ...s }))]);
        for (const s of schemas) catalog.removeSchema(name, s.name);
        catalog.removeDatabase(name);
      }
      return commandResult('DROP DATABASE');
    }
    default:
      throw new SqlError(SqlState.internalError, `internal error: ${plan.kind} is not DDL`);
  }
}

/**
 * A fresh id for a database or schema. They share the item counter, but the bootstrap database and
 * schema took `u1`/`u3` without advancing it, so skip ids a database or schema already has (a
 * duplicate would overwrite that entry in the durable catalog).
 */
function namespaceId(catalog: Coordinator['catalog']): string {
  const used = new Set([...catalog.databases.values(), ...catalog.schemas.values()].map((x) => x.id));
  let id = `u${catalog.nextId++}`;
  while (used.has(id)) id = `u${catalog.nextId++}`;
  return id;
}

/** Drops items (and, with cascade, everything depending on them); without cascade, dependents are an error. */
export async function dropItems(env: SequenceEnv, ids: readonly GlobalId[], cascade: boolean): Promise<CatalogItem[]> {
  const { coord } = env;
  const catalog = coord.catalog;
  const all = catalog.transitiveDependents(ids);
  const requested = new Set(ids);
  if (!cascade) {
    for (const id of all) {
      if (requested.has(id)) continue;
      const dependent = catalog.getItem(id)!;
      if (dependent.kind === 'index') continue; // indexes go with what they index, as in PostgreSQL and Materialize
      if (dependent.extra?.kind === 'subsource' && requested.has(dependent.extra.source)) continue; // subsources go with their source
      const on = ids.map((i) => catalog.getItem(i)!).find((i) => catalog.transitiveDependents([i.id]).includes(id))!;
      throw new SqlError(
        SqlState.dependentObjectsStillExist,
        `cannot drop ${itemKindLabel(on.kind)} "${formatName(on.name)}": still depended upon by ${itemKindLabel(dependent.kind)} "${formatName(dependent.name)}"`,
        { hint: 'Use DROP ... CASCADE to drop the dependent objects too.' },
      );
    }
  }
  const items = all.map((id) => catalog.getItem(id)!).filter((i) => i !== undefined);
  if (items.length === 0) return [];
  await coord.persistCatalog([], items.map(durableItem));
  for (const item of items) {
    catalog.removeItem(item.id);
    switch (item.kind) {
      case 'table': await coord.tables.drop(item.id); break;
      case 'materialized-view':
        coord.compute.send({ kind: 'AllowCompaction', id: item.id, frontier: 'closed' });
        await coord.dropStoredShard(item.id);
        break;
      case 'index': coord.compute.send({ kind: 'AllowCompaction', id: item.id, frontier: 'closed' }); break;
      case 'source':
        if (item.extra?.kind === 'postgres-source') await coord.sources.drop(coord, item);
        else if (item.extra?.kind === 'load-generator') {
          await coord.sources.drop(coord, item);
          await coord.dropStoredShard(item.id, false);
        }
        else if (item.extra?.kind === 'subsource') await coord.dropStoredShard(item.id, false);
        break;
      default: break;
    }
  }
  return items;
}

// --- EXPLAIN TIMESTAMP ----------------------------------------------------------------------------

/** A time as Materialize's EXPLAIN TIMESTAMP shows it: `1673612424151 (2023-01-13 12:20:24.151)`. */
function explainTime(t: number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : `${t} (${d.toISOString().replace('T', ' ').replace('Z', '')})`;
}

/** Materialize's EXPLAIN TIMESTAMP AS TEXT layout (right-aligned labels), then the decision's reasons. */
function explainTimestampText(d: Extract<TimestampDecision, { ok: Timestamp }>, oracleReadTs: Timestamp, timeline: boolean): string {
  const frontier = (f: Frontier | undefined): string => (f === undefined || f === 'closed' ? '[]' : `[${explainTime(f)}]`);
  const upper = d.upper;
  const fields: [string, string][] = [
    ['query timestamp', ` ${explainTime(d.ok)}`],
    ['oracle read timestamp', ` ${explainTime(oracleReadTs)}`],
    ['largest not in advance of upper', upper === undefined || upper === 'closed' ? ' <none>' : ` ${explainTime(Math.max(0, upper - 1))}`],
    ['upper', frontier(upper)],
    ['since', frontier(d.since)],
    ['can respond immediately', ` ${d.respondImmediately}`],
    ['timeline', timeline ? ' Some(EpochMilliseconds)' : ' None'],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  const lines = fields.map(([k, v]) => `${k.padStart(width)}:${v}`);
  return [...lines, '', ...d.reasons.map((r) => `reason: ${r}`)].join('\n');
}

// --- transaction-local isolation ------------------------------------------------------------------

/**
 * The session's transaction_isolation before a block's BEGIN ISOLATION LEVEL / SET TRANSACTION
 * ISOLATION LEVEL changed it: those last only for the block (as in PostgreSQL and Materialize).
 */
const isolationBeforeBlock = new WeakMap<SessionImpl, string>();

function setBlockIsolation(session: SessionImpl, value: string | 'default'): void {
  if (!isolationBeforeBlock.has(session)) isolationBeforeBlock.set(session, session.vars.get('transaction_isolation'));
  session.parameterChanged(session.vars.set('transaction_isolation', value));
}

function restoreIsolation(session: SessionImpl): void {
  const before = isolationBeforeBlock.get(session);
  if (before === undefined) return;
  isolationBeforeBlock.delete(session);
  session.parameterChanged(session.vars.set('transaction_isolation', before));
}

// --- reads ----------------------------------------------------------------------------------------

async function sequenceSelect(env: SequenceEnv, plan: Extract<Plan, { kind: 'select' }>): Promise<ExecuteResult> {
  const { coord, session } = env;
  const deps = dependsOn(plan.plan);
  const constant = deps.size === 0;
  const txn = session.txn;
  let at: Timestamp | undefined;
  if (!constant && session.inTransactionBlock() && txn !== undefined && plan.asOf === undefined) {
    // Tables the block created, and the catalog as the block changed it, are read from the block itself (transaction.ts).
    const local = await blockLocalRead(env, txn.ops, plan.plan);
    if (local !== undefined) return rowsResult(plan.desc.columns, applyFinishing(local, plan.finishing));
  }
  if (!constant) {
    checkQueryCluster(coord, session.vars.get('cluster'), deps);
    await coord.waitUntilReadable(plan.plan, env.signal);
    // In a block, reads share the block's timestamp (and its rules, transaction.ts); AS OF is exempt.
    const pinned = session.inTransactionBlock() && txn !== undefined && plan.asOf === undefined ? await blockReadTimestamp(env, txn.ops, plan.plan) : undefined;
    const decision = coord.selectTimestamp(plan.plan, session.vars.isolation(), plan.asOf, pinned);
    if ('error' in decision) throw decision.error;
    at = decision.ok;
  } else if (plan.asOf !== undefined) {
    // A constant query reads no collection, but its mz_now() is still the AS OF time.
    at = ts(plan.asOf.atLeast ? Math.max(plan.asOf.ts, coord.oracle.readTs()) : plan.asOf.ts);
  }
  const rows = await coord.runQuery(plan.plan, plan.finishing, at, env.signal);
  return rowsResult(plan.desc.columns, rows);
}

// --- cursors --------------------------------------------------------------------------------------

async function declareCursor(env: SequenceEnv, plan: Extract<Plan, { kind: 'declareCursor' }>): Promise<ExecuteResult> {
  const { session } = env;
  if (session.txn?.kind !== 'explicit') throw new SqlError(SqlState.noActiveSqlTransaction, 'DECLARE CURSOR can only be used in transaction blocks');
  if (session.cursors.has(plan.name)) throw new SqlError(SqlState.duplicateCursor, `cursor "${plan.name}" already exists`);
  if (plan.plan.kind === 'subscribe') {
    blockSubscribe(session.txn.ops, plan.plan.asOf !== undefined);
    const stream = await startSubscribe(env, plan.plan);
    session.cursors.set(plan.name, { columns: plan.plan.desc.columns, rows: stream });
    return commandResult('DECLARE CURSOR');
  }
  if (plan.plan.kind !== 'select') throw new SqlError(SqlState.featureNotSupported, `DECLARE CURSOR FOR ${plan.plan.kind.toUpperCase()} not yet supported`);
  const result = await sequenceSelect(env, plan.plan);
  if (result.kind !== 'rows') throw new SqlError(SqlState.internalError, 'internal error: SELECT returned no rows');
  session.cursors.set(plan.name, { columns: result.columns, rows: result.rows });
  return commandResult('DECLARE CURSOR');
}

async function fetchCursor(env: SequenceEnv, plan: Extract<Plan, { kind: 'fetch' }>): Promise<ExecuteResult> {
  const cursor = env.session.cursors.get(plan.cursor);
  if (cursor === undefined) throw new SqlError(SqlState.invalidCursorName, `cursor "${plan.cursor}" does not exist`);
  // FETCH 0 returns no rows at once (it describes the cursor's columns); ALL is every row available.
  if (plan.count === 0) return rowsResult(cursor.columns, [], () => 'FETCH 0');
  const max = plan.count === 'all' ? 0 : plan.count;
  const { rows } = cursor.rows instanceof SubscribeStream
    ? await cursor.rows.fetch(max, plan.timeoutMs, env.signal)
    : await cursor.rows.next(max);
  return rowsResult(cursor.columns, rows, (n) => `FETCH ${n}`);
}

/** Chooses the subscribe's AS OF like a read's, then starts its dataflow. */
async function startSubscribe(env: SequenceEnv, plan: Extract<Plan, { kind: 'subscribe' }>): Promise<SubscribeStream> {
  const { coord, session } = env;
  checkQueryCluster(coord, session.vars.get('cluster'), dependsOn(plan.plan));
  await coord.waitUntilReadable(plan.plan, env.signal);
  // A SUBSCRIBE's dataflow reads storage, not indexes: its AS OF must be valid there.
  const decision = coord.selectTimestamp(plan.plan, session.vars.isolation(), plan.asOf, undefined, 'storage');
  if ('error' in decision) throw decision.error;
  if (plan.upTo !== undefined && plan.upTo < decision.ok) {
    throw new SqlError(SqlState.invalidParameterValue, `subscription lower ("as of") bound is beyond its upper ("up to") bound: ${plan.upTo} < ${decision.ok}`);
  }
  return coord.subscribe(plan.plan, {
    asOf: decision.ok, snapshot: plan.snapshot, progress: plan.progress, output: plan.output,
    timeless: plan.asOf === undefined && isTimeless(plan.plan),
    ...(plan.upTo === undefined ? {} : { upTo: plan.upTo }),
  });
}

// --- COPY FROM STDIN ---------------------------------------------------------------------------------

function copyFrom(env: SequenceEnv, plan: Extract<Plan, { kind: 'copyFrom' }>): ExecuteResult {
  const item = tableTarget(env, plan.target);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const chunks: Uint8Array[] = [];
  let aborted = false;
  const columns = plan.desc.columns;
  return {
    kind: 'copyIn',
    columns: plan.columns.map((i) => columns[i]!),
    write(chunk) {
      if (!aborted) chunks.push(chunk);
    },
    abort() {
      aborted = true;
      chunks.length = 0;
    },
    async finish() {
      let text: string;
      try {
        text = decoder.decode(Buffer.concat(chunks));
      } catch {
        throw new SqlError(SqlState.invalidTextRepresentation, 'invalid byte sequence for encoding "UTF8"');
      }
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const rows: Row[] = [];
      lines.forEach((line, lineNo) => {
        if (line === '\\.') return;
        const fields = line.split('\t');
        if (fields.length !== plan.columns.length) {
          throw new SqlError(SqlState.invalidTextRepresentation, fields.length < plan.columns.length ? 'missing data for column' : 'extra data after last expected column', { detail: `COPY line ${lineNo + 1}` });
        }
        const row = columns.map((_, i) => {
          const d = plan.defaults[i];
          return d ? evalScalar(d, []) : null;
        });
        plan.columns.forEach((target, j) => {
          const raw = fields[j]!;
          row[target] = raw === '\\N' ? null : parseText(unescapeCopy(raw), columns[target]!.type);
        });
        rows.push(row);
      });
      // In a transaction block the rows are the block's writes: visible at COMMIT, gone at ROLLBACK.
      const txn = env.session.txn;
      if (env.session.inTransactionBlock() && txn !== undefined) {
        await blockCopyRows(env, txn.ops, item.id, rows);
        return `COPY ${rows.length}`;
      }
      checkNotNull(item, rows);
      if (hasUniqueKeys(item)) {
        await env.coord.withWriteLock(async () => {
          await checkUnique(env.coord, item, [], rows);
          if (rows.length > 0) await env.coord.writeTable(item.id, rows.map((r) => [r, 1] as const));
        });
      } else if (rows.length > 0) await env.coord.groupCommit(item.id, rows.map((r) => [r, 1] as const));
      return `COPY ${rows.length}`;
    },
  };
}

/** Undoes COPY text-format escapes (\t, \n, \\, octal and hex). */
function unescapeCopy(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    switch (e[0]) {
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'v': return '\v';
      case 'x': return String.fromCharCode(parseInt(e.slice(1), 16));
      default: return /[0-7]/.test(e[0]!) ? String.fromCharCode(parseInt(e, 8)) : e;
    }
  });
}

// --- writes ---------------------------------------------------------------------------------------

export function checkNotNull(item: CatalogItem, rows: readonly Row[]): void {
  const cols = item.desc!.columns;
  for (const row of rows) {
    for (let i = 0; i < cols.length; i++) {
      if (row[i] === null && !cols[i]!.nullable) {
        throw new SqlError(SqlState.notNullViolation, `null value in column "${cols[i]!.name}" violates not-null constraint`);
      }
    }
  }
}

export function tableTarget(env: SequenceEnv, id: GlobalId): CatalogItem {
  const item = env.coord.catalog.getItem(id);
  if (item === undefined || item.kind !== 'table') throw new SqlError(SqlState.wrongObjectType, `cannot write to ${item ? formatName(item.name) : id}: not a table`);
  return item;
}

function returning(plan: { returning?: { exprs: readonly MirScalarExpr[]; desc: { columns: readonly Column[] } } }, rows: readonly Row[], tag: (n: number) => string): ExecuteResult | undefined {
  const r = plan.returning;
  if (r === undefined) return undefined;
  const out = rows.map((row) => r.exprs.map((e) => evalScalar(e, row)));
  return rowsResult(r.desc.columns, out, () => tag(rows.length));
}

async function sequenceInsert(env: SequenceEnv, plan: Extract<Plan, { kind: 'insert' }>): Promise<ExecuteResult> {
  const { coord, session } = env;
  const txn = session.txn;
  const item = txn?.ops.ddl?.catalog.getItem(plan.target) ?? tableTarget(env, plan.target);
  const tag = (n: number): string => `INSERT 0 ${n}`;
  if (session.inTransactionBlock() && txn !== undefined) {
    const { rows } = await blockInsert(env, txn.ops, plan);
    return returning(plan, rows, tag) ?? commandResult(tag(rows.length));
  }
  if (dependsOn(plan.values).size === 0 && !hasUniqueKeys(item)) {
    // Nothing to read: evaluate now, then join the next group commit.
    const rows = await evaluateRows(env, plan.values);
    checkNotNull(item, rows);
    if (rows.length > 0) await coord.groupCommit(item.id, rows.map((r) => [r, 1] as const));
    return returning(plan, rows, tag) ?? commandResult(tag(rows.length));
  }
  return coord.withWriteLock(async () => {
    const rows = await evaluateRows(env, plan.values);
    checkNotNull(item, rows);
    await checkUnique(coord, item, [], rows, [], env.signal);
    if (rows.length > 0) await coord.writeTable(item.id, rows.map((r) => [r, 1] as const));
    return returning(plan, rows, tag) ?? commandResult(tag(rows.length));
  });
}

/** Rows of a plan evaluated at the latest completed write (writes are serialized by the caller). */
async function evaluateRows(env: SequenceEnv, plan: MirRelationExpr): Promise<Row[]> {
  const constant = dependsOn(plan).size === 0;
  return env.coord.runQuery(plan, allColumns(plan), constant ? undefined : env.coord.oracle.readTs(), env.signal);
}

async function sequenceReadThenWrite(env: SequenceEnv, plan: Extract<Plan, { kind: 'readThenWrite' }>): Promise<ExecuteResult> {
  const { coord, session } = env;
  const tag = (n: number): string => `${plan.tag} ${n}`;
  if (session.inTransactionBlock() && session.txn !== undefined) {
    // Evaluated now against the block's snapshot and own writes; applied at COMMIT (transaction.ts).
    const { changed, count } = await blockReadThenWrite(env, session.txn.ops, plan);
    return returning(plan, changed, tag) ?? commandResult(tag(count));
  }
  const item = tableTarget(env, plan.target);
  return coord.withWriteLock(async () => {
    const old = await env.coord.runQuery(plan.selection, allColumns(plan.selection), coord.oracle.readTs(), env.signal);
    const updates: (readonly [Row, Diff])[] = [];
    const changed: Row[] = [];
    for (const row of old) {
      updates.push([row, -1]);
      if (plan.assignments !== undefined) {
        const next = row.map((d, i) => {
          const e = plan.assignments![i];
          return e === undefined ? d : evalScalar(e, row);
        });
        changed.push(next);
        updates.push([next, 1]);
      } else {
        changed.push(row);
      }
    }
    if (plan.assignments !== undefined) checkNotNull(item, changed);
    if (plan.assignments !== undefined) await checkUnique(coord, item, old, changed, [], env.signal);
    if (updates.length > 0) await coord.writeTable(item.id, updates);
    return returning(plan, changed, tag) ?? commandResult(tag(old.length));
  });
}

/** Runs a statement that needs a block's machinery (CREATE TABLE AS, TRUNCATE) outside one: as a block of its own, committed at once. */
async function asOneStatementBlock(env: SequenceEnv, run: (state: TxnState) => Promise<ExecuteResult>): Promise<ExecuteResult> {
  const state = newTxnState();
  try {
    const result = await run(state);
    await commitTxn(env, state);
    return result;
  } finally {
    releaseTxn(env.coord, state);
  }
}
