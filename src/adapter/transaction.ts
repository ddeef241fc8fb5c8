/**
 * Transactions: what a transaction block has done so far, what it may do next, and how it commits.
 *
 * Materialize's rules are the baseline (reference/materialize-surface.md §3) and are kept with their
 * exact texts: a block that has read may not write (`transaction in read-only mode`), one that has
 * written may not read (`transaction in write-only mode`), writes go to a single table, and the
 * reads of a block share one timestamp and one time domain. Tributary goes further where it can stay
 * serializable:
 * - DDL: any number of DDL statements in a block. Each is checked when it runs, against the catalog
 *   as the block has changed it (an overlay copy), so errors surface at the statement as in
 *   PostgreSQL; at COMMIT the whole list is checked again against the current catalog and then
 *   applied under the write lock as one durable catalog append. ROLLBACK (or an error) discards it.
 * - UPDATE / DELETE / TRUNCATE / INSERT ... SELECT: evaluated when they run, against the block's
 *   snapshot (one timestamp, held) plus the block's own earlier writes, so counts and RETURNING are
 *   PostgreSQL's; the changes are buffered and appended at COMMIT at one new timestamp. COMMIT first
 *   checks that nothing the block read changed since its snapshot, and otherwise fails with 40001
 *   (`could not serialize access due to concurrent update`), as PostgreSQL's SERIALIZABLE does.
 * - CREATE TABLE ... AS and a seed's CREATE TABLE + INSERT commit together.
 * - Tables created in the block (CREATE [TEMP] TABLE [AS]) have no storage until COMMIT: their rows
 *   are the block's buffered writes, and reads of them are evaluated here (`blockLocalRead`). Rows of
 *   a temporary table created in the block are kept apart (`tempWrites`): only this session can ever
 *   see that table, so writing it does not count as the block's one written table (dbt's incremental
 *   models fill `x__dbt_tmp` and then insert from it into the target). ROLLBACK forgets the table and
 *   its rows, as in PostgreSQL. Reads of other objects created in the block (materialized views) are
 *   refused with 0A000.
 * - In a block that ran DDL, reads of the builtin catalog relations (information_schema, pg_catalog,
 *   mz_catalog) are evaluated from the block's catalog, so they show its uncommitted objects as
 *   PostgreSQL does. Such local reads do not make the block read-only: the user collections they read
 *   join the read set that COMMIT validates, so a later write stays serializable.
 */
import { type BatchInputs, type Multiset, consolidate, evaluateMir, expandCounts } from '../compute/index.ts';
import { errorFromRow } from '../dataflow/index.ts';
import { type GlobalId, type MirRelationExpr, Mir, arity, dependsOn, evalScalar } from '../expr/index.ts';
import { type Diff, type Row, type Timestamp, rowKey } from '../repr/index.ts';
import type { Plan } from '../sql/index.ts';
import { bindMzNow } from '../transform/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import { Catalog, type CatalogItem, formatName, itemKindLabel } from './catalog.ts';
import type { Coordinator } from './coordinator.ts';
import { clusterForNewObject } from './clusters.ts';
import { commandResult } from './rows.ts';
import { type SequenceEnv, checkNotNull, ddlTag, sequenceDdl, tableTarget } from './sequencer.ts';
import type { ExecuteResult } from './session-api.ts';
import { checkUnique } from './constraints.ts';
import { isTempName, ownedBy } from './temp.ts';

/** A read timestamp the block uses for all its reads, held against compaction until the block ends. */
interface Snapshot {
  readonly ts: Timestamp;
  readonly hold: number;
}

/** Read-only blocks: the collections the first query's schemas hold; later queries may read only these. */
export interface TimeDomain {
  readonly ids: ReadonlySet<GlobalId>;
  /** Full names of the domain's collections, for the error message. */
  readonly names: readonly string[];
}

/** What a transaction block has done so far. */
export interface TxnState {
  snapshot: Snapshot | undefined;
  /** A non-constant SELECT ran (so writes are refused: read-only mode). */
  read: boolean;
  /** A SUBSCRIBE cursor was declared: it must stay the block's only read. */
  subscribed: boolean;
  domain: TimeDomain | undefined;
  /** Buffered changes to one table, appended at COMMIT. */
  writes: { readonly table: GlobalId; readonly updates: [Row, Diff][] } | undefined;
  /** Collections read to compute writes; COMMIT checks they did not change since the snapshot. */
  readonly readSet: Set<GlobalId>;
  /** DDL plans in statement order, and the catalog as they leave it (planning in the block uses it). */
  ddl: { readonly plans: Plan[]; readonly catalog: Catalog; readonly created: Set<GlobalId> } | undefined;
  /** Rows of temporary tables created in this block (session-private), appended after they are created at COMMIT. */
  readonly tempWrites: Map<GlobalId, [Row, Diff][]>;
  /** BEGIN READ ONLY / SET TRANSACTION READ ONLY: writes and DDL fail as in PostgreSQL (25006). */
  readOnly: boolean;
}

export function newTxnState(): TxnState {
  return { snapshot: undefined, read: false, subscribed: false, domain: undefined, writes: undefined, readSet: new Set(), ddl: undefined, tempWrites: new Map(), readOnly: false };
}

/** Ids (and oids) allocated for items a block creates, so COMMIT creates them under the same ids later statements planned against. */
export const preallocatedIds = new WeakMap<Plan, { readonly id: GlobalId; readonly oid: number }>();

const READ_ONLY = 'transaction in read-only mode';
const WRITE_ONLY = 'transaction in write-only mode';
const SUBSCRIBE_ONLY = 'SUBSCRIBE in transactions must be the only read statement';

/** Whether the block has run a statement that reads or writes (SET TRANSACTION must come first). */
export function blockHasRun(state: TxnState): boolean {
  return state.read || state.subscribed || state.snapshot !== undefined || state.writes !== undefined || state.ddl !== undefined;
}

/**
 * DECLARE ... CURSOR FOR SUBSCRIBE in a block (Materialize's rules): it must be the block's only read,
 * unless it has AS OF; it cannot follow a SELECT or a write.
 */
export function blockSubscribe(state: TxnState, hasAsOf: boolean): void {
  if (hasAsOf) return;
  if (state.writes !== undefined) throw new SqlError(SqlState.invalidTransactionState, WRITE_ONLY);
  if (state.subscribed) throw new SqlError(SqlState.invalidTransactionState, SUBSCRIBE_ONLY);
  if (state.read) {
    throw new SqlError(SqlState.invalidTransactionState, READ_ONLY, { detail: 'SELECT queries cannot be combined with other query types, including SUBSCRIBE.' });
  }
  state.subscribed = true;
}

function releaseSnapshot(coord: Coordinator, state: TxnState): void {
  if (state.snapshot !== undefined) coord.holds.release(state.snapshot.hold);
  state.snapshot = undefined;
}

/** ROLLBACK, a failed COMMIT or a closed connection: forget everything, release the snapshot. */
export function releaseTxn(coord: Coordinator, state: TxnState): void {
  releaseSnapshot(coord, state);
  state.writes = undefined;
  state.ddl = undefined;
  state.tempWrites.clear();
}

// --- reads --------------------------------------------------------------------------------------

/** Fails when `plan` reads a non-table object created in this block (it has no storage, nor buffered rows, before COMMIT). */
function refuseUncommitted(state: TxnState, plan: MirRelationExpr): void {
  const created = state.ddl?.created;
  if (created === undefined) return;
  for (const id of dependsOn(plan)) {
    if (created.has(id) && state.ddl!.catalog.getItem(id)?.kind !== 'table') {
      throw new SqlError(SqlState.featureNotSupported, `reading ${formatName(state.ddl!.catalog.getItem(id)!.name)} in the transaction that created it not yet supported`, {
        hint: 'COMMIT first: objects created in a transaction block have no data before COMMIT.',
      });
    }
  }
}

/** The block's snapshot, choosing it (for `plan`'s inputs) if this is the block's first read. */
async function ensureSnapshot(env: SequenceEnv, state: TxnState, plan: MirRelationExpr): Promise<Snapshot> {
  if (state.snapshot !== undefined) return state.snapshot;
  const { coord, session } = env;
  await coord.waitUntilReadable(plan, env.signal);
  const decision = coord.selectTimestamp(plan, session.vars.isolation(), undefined);
  if ('error' in decision) throw decision.error;
  if (state.snapshot !== undefined) return state.snapshot;
  state.snapshot = { ts: decision.ok, hold: coord.holds.acquire(decision.ok) };
  return state.snapshot;
}

/**
 * The timestamp a SELECT in a block reads at (non-constant, without AS OF): the block's snapshot.
 * Applies Materialize's rules: no reads after writes, and reads stay in the first read's time domain.
 */
export async function blockReadTimestamp(env: SequenceEnv, state: TxnState, plan: MirRelationExpr): Promise<Timestamp> {
  if (state.writes !== undefined) throw new SqlError(SqlState.invalidTransactionState, WRITE_ONLY);
  if (state.subscribed) throw new SqlError(SqlState.invalidTransactionState, SUBSCRIBE_ONLY);
  refuseUncommitted(state, plan);
  const deps = dependsOn(plan);
  const created = state.ddl?.created;
  for (const id of deps) {
    if (created?.has(id)) throw new SqlError(SqlState.internalError, `internal error: ${id} was created in this block and must be read with blockLocalRead`);
  }
  if (state.domain === undefined) {
    if (!state.read) state.domain = timeDomainFor(env.coord, deps);
  } else {
    checkTimeDomain(env.coord, state.domain, deps);
  }
  const snap = await ensureSnapshot(env, state, plan);
  state.read = true;
  return snap.ts;
}

/**
 * A SELECT in a block that must be evaluated here rather than peeked at the snapshot: it reads a table
 * created in the block (its rows are buffered writes), or a builtin catalog relation after the block
 * ran DDL (its rows come from the block's catalog). Returns undefined for every other read. The rows
 * are unfinished (no ORDER BY / LIMIT / projection applied).
 */
export async function blockLocalRead(env: SequenceEnv, state: TxnState, plan: MirRelationExpr): Promise<Row[] | undefined> {
  const ddl = state.ddl;
  if (ddl === undefined) return undefined;
  const deps = dependsOn(plan);
  if (![...deps].some((id) => ddl.created.has(id) || env.coord.builtins.get(id) !== undefined)) return undefined;
  if (state.subscribed) throw new SqlError(SqlState.invalidTransactionState, SUBSCRIBE_ONLY);
  refuseUncommitted(state, plan);
  return evaluateInBlock(env, state, plan);
}

/** Every collection in the schemas `deps` live in (views count as the collections they read). */
export function timeDomainFor(coord: Coordinator, deps: ReadonlySet<GlobalId>): TimeDomain {
  const userSchemas = new Set<string>();
  const systemGroups = new Set<string>();
  for (const id of deps) {
    const b = coord.builtins.get(id);
    if (b !== undefined) systemGroups.add(systemGroup(b.name.schema));
    else {
      const item = coord.catalog.getItem(id);
      if (item !== undefined) userSchemas.add(`${item.name.database}.${item.name.schema}`);
    }
  }
  const ids = new Set<GlobalId>();
  const names: string[] = [];
  const add = (item: CatalogItem, system: boolean): void => {
    if (ids.has(item.id)) return;
    ids.add(item.id);
    if (item.kind !== 'view' && item.kind !== 'index') names.push(system ? `${item.name.schema}.${item.name.item}` : formatName(item.name));
    for (const d of item.dependsOn) {
      const dep = coord.catalog.getItem(d);
      if (dep !== undefined) add(dep, coord.builtins.get(d) !== undefined);
    }
  };
  for (const item of coord.catalog.items()) {
    if (userSchemas.has(`${item.name.database}.${item.name.schema}`)) add(item, false);
  }
  for (const r of coord.builtins.all()) {
    if (!systemGroups.has(systemGroup(r.schema))) continue;
    const item = coord.builtins.get(r.id);
    if (item !== undefined) add(item, true);
  }
  return { ids, names: names.sort() };
}

/** pg_catalog, mz_catalog and information_schema are one time domain (Materialize treats them alike); mz_internal is another. */
function systemGroup(schema: string): string {
  return schema === 'mz_internal' ? 'mz_internal' : 'catalog';
}

function checkTimeDomain(coord: Coordinator, domain: TimeDomain, deps: ReadonlySet<GlobalId>): void {
  const outside: string[] = [];
  for (const id of deps) {
    if (domain.ids.has(id)) continue;
    const b = coord.builtins.get(id);
    const item = b ?? coord.catalog.getItem(id);
    outside.push(item === undefined ? id : b !== undefined ? `${item.name.schema}.${item.name.item}` : formatName(item.name));
  }
  if (outside.length === 0) return;
  throw new SqlError(
    SqlState.invalidTransactionState,
    'Transactions can only reference objects in the same timedomain. See https://materialize.com/docs/sql/begin/#same-timedomain-error',
    {
      detail: `The following relations in the query are outside the transaction's time domain:\n${outside.sort().map((n) => `"${n}"`).join('\n')}\n`
        + `Only the following relations are available:\n${domain.names.map((n) => `"${n}"`).join('\n')}`,
    },
  );
}

// --- writes -------------------------------------------------------------------------------------

/** Materialize's mixing rules (and a declared READ ONLY) for a write to `table` in this block; `what` names the statement. */
function checkWrite(state: TxnState, table: GlobalId, what: string): void {
  if (isBlockTemp(state, table)) return;
  if (state.readOnly) throw readOnlyError(what);
  if (state.read || state.subscribed) throw new SqlError(SqlState.invalidTransactionState, READ_ONLY);
  if (state.writes !== undefined && state.writes.table !== table) {
    throw new SqlError(SqlState.invalidTransactionState, 'write transactions only support writes to a single table');
  }
}

function readOnlyError(what: string): SqlError {
  return new SqlError(SqlState.readOnlySqlTransaction, `cannot execute ${what} in a read-only transaction`);
}

/** Whether `id` is a temporary table this block created: only this session can see it, before or after COMMIT. */
function isBlockTemp(state: TxnState, id: GlobalId): boolean {
  return state.ddl?.created.has(id) === true && state.ddl.catalog.getItem(id)?.tempOwner !== undefined;
}

/** The block's buffered changes to table `id` so far. */
function pending(state: TxnState, id: GlobalId): readonly (readonly [Row, Diff])[] {
  if (state.writes?.table === id) return state.writes.updates;
  return state.tempWrites.get(id) ?? [];
}

function buffer(state: TxnState, table: GlobalId, updates: readonly (readonly [Row, Diff])[]): void {
  if (isBlockTemp(state, table)) {
    const rows = state.tempWrites.get(table) ?? [];
    for (const [r, d] of updates) rows.push([r, d]);
    state.tempWrites.set(table, rows);
    return;
  }
  state.writes ??= { table, updates: [] };
  for (const [r, d] of updates) state.writes.updates.push([r, d]);
}

/** The item `id` as this block sees it (created in the block or committed). */
function itemInBlock(env: SequenceEnv, state: TxnState, id: GlobalId): CatalogItem | undefined {
  return state.ddl?.catalog.getItem(id) ?? env.coord.catalog.getItem(id);
}

/**
 * Rows of `plan` as this block sees the world: its inputs at the block's snapshot plus the block's own
 * buffered writes. Inputs created in the block start empty. Records the inputs in the read set.
 */
async function evaluateInBlock(env: SequenceEnv, state: TxnState, plan: MirRelationExpr): Promise<Row[]> {
  const deps = dependsOn(plan);
  if (deps.size === 0) return env.coord.runQuery(plan, allColumns(plan), undefined, env.signal);
  const created = state.ddl?.created ?? new Set<GlobalId>();
  const snap = await ensureSnapshot(env, state, plan);
  // After DDL in the block, the catalog relations are derived from the block's catalog (it shows the block's objects).
  const catalogRows = state.ddl === undefined ? new Map<GlobalId, Row[]>() : env.coord.builtins.rowsFor(state.ddl.catalog, deps);
  const collections = new Map<GlobalId, Multiset>();
  for (const id of deps) {
    const item = itemInBlock(env, state, id);
    if (item?.desc === undefined) throw new SqlError(SqlState.internalError, `internal error: ${id} is not a relation`);
    const ms: [Row, number][] = [];
    const derived = catalogRows.get(id);
    if (derived !== undefined) {
      for (const r of derived) ms.push([r, 1]);
    } else if (!created.has(id)) {
      state.readSet.add(id);
      for (const r of await readCollection(env, item, snap.ts)) ms.push([r, 1]);
    }
    for (const [r, d] of pending(state, id)) ms.push([r, d]);
    collections.set(id, consolidate(ms));
  }
  const inputs: BatchInputs = { collections, time: snap.ts };
  const { oks, errs } = evaluateMir(bindMzNow(plan, snap.ts), inputs);
  const first = errs[0];
  if (first !== undefined) throw errorFromRow(first[0]);
  return expandCounts(oks);
}

function allColumns(plan: MirRelationExpr): { order: []; offset: 0; project: number[] } {
  const n = arity(plan);
  return { order: [], offset: 0, project: Array.from({ length: n }, (_, i) => i) };
}

async function readCollection(env: SequenceEnv, item: CatalogItem, at: Timestamp): Promise<Row[]> {
  const get = Mir.get(item.id, item.desc!.columns.map((c) => c.type));
  return env.coord.runQuery(get, allColumns(get), at, env.signal);
}

/** INSERT in a block: rows computed now (INSERT ... SELECT sees the block's snapshot and own writes), appended at COMMIT. */
export async function blockInsert(env: SequenceEnv, state: TxnState, plan: Extract<Plan, { kind: 'insert' }>): Promise<{ rows: Row[] }> {
  const item = blockTable(env, state, plan.target);
  checkWrite(state, item.id, 'INSERT');
  const rows = await evaluateInBlock(env, state, plan.values);
  await bufferInsert(env, state, item, rows);
  return { rows };
}

/** COPY FROM STDIN in a block: its rows are buffered like an INSERT's and appended at COMMIT (or dropped at ROLLBACK). */
export async function blockCopyRows(env: SequenceEnv, state: TxnState, table: GlobalId, rows: Row[]): Promise<void> {
  const item = blockTable(env, state, table);
  checkWrite(state, item.id, 'COPY FROM');
  await bufferInsert(env, state, item, rows);
}

async function bufferInsert(env: SequenceEnv, state: TxnState, item: CatalogItem, rows: Row[]): Promise<void> {
  checkNotNull(item, rows);
  await checkUnique(env.coord, item, [], rows, pending(state, item.id), env.signal, { createdInBlock: env.coord.catalog.getItem(item.id) === undefined });
  buffer(state, item.id, rows.map((r) => [r, 1] as const));
}

/** UPDATE / DELETE in a block: the changed rows as the block sees the table now; the changes are appended at COMMIT. */
export async function blockReadThenWrite(env: SequenceEnv, state: TxnState, plan: Extract<Plan, { kind: 'readThenWrite' }>): Promise<{ changed: Row[]; count: number }> {
  const item = blockTable(env, state, plan.target);
  checkWrite(state, item.id, plan.tag);
  const old = await evaluateInBlock(env, state, plan.selection);
  const updates: (readonly [Row, Diff])[] = [];
  const changed: Row[] = [];
  for (const row of old) {
    updates.push([row, -1]);
    if (plan.assignments === undefined) {
      changed.push(row);
      continue;
    }
    const next = row.map((d, i) => {
      const e = plan.assignments![i];
      return e === undefined ? d : evalScalar(e, row);
    });
    changed.push(next);
    updates.push([next, 1]);
  }
  if (plan.assignments !== undefined) checkNotNull(item, changed);
  if (plan.assignments !== undefined) {
    await checkUnique(env.coord, item, old, changed, pending(state, item.id), env.signal, { createdInBlock: env.coord.catalog.getItem(item.id) === undefined });
  }
  buffer(state, item.id, updates);
  return { changed, count: old.length };
}

/** TRUNCATE in a block: deletes every row the block sees (one table per block, as for every write). */
export async function blockTruncate(env: SequenceEnv, state: TxnState, plan: Extract<Plan, { kind: 'truncate' }>): Promise<ExecuteResult> {
  for (const id of plan.ids) {
    const item = blockTable(env, state, id);
    checkWrite(state, item.id, 'TRUNCATE TABLE');
    const get = Mir.get(item.id, item.desc!.columns.map((c) => c.type));
    const rows = await evaluateInBlock(env, state, get);
    buffer(state, item.id, rows.map((r) => [r, -1] as const));
  }
  return commandResult('TRUNCATE TABLE');
}

function blockTable(env: SequenceEnv, state: TxnState, id: GlobalId): CatalogItem {
  const item = state.ddl?.catalog.getItem(id);
  if (item !== undefined && item.kind === 'table') return item;
  return tableTarget(env, id);
}

/** CREATE TABLE ... AS in a block: the table is DDL, its rows a write computed now. Tag `SELECT n`. */
export async function blockCreateTableAs(env: SequenceEnv, state: TxnState, plan: Extract<Plan, { kind: 'createTableAs' }>): Promise<ExecuteResult> {
  refuseUncommitted(state, plan.query);
  const create: Plan = { kind: 'createTable', name: plan.name, desc: plan.desc, defaults: plan.desc.columns.map(() => null), ifNotExists: plan.ifNotExists, createSql: plan.createSql };
  const skipped = bufferDdlPlan(env, state, create);
  if (skipped) return commandResult('SELECT 0');
  const id = preallocatedIds.get(create)!.id;
  checkWrite(state, id, 'CREATE TABLE AS');
  const rows = await evaluateInBlock(env, state, plan.query);
  const item = state.ddl!.catalog.getItem(id)!;
  checkNotNull(item, rows);
  buffer(state, id, rows.map((r) => [r, 1] as const));
  return commandResult(`SELECT ${rows.length}`);
}

// --- DDL ----------------------------------------------------------------------------------------

/** DDL in a block: checked now against the block's catalog, applied at COMMIT. */
export function blockDdl(env: SequenceEnv, state: TxnState, plan: Plan): ExecuteResult {
  bufferDdlPlan(env, state, plan);
  return commandResult(ddlTag(plan));
}

/** Whether a DDL plan creates a temporary item (allowed in a READ ONLY block, as PostgreSQL allows it). */
function createsTemporary(plan: Plan): boolean {
  const name = (plan as { readonly name?: unknown }).name;
  return typeof name === 'object' && name !== null && 'schema' in name && isTempName(name as CatalogItem['name']);
}

/** Returns true when the statement turned out to be a no-op (IF NOT EXISTS of an existing object). */
function bufferDdlPlan(env: SequenceEnv, state: TxnState, plan: Plan): boolean {
  if (state.readOnly && !createsTemporary(plan)) throw readOnlyError(ddlTag(plan));
  state.ddl ??= { plans: [], catalog: overlayCatalog(env.coord.catalog), created: new Set() };
  const outcome = simulateDdl(env.coord, state.ddl.catalog, plan, env.session.vars.get('cluster'), env.session.connectionId);
  if (outcome.notice !== undefined) env.session.notice(outcome.notice);
  if (outcome.created !== undefined) state.ddl.created.add(outcome.created);
  if (!outcome.skipped) state.ddl.plans.push(plan);
  return outcome.skipped;
}

/** A private copy of `base` that DDL in a block changes; new ids still come from `base`'s allocators. */
export function overlayCatalog(base: Catalog): Catalog {
  const c = new Catalog();
  c.system = base.system;
  c.sourceStatus = base.sourceStatus;
  for (const d of base.databases.values()) c.addDatabase(d);
  for (const s of base.schemas.values()) c.addSchema(s);
  for (const [k, v] of base.clusters) c.clusters.set(k, v);
  for (const [k, v] of base.clusterReplicas) c.clusterReplicas.set(k, v);
  for (const i of base.items()) c.addItem(i);
  c.allocateId = (temporary?: boolean) => base.allocateId(temporary);
  c.allocateOid = () => base.allocateOid();
  return c;
}

interface DdlOutcome {
  readonly skipped: boolean;
  readonly notice?: string;
  readonly created?: GlobalId;
}

const SKIP = (notice: string): DdlOutcome => ({ skipped: true, notice });
const APPLIED: DdlOutcome = { skipped: false };

/**
 * Applies a DDL plan to the in-memory catalog `cat` only, with the same checks (and error texts) the
 * sequencer applies for real, so a block learns of errors at the statement that causes them.
 */
export function simulateDdl(coord: Coordinator, cat: Catalog, plan: Plan, sessionCluster: string, connectionId: number): DdlOutcome {
  switch (plan.kind) {
    case 'createDatabase': {
      if (cat.databaseExists(plan.name)) {
        if (plan.ifNotExists) return SKIP(`database "${plan.name}" already exists, skipping`);
        throw new SqlError(SqlState.duplicateObject, `database '${plan.name}' already exists`);
      }
      cat.addDatabase({ id: `txn-${plan.name}`, oid: 0, name: plan.name });
      cat.addSchema({ id: `txn-${plan.name}.public`, oid: 0, database: plan.name, name: 'public' });
      return APPLIED;
    }
    case 'createSchema': {
      if (cat.schemaExists(plan.database, plan.schema)) {
        if (plan.ifNotExists) return SKIP(`schema "${plan.schema}" already exists, skipping`);
        throw new SqlError(SqlState.duplicateSchema, `schema '${plan.schema}' already exists`);
      }
      if (!cat.databaseExists(plan.database)) throw new SqlError(SqlState.undefinedObject, `unknown database '${plan.database}'`);
      cat.addSchema({ id: `txn-${plan.database}.${plan.schema}`, oid: 0, database: plan.database, name: plan.schema });
      return APPLIED;
    }
    case 'createTable': case 'createView': case 'createMaterializedView': case 'createIndex': {
      if (!isTempName(plan.name) && !cat.schemaExists(plan.name.database, plan.name.schema)) throw new SqlError(SqlState.undefinedSchema, `unknown schema '${plan.name.schema}'`);
      // Materialized views and indexes need their cluster (the sequencer resolves it again at COMMIT).
      if (plan.kind === 'createMaterializedView' || plan.kind === 'createIndex') clusterForNewObject(coord, sessionCluster, plan.inCluster);
      const existing = cat.nameTaken(plan.name, connectionId);
      if (existing !== undefined) {
        const replace = (plan.kind === 'createView' || plan.kind === 'createMaterializedView') && plan.replace;
        if (!replace) {
          if (plan.ifNotExists) return SKIP(`${itemKindLabel(existing.kind)} "${formatName(plan.name)}" already exists, skipping`);
          throw new SqlError(SqlState.duplicateTable, `${itemKindLabel(existing.kind)} "${formatName(plan.name)}" already exists`);
        }
        if (existing.kind !== (plan.kind === 'createView' ? 'view' : 'materialized-view')) {
          throw new SqlError(SqlState.wrongObjectType, `${formatName(plan.name)} is not a ${plan.kind === 'createView' ? 'view' : 'materialized view'}`);
        }
        if (plan.dependsOn.includes(existing.id)) {
          throw new SqlError(SqlState.invalidParameterValue, `cannot replace view ${formatName(plan.name)}: depended upon by new ${formatName(plan.name)} definition`);
        }
        simulateDrop(cat, [existing.id], false);
      }
      let ids = preallocatedIds.get(plan);
      if (ids === undefined) {
        ids = cat.allocateId(isTempName(plan.name));
        preallocatedIds.set(plan, ids);
      }
      let item = ownedBy(coord.itemFromPlan(plan, ids.id, ids.oid), connectionId);
      if (plan.kind === 'createIndex' && item.desc === undefined) {
        const on = cat.getItem(plan.on);
        if (on?.desc !== undefined) item = { ...item, desc: on.desc };
      }
      cat.addItem(item);
      return { skipped: false, ...(plan.kind === 'createView' ? {} : { created: ids.id }) };
    }
    case 'dropObjects':
      simulateDrop(cat, plan.ids, plan.cascade);
      return APPLIED;
    case 'dropSchema': {
      for (const name of plan.schemas) {
        if (!cat.schemas.has(`${plan.database}.${name}`)) throw new SqlError(SqlState.undefinedSchema, `unknown schema '${name}'`);
        const items = cat.itemsInSchema(plan.database, name);
        if (items.length > 0 && !plan.cascade) {
          throw new SqlError(SqlState.dependentObjectsStillExist, `schema '${plan.database}.${name}' cannot be dropped without CASCADE while it contains objects`);
        }
        simulateDrop(cat, items.map((i) => i.id), true);
        cat.removeSchema(plan.database, name);
      }
      return APPLIED;
    }
    case 'dropDatabase': {
      for (const name of plan.names) {
        if (!cat.databases.has(name)) throw new SqlError(SqlState.undefinedObject, `unknown database '${name}'`);
        const items = cat.items().filter((i) => i.name.database === name);
        if (items.length > 0 && !plan.cascade) {
          throw new SqlError(SqlState.dependentObjectsStillExist, `database '${name}' cannot be dropped without CASCADE while it contains objects`);
        }
        simulateDrop(cat, items.map((i) => i.id), true);
        for (const s of [...cat.schemas.values()].filter((x) => x.database === name)) cat.removeSchema(name, s.name);
        cat.removeDatabase(name);
      }
      return APPLIED;
    }
    case 'alterRename': {
      const item = cat.getItem(plan.id);
      if (item === undefined) throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${plan.id}'`);
      renameCheck(cat, item, plan.newName);
      cat.updateItem({ ...item, name: plan.newName });
      return APPLIED;
    }
    case 'comment': {
      const item = cat.getItem(plan.id);
      if (item === undefined) throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${plan.id}'`);
      cat.updateItem({ ...item, comments: withComment(item.comments, plan.subId, plan.comment) });
      return APPLIED;
    }
    default:
      throw new SqlError(SqlState.internalError, `internal error: ${plan.kind} is not DDL`);
  }
}

/** The rename checks shared by the block simulation and the sequencer. */
export function renameCheck(cat: Catalog, item: CatalogItem, newName: CatalogItem['name']): void {
  const taken = cat.nameTaken(newName, item.tempOwner);
  if (taken !== undefined && taken.id !== item.id) {
    throw new SqlError(SqlState.duplicateTable, `${itemKindLabel(taken.kind)} "${formatName(newName)}" already exists`);
  }
}

/** An item's comments with one sub-object's comment set (or removed, for null). */
export function withComment(comments: CatalogItem['comments'], subId: number, comment: string | null): Record<string, string> {
  const next: Record<string, string> = { ...comments };
  if (comment === null) delete next[String(subId)];
  else next[String(subId)] = comment;
  return next;
}

function simulateDrop(cat: Catalog, ids: readonly GlobalId[], cascade: boolean): void {
  const all = cat.transitiveDependents(ids);
  const requested = new Set(ids);
  if (!cascade) {
    for (const id of all) {
      if (requested.has(id)) continue;
      const dependent = cat.getItem(id)!;
      if (dependent.kind === 'index') continue;
      if (dependent.extra?.kind === 'subsource' && requested.has(dependent.extra.source)) continue;
      const on = ids.map((i) => cat.getItem(i)!).find((i) => cat.transitiveDependents([i.id]).includes(id))!;
      throw new SqlError(
        SqlState.dependentObjectsStillExist,
        `cannot drop ${itemKindLabel(on.kind)} "${formatName(on.name)}": still depended upon by ${itemKindLabel(dependent.kind)} "${formatName(dependent.name)}"`,
        { hint: 'Use DROP ... CASCADE to drop the dependent objects too.' },
      );
    }
  }
  for (const id of all) cat.removeItem(id);
}

// --- COMMIT ---------------------------------------------------------------------------------------

/**
 * Applies what the block buffered, atomically: under the write lock, the DDL list is checked again
 * against the current catalog, the read set is checked for concurrent changes, then the DDL is applied
 * as one durable catalog append and the writes are appended at one new timestamp.
 */
export async function commitTxn(env: SequenceEnv, state: TxnState): Promise<void> {
  const { coord } = env;
  try {
    const writes = state.writes;
    if (state.ddl === undefined && (writes === undefined || writes.updates.length === 0)) return;
    if (state.ddl === undefined && state.readSet.size === 0 && writes !== undefined) {
      // Blind inserts: nothing to validate, so they may share a group commit with other writers.
      await coord.groupCommit(writes.table, writes.updates);
      return;
    }
    await coord.withWriteLock(async () => {
      const ddl = state.ddl;
      if (ddl !== undefined) {
        const check = overlayCatalog(coord.catalog);
        for (const p of ddl.plans) simulateDdl(coord, check, p, env.session.vars.get('cluster'), env.session.connectionId);
      }
      await checkConflicts(env, state);
      if (ddl !== undefined && ddl.plans.length > 0) {
        // Notices were sent when the statements ran; applying them again must not repeat them.
        const onNotice = env.session.onNotice;
        env.session.onNotice = undefined;
        try {
          await coord.catalogTransaction(async () => {
            for (const p of ddl.plans) await sequenceDdl(env, p);
          });
        } finally {
          env.session.onNotice = onNotice;
        }
        await coord.afterCatalogChange();
      }
      if (writes !== undefined && writes.updates.length > 0 && coord.catalog.getItem(writes.table)?.kind === 'table') {
        const updates = consolidate(writes.updates);
        if (updates.length > 0) await coord.writeTable(writes.table, updates);
      }
      // Created just above by the DDL; only this session can read them, so a later timestamp than the block's other writes is unobservable.
      for (const [id, rows] of state.tempWrites) {
        const updates = consolidate(rows);
        if (updates.length > 0 && coord.catalog.getItem(id)?.kind === 'table') await coord.writeTable(id, updates);
      }
    });
  } finally {
    releaseTxn(coord, state);
  }
}

/** Serializable commit: every collection the block's writes were computed from must be unchanged since its snapshot. */
async function checkConflicts(env: SequenceEnv, state: TxnState): Promise<void> {
  const snap = state.snapshot;
  if (snap === undefined || state.readSet.size === 0) return;
  const now = env.coord.oracle.readTs();
  if (now <= snap.ts) return;
  for (const id of state.readSet) {
    const item = env.coord.catalog.getItem(id);
    if (item?.desc === undefined) continue;
    const [before, after] = [await readCollection(env, item, snap.ts), await readCollection(env, item, now)];
    if (!sameMultiset(before, after)) {
      throw new SqlError('40001', 'could not serialize access due to concurrent update', {
        detail: `${formatName(item.name)} changed after this transaction read it.`,
        hint: 'The transaction might succeed if retried.',
      });
    }
  }
}

function sameMultiset(a: readonly Row[], b: readonly Row[]): boolean {
  if (a.length !== b.length) return false;
  const counts = new Map<string, number>();
  for (const r of a) counts.set(rowKey(r), (counts.get(rowKey(r)) ?? 0) + 1);
  for (const r of b) {
    const k = rowKey(r);
    const c = counts.get(k);
    if (c === undefined || c === 0) return false;
    counts.set(k, c - 1);
  }
  return true;
}
