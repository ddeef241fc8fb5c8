/**
 * The coordinator: owns all mutable adapter state (catalog, oracle, read holds, sessions) on the one
 * event loop. It boots from persist (replaying the durable catalog and restarting dataflows), hands
 * out sessions, and offers the sequencer the operations plans are made of: durable catalog changes,
 * dataflow creation, reads at a chosen timestamp and table writes.
 */
import { ComputeController, type DataflowDescription, consolidate, errorsShardId, applyFinishing, evaluateMir, expandCounts } from '../compute/index.ts';
import { errorFromRow } from '../dataflow/index.ts';
import { type GlobalId, type MirRelationExpr, type MirScalarExpr, type RowSetFinishing, arity, dependsOn } from '../expr/index.ts';
import type { PersistClient, Shard } from '../persist/index.ts';
import { type Diff, type Frontier, type Row, type Timestamp, type Update, compareFrontier, maxFrontier, minFrontier, ts } from '../repr/index.ts';
import { initParser, parseStatements, planStatement, type Plan, type PlanContext, type SubscribeOutput } from '../sql/index.ts';
import { TableController } from '../storage/index.ts';
import { bindMzNow, optimize } from '../transform/index.ts';
import { Deferred, type Logger, SqlError, SqlState, silentLogger } from '../util/index.ts';
import { dropLeftoverTempShards } from './temp.ts';
import { Catalog, type CatalogItem, type DurableEntry, TEMP_SCHEMA, durableItem, entryKey, itemFromExtra } from './catalog.ts';
import { TimestampOracle } from './oracle.ts';
import { ReadHolds } from './read-holds.ts';
import type { AdapterClient, Session, StartupParams } from './session-api.ts';
import { SessionImpl } from './session.ts';
import { SubscribeStream } from './subscribe.ts';
import { compactionWindow } from './retain-history.ts';
import { BuiltinCatalog, CatalogFunctionBinder } from './builtins/index.ts';
import { SourceManager, subsourceError } from './sources.ts';
import { ensureDefaultCluster, runsOnCluster } from './clusters.ts';
import { type FastPath, fastPath, indexOn, indexedViews, substituteIndexedViews } from './index-use.ts';
import { preOptimized, preOptimizedDeps } from './plan-cache.ts';
import { type IsolationLevel, type ReadInput, type TimestampDecision, determineTimestamp, readFrontiers } from './timestamp-selection.ts';

const CATALOG_SHARD = 'catalog';
/** How much history every collection keeps beyond its read holds (Materialize's default RETAIN HISTORY is 1s). */
const DEFAULT_RETAIN_MS = 1000;
const COMPACTION_INTERVAL_MS = 1000;
const TICK_INTERVAL_MS = 1000;

export interface CoordinatorConfig {
  readonly persist: PersistClient;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export class Coordinator implements AdapterClient {
  readonly catalog = new Catalog();
  readonly tables: TableController;
  readonly compute: ComputeController;
  readonly holds = new ReadHolds();
  readonly logger: Logger;
  oracle: TimestampOracle;
  readonly #persist: PersistClient;
  #catalogShard!: Shard;
  /** The durable catalog entries as currently persisted, by key (to write exact retractions). */
  readonly #durable = new Map<string, string>();
  readonly #sessions = new Map<number, SessionImpl>();
  readonly #storedShards = new Map<GlobalId, Shard>();
  readonly builtins: BuiltinCatalog;
  readonly sources: SourceManager;
  #nextConnectionId = 1;
  #nextTransientId = 1;
  /** Serializes every write (DDL and DML): one writer at a time keeps table appends ordered. */
  #writeLock: Promise<void> = Promise.resolve();
  #compactionTimer: NodeJS.Timeout | undefined;
  #tickTimer: NodeJS.Timeout | undefined;
  readonly #subscribes = new Map<GlobalId, SubscribeStream>();
  readonly #now: () => number;

  private constructor(config: CoordinatorConfig) {
    this.#persist = config.persist;
    this.logger = config.logger ?? silentLogger;
    this.#now = config.now ?? Date.now;
    this.tables = new TableController(config.persist);
    this.builtins = new BuiltinCatalog(config.persist);
    this.sources = new SourceManager(config.persist, this.logger.child({ layer: 'storage' }));
    this.catalog.system = this.builtins;
    this.catalog.sourceStatus = (id) => this.#sourceStatus(id);
    this.catalog.frontiers = (id) => this.#frontiersOf(id);
    this.compute = new ComputeController({ persist: config.persist, logger: this.logger.child({ layer: 'compute' }) });
    this.oracle = new TimestampOracle(ts(0), this.#now);
  }

  static async open(config: CoordinatorConfig): Promise<Coordinator> {
    await initParser();
    const coord = new Coordinator(config);
    await coord.#bootstrap();
    return coord;
  }

  // --- boot ------------------------------------------------------------------------------------

  async #bootstrap(): Promise<void> {
    const started = Date.now();
    this.#catalogShard = await this.#persist.open(CATALOG_SHARD);
    const upper = this.#catalogShard.upper();
    const entries: DurableEntry[] = [];
    if (upper !== 'closed' && upper > 0) {
      for (const [row, , diff] of await this.#catalogShard.snapshot(ts(upper - 1))) {
        if (diff !== 1) throw new SqlError(SqlState.dataCorrupted, `catalog entry ${String(row[0])} has multiplicity ${diff}`);
        this.#durable.set(row[0] as string, row[1] as string);
        entries.push(JSON.parse(row[1] as string) as DurableEntry);
      }
    }
    if (entries.length === 0) {
      this.oracle = new TimestampOracle(ts(0), this.#now);
      await this.#initializeFreshCatalog();
    } else {
      await this.#replay(entries);
    }
    await ensureDefaultCluster(this);
    await this.builtins.open();
    // A crash leaves temporary tables' shards behind; temporary items themselves were never durable.
    await dropLeftoverTempShards(this.#persist);
    const initial = Math.max(numericFrontier(this.#catalogShard.upper()), this.tables.maxUpper(), this.#mvMaxUpper(), this.#builtinMaxUpper());
    this.oracle = new TimestampOracle(ts(initial), this.#now);
    await this.afterCatalogChange();
    await this.tables.advanceAll(ts(this.oracle.readTs() + 1));
    await this.#startDataflows();
    for (const item of this.catalog.items()) {
      if (item.extra?.kind === 'postgres-source' || item.extra?.kind === 'load-generator') {
        this.logger.info({ source: item.name.item }, 'resuming source');
        await this.sources.start(this, item);
      }
    }
    this.#compactionTimer = setInterval(() => void this.#compact().catch((e: unknown) => this.logger.warn({ err: e }, 'compaction failed')), COMPACTION_INTERVAL_MS);
    this.#compactionTimer.unref();
    // Logical time moves on even when nothing is written: tables advance to "now" every tick, so
    // subscribes, serializable reads and (later) temporal filters make progress.
    this.#tickTimer = setInterval(() => void this.#tick(), TICK_INTERVAL_MS);
    this.#tickTimer.unref();
    this.compute.onResponse((r) => {
      if (r.kind !== 'SubscribeResponse') return;
      this.#subscribes.get(r.id)?.accept(r.batch);
    });
    this.logger.info({ items: this.catalog.items().length, ms: Date.now() - started }, 'catalog loaded');
  }

  /** Status of a source (its ingestion) or subsource (its source's, or its own error) for mz_source_statuses. */
  #sourceStatus(id: GlobalId): { status: string; error: string | undefined } | undefined {
    const item = this.catalog.getItem(id);
    const sourceId = item?.extra?.kind === 'subsource' ? item.extra.source : id;
    const generator = this.sources.generator(sourceId);
    if (generator !== undefined) {
      const g = generator.status();
      return { status: g.state === 'stopped' ? 'paused' : g.state, error: g.error };
    }
    const handle = this.sources.handle(sourceId);
    if (handle === undefined) return undefined;
    const s = handle.status();
    const own = item?.extra?.kind === 'subsource' ? s.subsources?.find((x) => x.shardId === item.shardId)?.error : undefined;
    const state = s.state === 'stopped' ? 'paused' : s.state;
    if (own !== undefined) return { status: 'stalled', error: own };
    return { status: state, error: s.error };
  }

  /** Since and upper of a user collection (mz_internal.mz_frontiers): stored ones from storage, indexes from compute. */
  #frontiersOf(id: GlobalId): { read: Frontier; write: Frontier } | undefined {
    const item = this.catalog.getItem(id);
    if (item === undefined) return undefined;
    if (item.kind === 'index') return { read: this.compute.since(id), write: this.compute.upper(id) };
    if (item.kind !== 'table' && !this.#storedShards.has(id)) return undefined;
    const { since, upper } = this.#inputFrontiers([id]);
    return { read: since, write: upper };
  }

  #ticking = false;

  /** An empty write at a fresh timestamp to every table: time passes for everything that reads them. */
  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const at = this.oracle.writeTs();
      await Promise.all([this.tables.advanceAll(ts(at + 1)), this.builtins.syncLive(this.catalog, at).then(() => this.builtins.advance(at + 1))]);
      this.oracle.applyWrite(at);
    } catch (err) {
      this.logger.warn({ err }, 'advancing table frontiers failed');
    } finally {
      this.#ticking = false;
    }
  }

  async #initializeFreshCatalog(): Promise<void> {
    const db = { type: 'database' as const, id: 'u1', oid: this.catalog.allocateOid(), name: 'materialize' };
    const schema = { type: 'schema' as const, id: 'u3', oid: this.catalog.allocateOid(), database: 'materialize', name: 'public' };
    this.catalog.addDatabase(db);
    this.catalog.addSchema(schema);
    await this.persistCatalog([db, schema], []);
  }

  async #replay(entries: DurableEntry[]): Promise<void> {
    const items: Extract<DurableEntry, { type: 'item' }>[] = [];
    for (const e of entries) {
      switch (e.type) {
        case 'database': this.catalog.addDatabase(e); break;
        case 'schema': this.catalog.addSchema(e); break;
        case 'idAlloc':
          this.catalog.nextId = e.nextId;
          this.catalog.nextOid = e.nextOid;
          if (e.nextClusterId !== undefined) {
            this.catalog.nextClusterId = e.nextClusterId;
            this.catalog.nextReplicaId = e.nextReplicaId ?? 1;
            this.catalog.clustersInitialized = true;
          }
          break;
        case 'cluster': this.catalog.clusters.set(e.id, { id: e.id, name: e.name, managed: e.managed, size: e.size, replicationFactor: e.replicationFactor }); break;
        case 'clusterReplica': this.catalog.clusterReplicas.set(e.id, { id: e.id, name: e.name, clusterId: e.clusterId, size: e.size }); break;
        case 'item': items.push(e); break;
      }
    }
    items.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
    for (const e of items) {
      const planned = e.extra !== undefined ? itemFromExtra(e, e.extra) : this.itemFromPlan(this.#planDurable(e), e.id, e.oid, e.shardId);
      // The durable name is authoritative (ALTER ... RENAME), and comments live beside the definition.
      const item = { ...planned, name: e.name, ...(e.comments === undefined ? {} : { comments: e.comments }), ...(e.resolvedIn === undefined ? {} : { resolvedIn: e.resolvedIn }) };
      // Items from before clusters were recorded ran on the only cluster, which boot then names quickstart (u1).
      const clusterId = e.clusterId ?? (!this.catalog.clustersInitialized && runsOnCluster(item) ? 'u1' : undefined);
      this.catalog.addItem(clusterId === undefined ? item : { ...item, clusterId });
      if ((item.extra?.kind === 'subsource' || item.extra?.kind === 'load-generator') && item.shardId !== undefined) await this.openStoredShard(item.id, item.shardId);
      if (item.kind === 'table') await this.tables.openTable(item.id, item.shardId!);
      if (item.kind === 'materialized-view') await this.openStoredShard(item.id, item.shardId!);
    }
  }

  #planDurable(e: Extract<DurableEntry, { type: 'item' }>): Plan {
    // Resolve names where CREATE resolved them (entries from before that was recorded: the item's own schema).
    const database = e.resolvedIn?.database ?? e.name.database;
    const searchPath = e.resolvedIn === undefined ? [e.name.schema] : [...e.resolvedIn.searchPath, e.name.schema];
    const functions = new CatalogFunctionBinder(this.catalog, {
      database, searchPath, user: 'materialize', backendPid: 0, setting: () => undefined,
    });
    const ctx: PlanContext = { catalog: this.catalog, database, searchPath, paramTypes: [], functions };
    const [stmt] = parseStatements(e.createSql);
    if (stmt === undefined) throw new SqlError(SqlState.dataCorrupted, `catalog entry ${e.id} has no statement`);
    return planStatement(stmt, ctx);
  }

  /** Restarts the dataflows of materialized views and indexes after a restart. */
  async #startDataflows(): Promise<void> {
    for (const item of this.catalog.items()) {
      if (item.kind === 'materialized-view') {
        const upper = this.#storedShards.get(item.id)!.upper();
        const inputsSince = this.#inputFrontiers(item.dependsOn).since;
        const resumeAt = upper === 'closed' || upper === 0 ? 0 : upper - 1;
        const asOf = ts(Math.max(numericFrontier(inputsSince), resumeAt));
        this.logger.info({ id: item.id, name: item.name.item, asOf }, 'hydrating materialized view');
        this.compute.send({ kind: 'CreateDataflow', dataflow: this.dataflowFor(item, asOf) });
        this.#logHydrated(item, asOf);
      } else if (item.kind === 'index') {
        const asOf = ts(Math.max(numericFrontier(this.#inputFrontiers([item.indexOn!]).since), this.oracle.readTs()));
        this.logger.info({ id: item.id, name: item.name.item, asOf }, 'hydrating index');
        this.compute.send({ kind: 'CreateDataflow', dataflow: this.dataflowFor(item, asOf) });
        this.#logHydrated(item, asOf);
      }
    }
  }

  #builtinMaxUpper(): number {
    let m = 0;
    for (const r of this.builtins.all()) m = Math.max(m, numericFrontier(this.builtins.upper(r.id)));
    return m;
  }

  /** Brings the builtin catalog relations up to date with the catalog. Caller holds the write lock (or is booting). */
  async afterCatalogChange(): Promise<void> {
    const at = this.oracle.writeTs();
    await this.builtins.sync(this.catalog, at);
    this.oracle.applyWrite(at);
  }

  /** Logs when a restarted dataflow has caught up to where it started (its upper passed asOf). */
  #logHydrated(item: CatalogItem, asOf: Timestamp): void {
    const started = Date.now();
    this.compute.waitForUpper(item.id, asOf).then(
      () => this.logger.info({ id: item.id, name: item.name.item, ms: Date.now() - started }, `${item.kind === 'index' ? 'index' : 'materialized view'} hydrated`),
      () => undefined,
    );
  }

  #mvMaxUpper(): number {
    let m = 0;
    for (const shard of this.#storedShards.values()) m = Math.max(m, numericFrontier(shard.upper()));
    return m;
  }

  /** Opens the shard of a materialized view or subsource (its since/upper are the collection's frontiers). */
  async openStoredShard(id: GlobalId, shardId: string): Promise<Shard> {
    const shard = await this.#persist.open(shardId);
    this.#storedShards.set(id, shard);
    return shard;
  }

  /** Forgets a stored shard; drops its data unless someone else (a source) owns that. */
  async dropStoredShard(id: GlobalId, dropData = true): Promise<void> {
    const shard = this.#storedShards.get(id);
    this.#storedShards.delete(id);
    if (!dropData || shard === undefined) return;
    await shard.drop();
    // A materialized view's evaluation errors live beside it (compute's errors shard).
    const errors = errorsShardId(shard.id);
    if ((await this.#persist.list()).includes(errors)) await (await this.#persist.open(errors)).drop();
  }

  // --- sessions --------------------------------------------------------------------------------

  startSession(params: StartupParams): Session {
    const id = this.#nextConnectionId++;
    const secret = (Math.random() * 0x7fffffff) | 0;
    const session = new SessionImpl(this, id, secret, params);
    this.#sessions.set(id, session);
    return session;
  }

  cancelRequest(connectionId: number, secretKey: number): void {
    const s = this.#sessions.get(connectionId);
    if (s !== undefined && s.secretKey === secretKey) s.cancel();
  }

  sessionClosed(id: number): void {
    this.#sessions.delete(id);
  }

  async shutdown(): Promise<void> {
    if (this.#compactionTimer) clearInterval(this.#compactionTimer);
    if (this.#tickTimer) clearInterval(this.#tickTimer);
    for (const s of this.#subscribes.values()) s.close();
    await this.tables.settled();
    await this.sources.stopAll();
    for (const s of this.#sessions.values()) s.close();
    await this.#writeLock;
  }

  // --- durable catalog -------------------------------------------------------------------------

  /** Catalog changes collected by `catalogTransaction`, in order, instead of being appended one by one. */
  #catalogBatch: { readonly add: readonly DurableEntry[]; readonly remove: readonly DurableEntry[] }[] | undefined;

  /**
   * Runs `f` (several DDL steps) so that all their durable catalog changes become one atomic append
   * when it returns: a crash leaves either none or all of them. Caller holds the write lock.
   */
  async catalogTransaction<T>(f: () => Promise<T>): Promise<T> {
    if (this.#catalogBatch !== undefined) return f();
    const batch: { readonly add: readonly DurableEntry[]; readonly remove: readonly DurableEntry[] }[] = [];
    this.#catalogBatch = batch;
    let result: T;
    try {
      result = await f();
    } finally {
      this.#catalogBatch = undefined;
    }
    // Net effect per key: the last write wins; an entry created and removed within the batch vanishes.
    const net = new Map<string, { entry: DurableEntry; present: boolean }>();
    for (const { add, remove } of batch) {
      for (const e of remove) net.set(entryKey(e), { entry: e, present: false });
      for (const e of add) net.set(entryKey(e), { entry: e, present: true });
    }
    if (net.size > 0) {
      const values = [...net.values()];
      await this.persistCatalog(values.filter((v) => v.present).map((v) => v.entry), values.filter((v) => !v.present).map((v) => v.entry));
    }
    return result;
  }

  /** Appends catalog changes atomically at a fresh write timestamp. Caller holds the write lock. */
  async persistCatalog(add: readonly DurableEntry[], remove: readonly DurableEntry[]): Promise<Timestamp> {
    // Temporary items (schema mz_temp) live only in memory: they must not survive a restart (temp.ts).
    if ([...add, ...remove].some(isTempEntry)) {
      add = add.filter((e) => !isTempEntry(e));
      remove = remove.filter((e) => !isTempEntry(e));
      if (add.length === 0 && remove.length === 0) return this.oracle.readTs();
    }
    if (this.#catalogBatch !== undefined) {
      this.#catalogBatch.push({ add, remove });
      return this.oracle.readTs();
    }
    const updates: [Row, Diff][] = [];
    const alloc: DurableEntry = { type: 'idAlloc', nextId: this.catalog.nextId, nextOid: this.catalog.nextOid, nextClusterId: this.catalog.nextClusterId, nextReplicaId: this.catalog.nextReplicaId };
    for (const e of [...remove, ...add, alloc]) {
      const key = entryKey(e);
      const old = this.#durable.get(key);
      if (old !== undefined) updates.push([[key, old], -1]);
    }
    const next = new Map<string, string>();
    for (const e of [...add, alloc]) next.set(entryKey(e), JSON.stringify(e));
    for (const [key, value] of next) updates.push([[key, value], 1]);
    const at = this.oracle.writeTs();
    const upper = this.#catalogShard.upper();
    if (upper === 'closed') throw new SqlError(SqlState.internalError, 'internal error: catalog shard closed');
    const stamped: Update[] = consolidate(updates).map(([row, diff]) => [row, at, diff] as const);
    const r = await this.#catalogShard.compareAndAppend(stamped, upper, ts(at + 1));
    if (!r.ok) throw new SqlError(SqlState.internalError, 'internal error: the catalog was changed by another process (fenced)');
    for (const e of remove) this.#durable.delete(entryKey(e));
    for (const [key, value] of next) this.#durable.set(key, value);
    this.oracle.applyWrite(at);
    return at;
  }

  /** Runs `f` as the only writer. */
  async withWriteLock<T>(f: () => Promise<T>): Promise<T> {
    const prev = this.#writeLock;
    let release!: () => void;
    this.#writeLock = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await f();
    } finally {
      release();
    }
  }

  // --- items and dataflows ---------------------------------------------------------------------

  /** The catalog item a CREATE plan describes (no side effects). */
  itemFromPlan(plan: Plan, id: GlobalId, oid: number, shardId?: string): CatalogItem {
    switch (plan.kind) {
      case 'createTable':
        return { id, oid, name: plan.name, kind: 'table', desc: plan.desc, defaults: plan.defaults, createSql: plan.createSql, shardId: shardId ?? `table-${id}`, dependsOn: [] };
      case 'createView':
        return { id, oid, name: plan.name, kind: 'view', desc: plan.desc, plan: plan.plan, createSql: plan.createSql, dependsOn: referenced(plan.dependsOn, plan.plan) };
      case 'createMaterializedView':
        return { id, oid, name: plan.name, kind: 'materialized-view', desc: plan.desc, plan: plan.plan, createSql: plan.createSql, shardId: shardId ?? `mv-${id}`, dependsOn: referenced(plan.dependsOn, plan.plan) };
      case 'createIndex': {
        const on = this.catalog.getItem(plan.on);
        return { id, oid, name: plan.name, kind: 'index', indexOn: plan.on, indexKeys: plan.keys, createSql: plan.createSql, dependsOn: [plan.on], ...(on?.desc ? { desc: on.desc } : {}) };
      }
      default:
        throw new SqlError(SqlState.internalError, `internal error: ${plan.kind} does not create a catalog item`);
    }
  }

  /** The dataflow that maintains a materialized view or an index, reading its inputs as of `asOf`. */
  dataflowFor(item: CatalogItem, asOf: Timestamp): DataflowDescription {
    if (item.kind === 'materialized-view') {
      const plan = optimize(item.plan!);
      return {
        debugName: item.name.item,
        sourceImports: this.#sourceImports(dependsOn(plan)),
        indexImports: [],
        objectsToBuild: [{ id: item.id, plan }],
        indexExports: [],
        sinkExports: [{ id: item.id, from: item.id, shardId: item.shardId! }],
        asOf,
      };
    }
    if (item.kind === 'index') {
      const on = this.catalog.getItem(item.indexOn!)!;
      const persisted = on.shardId !== undefined;
      return {
        debugName: item.name.item,
        sourceImports: persisted ? this.#sourceImports([on.id]) : this.#sourceImports(dependsOn(on.plan!)),
        indexImports: [],
        objectsToBuild: persisted ? [] : [{ id: on.id, plan: optimize(on.plan!) }],
        indexExports: [{ id: item.id, on: on.id, keys: item.indexKeys ?? [] }],
        sinkExports: [],
        asOf,
      };
    }
    throw new SqlError(SqlState.internalError, `internal error: ${item.kind} has no dataflow`);
  }

  #sourceImports(ids: Iterable<GlobalId>): DataflowDescription['sourceImports'] {
    const out: { id: GlobalId; shardId: string; types: readonly import('../repr/index.ts').ScalarType[] }[] = [];
    for (const id of ids) {
      const item = this.catalog.getItem(id);
      if (item === undefined || item.shardId === undefined) throw new SqlError(SqlState.internalError, `internal error: ${id} is not a stored collection`);
      out.push({ id, shardId: item.shardId, types: item.desc!.columns.map((c) => c.type) });
    }
    return out;
  }

  /** Since (greatest) and upper (least) over stored inputs. */
  #inputFrontiers(ids: Iterable<GlobalId>): { since: Frontier; upper: Frontier } {
    let since: Frontier = ts(0);
    let upper: Frontier = 'closed';
    for (const id of ids) {
      const item = this.catalog.getItem(id);
      if (item === undefined) continue;
      let s: Frontier;
      let u: Frontier;
      if (this.builtins.get(id) !== undefined) {
        s = this.builtins.since(id);
        u = this.builtins.upper(id);
      } else if (item.kind === 'table') {
        s = this.tables.since(id);
        u = this.tables.upper(id);
      } else if (this.#storedShards.has(id)) {
        const shard = this.#storedShards.get(id);
        s = shard?.since() ?? ts(0);
        u = shard?.upper() ?? ts(0);
      } else {
        continue;
      }
      since = maxFrontier(since, s);
      upper = minFrontier(upper, u);
    }
    return { since, upper };
  }

  /** Advances the uppers of everything the adapter writes (tables, builtin relations) to at least `to`. */
  async advanceStored(to: Timestamp): Promise<void> {
    await Promise.all([this.tables.advanceAll(to), this.builtins.advance(to)]);
  }

  /**
   * Like advanceStored, for a read of `ids` (views stand for their inputs): the builtin relations
   * (a hundred-odd shards) only when the read involves one — a point SELECT must not pay for them.
   */
  async #advanceFor(ids: Iterable<GlobalId>, to: Timestamp): Promise<void> {
    for (const id of ids) {
      const item = this.catalog.getItem(id);
      const inputs = item?.kind === 'view' && item.plan !== undefined ? this.#viewInputs(item.plan) : [id];
      for (const input of inputs) if (this.builtins.get(input) !== undefined) return this.advanceStored(to);
    }
    await this.tables.advanceAll(to);
  }

  #indexedViewsMemo: { readonly generation: number; readonly views: ReturnType<typeof indexedViews> } | undefined;

  /** The catalog's indexed views, recomputed only when the catalog changed (every read asks). */
  #indexedViews(): ReturnType<typeof indexedViews> {
    const generation = this.catalog.generation;
    if (this.#indexedViewsMemo?.generation !== generation) this.#indexedViewsMemo = { generation, views: indexedViews(this.catalog) };
    return this.#indexedViewsMemo.views;
  }

  transientId(): GlobalId {
    return `t${this.#nextTransientId++}`;
  }

  // --- reads -----------------------------------------------------------------------------------

  /**
   * Waits until every source-fed input of `plan` is readable at some time (a new source hides its
   * snapshot behind `since` until the snapshot is complete). Choosing a timestamp before that could
   * pick a time the snapshot will never be readable at.
   */
  async waitUntilReadable(plan: MirRelationExpr, signal?: AbortSignal): Promise<void> {
    for (const id of dependsOn(plan)) {
      const kind = this.catalog.getItem(id)?.extra?.kind;
      if (kind !== 'subsource' && kind !== 'load-generator') continue;
      const shard = this.#storedShards.get(id);
      if (shard === undefined) continue;
      const readable = (): boolean => {
        const since = shard.since();
        const upper = shard.upper();
        return since === 'closed' || upper === 'closed' || (upper > 0 && since < upper);
      };
      while (!readable()) {
        if (signal?.aborted) throw canceled();
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  /** The time a new index or materialized view starts at: the latest write, but never before its inputs' since. */
  async dataflowAsOf(item: CatalogItem, signal?: AbortSignal): Promise<Timestamp> {
    const inputs = item.plan ?? (item.indexOn !== undefined ? this.catalog.getItem(item.indexOn)?.plan : undefined);
    const ids = inputs !== undefined ? dependsOn(inputs) : new Set(item.dependsOn);
    if (inputs !== undefined) await this.waitUntilReadable(inputs, signal);
    else for (const id of ids) await this.waitUntilReadable({ kind: 'get', id, types: [] }, signal);
    return ts(Math.max(this.oracle.readTs(), numericFrontier(this.#inputFrontiers(ids).since)));
  }

  /**
   * Chooses the timestamp for a read of `plan` (see timestamp-selection.ts). `via: 'indexes'` (a
   * SELECT, which runQuery serves from indexes where it can) counts the frontiers of the indexes
   * that would serve it; a SUBSCRIBE reads storage only.
   */
  selectTimestamp(plan: MirRelationExpr, isolation: IsolationLevel, asOf?: { ts: number; atLeast: boolean }, pinned?: Timestamp, via: 'indexes' | 'storage' = 'indexes'): TimestampDecision {
    const f = readFrontiers(this.#readInputs(plan, via));
    return determineTimestamp({
      since: f.since, upper: f.upper, isolation, oracleReadTs: this.oracle.readTs(), inputReasons: () => f.reasons,
      ...(asOf === undefined ? {} : { asOf }),
      ...(pinned === undefined ? {} : { pinned }),
    });
  }

  readonly #viewInputsMemo = new WeakMap<MirRelationExpr, ReadonlySet<GlobalId>>();

  /** `dependsOn` of a view's (immutable) plan, computed once per plan object. */
  #viewInputs(plan: MirRelationExpr): ReadonlySet<GlobalId> {
    let deps = this.#viewInputsMemo.get(plan);
    if (deps === undefined) this.#viewInputsMemo.set(plan, (deps = dependsOn(plan)));
    return deps;
  }

  /** The collections a read of `plan` depends on: indexed views as runQuery reads them (index-use.ts), with the index that serves each. */
  #readInputs(plan: MirRelationExpr, via: 'indexes' | 'storage'): ReadInput[] {
    // A cached prepared read knows what its optimized form (the one runQuery runs) reads.
    const deps = via === 'indexes'
      ? preOptimizedDeps(plan, true) ?? dependsOn(substituteIndexedViews(plan, this.#indexedViews()))
      : dependsOn(plan);
    return [...deps].map((id) => {
      const item = this.catalog.getItem(id);
      const stored = item?.kind === 'view' && item.plan !== undefined ? this.#inputFrontiers(this.#viewInputs(item.plan)) : this.#inputFrontiers([id]);
      const name = item === undefined ? id : item.name.item;
      // The index reaching furthest back (runQuery reads whichever index is readable at the chosen time).
      let index: ReadInput['index'];
      for (const idx of via === 'indexes' ? this.catalog.indexesOn(id) : []) {
        const since = this.compute.since(idx.id);
        if (index === undefined || compareFrontier(since, index.since) < 0) index = { name: idx.name.item, since, upper: this.compute.upper(idx.id) };
      }
      return index === undefined ? { name, stored } : { name, stored, index };
    });
  }

  /** Optimizes a read; one at a time (`indexed`, not a constant query) may use the indexes of views it inlined. */
  optimizeRead(plan: MirRelationExpr, indexed: boolean): MirRelationExpr {
    // Join ordering prefers inputs it can look up through an existing index.
    const indexedKeys = (id: GlobalId): readonly (readonly MirScalarExpr[])[] => this.catalog.indexesOn(id).flatMap((i) => (i.indexKeys === undefined ? [] : [i.indexKeys]));
    return optimize(indexed ? substituteIndexedViews(plan, this.#indexedViews()) : plan, { indexedKeys });
  }

  /**
   * Evaluates `plan` at time `at` and applies `finishing`. Constant plans are evaluated directly;
   * others run as a transient dataflow (reading stored inputs as of `at`) whose index is peeked and dropped.
   */
  async runQuery(unoptimized: MirRelationExpr, finishing: RowSetFinishing, at: Timestamp | undefined, signal?: AbortSignal): Promise<Row[]> {
    // A prepared statement's read comes optimized from the session's plan cache (plan-cache.ts).
    // Otherwise mz_now() is bound to the read's logical time (for constant queries: the latest
    // completed write) and the plan optimized here.
    const plan = preOptimized(unoptimized, at !== undefined) ?? this.optimizeRead(bindMzNow(unoptimized, at ?? this.oracle.readTs()), at !== undefined);
    const deps = dependsOn(plan);
    if (deps.size === 0 || at === undefined) return evaluateConstant(plan, finishing);
    const fast = fastPath(this.catalog, plan);
    if (fast !== undefined && this.#indexReadableAt(fast.index.id, at)) return this.#peekIndex(plan, fast, finishing, at, signal);
    await this.advanceStored(ts(at + 1));
    const hold = this.holds.acquire(at);
    const viewId = this.transientId();
    const indexId = `${viewId}-idx`;
    try {
      this.compute.send({
        kind: 'CreateDataflow',
        dataflow: {
          debugName: `peek-${viewId}`,
          sourceImports: this.#sourceImports([...deps].filter((d) => this.#usableIndex(d, at) === undefined)),
          indexImports: [...deps].flatMap((d) => {
            const idx = this.#usableIndex(d, at);
            return idx === undefined ? [] : [{ indexId: idx.id, on: d }];
          }),
          objectsToBuild: [{ id: viewId, plan }],
          indexExports: [{ id: indexId, on: viewId, keys: [] }],
          sinkExports: [],
          asOf: at,
        },
      });
      const peek = this.compute.peek(indexId, at, finishing).catch((err: unknown) => {
        throw evaluationError(err);
      });
      const rows = await abortable(peek, signal);
      for (const id of deps) {
        const item = this.catalog.getItem(id);
        const err = item === undefined ? undefined : await subsourceError(this, this.#persist, item, at);
        if (err !== undefined) throw err;
      }
      return rows;
    } finally {
      this.compute.send({ kind: 'AllowCompaction', id: indexId, frontier: 'closed' });
      this.holds.release(hold);
    }
  }

  /** Starts a SUBSCRIBE dataflow for `plan` reading as of `asOf`; the stream drops it when closed. */
  async subscribe(plan: MirRelationExpr, opts: { asOf: Timestamp; snapshot: boolean; progress: boolean; upTo?: number; output?: SubscribeOutput; timeless?: boolean }): Promise<SubscribeStream> {
    const optimized = optimize(plan);
    const viewId = this.transientId();
    const subscribeId = `${viewId}-sub`;
    await this.advanceStored(ts(opts.asOf + 1));
    const stream = new SubscribeStream(subscribeId, {
      asOf: opts.asOf, snapshot: opts.snapshot, progress: opts.progress, arity: arity(optimized),
      ...(opts.upTo === undefined ? {} : { upTo: opts.upTo }),
      ...(opts.output === undefined ? {} : { output: opts.output }),
      ...(opts.timeless === undefined ? {} : { timeless: opts.timeless }),
      onClose: () => {
        if (!this.#subscribes.delete(subscribeId)) return;
        this.compute.send({ kind: 'AllowCompaction', id: subscribeId, frontier: 'closed' });
      },
    });
    this.#subscribes.set(subscribeId, stream);
    try {
      this.compute.send({
        kind: 'CreateDataflow',
        dataflow: {
          debugName: `subscribe-${viewId}`,
          sourceImports: this.#sourceImports(dependsOn(optimized)),
          indexImports: [],
          objectsToBuild: [{ id: viewId, plan: optimized }],
          indexExports: [],
          sinkExports: [],
          subscribeExports: [{ id: subscribeId, from: viewId, ...(opts.upTo === undefined ? {} : { upTo: ts(opts.upTo) }) }],
          asOf: opts.asOf,
        },
      });
    } catch (err) {
      this.#subscribes.delete(subscribeId);
      throw err;
    }
    return stream;
  }

  /** An index on `id` that still holds the history at `at`, if any. */
  #usableIndex(id: GlobalId, at: Timestamp): CatalogItem | undefined {
    // Any index on `id` will do; one with a longer RETAIN HISTORY may be the only one that reaches back to `at`.
    return this.catalog.indexesOn(id).find((idx) => this.#indexReadableAt(idx.id, at));
  }

  #indexReadableAt(indexId: GlobalId, at: Timestamp): boolean {
    const since = this.compute.since(indexId);
    return since !== 'closed' && since <= at;
  }

  /** Fast path: reads an existing index at `at` (one key if possible) and evaluates the rest of the plan here. */
  async #peekIndex(plan: MirRelationExpr, fast: FastPath, finishing: RowSetFinishing, at: Timestamp, signal?: AbortSignal): Promise<Row[]> {
    await this.#advanceFor([fast.on], ts(at + 1));
    const hold = this.holds.acquire(at);
    try {
      const on = this.catalog.getItem(fast.on)!;
      const peek = this.compute.peek(fast.index.id, at, allColumns(on.desc?.columns.length ?? 0), fast.key).catch((err: unknown) => {
        throw evaluationError(err);
      });
      const rows = await abortable(peek, signal);
      const { oks, errs } = evaluateMir(plan, { collections: new Map([[fast.on, rows.map((r) => [r, 1] as [Row, number])]]) });
      const first = errs[0];
      if (first !== undefined) throw evaluationError(errorFromRow(first[0]));
      return applyFinishing(expandCounts(oks), finishing);
    } finally {
      this.holds.release(hold);
    }
  }

  // --- writes ----------------------------------------------------------------------------------

  readonly #pendingWrites: { readonly id: GlobalId; readonly updates: readonly (readonly [Row, Diff])[]; readonly done: Deferred<Timestamp> }[] = [];
  #flushScheduled = false;

  /**
   * Group commit: writes that need no read (INSERT ... VALUES, COPY, committed insert transactions)
   * queue here and are appended together at one timestamp — one durable append per table for all
   * writers that arrived meanwhile. Each resolves once its own table's append is durable.
   */
  groupCommit(id: GlobalId, updates: readonly (readonly [Row, Diff])[]): Promise<Timestamp> {
    const done = new Deferred<Timestamp>();
    this.#pendingWrites.push({ id, updates, done });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => void this.withWriteLock(() => this.#flushWrites()));
    }
    return done.promise;
  }

  async #flushWrites(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#pendingWrites.splice(0);
    if (batch.length === 0) return;
    const at = this.oracle.writeTs();
    const byTable = new Map<GlobalId, { updates: (readonly [Row, Diff])[]; writers: Deferred<Timestamp>[] }>();
    for (const w of batch) {
      let t = byTable.get(w.id);
      if (t === undefined) byTable.set(w.id, (t = { updates: [], writers: [] }));
      for (const u of w.updates) t.updates.push(u);
      t.writers.push(w.done);
    }
    const results = await Promise.allSettled([...byTable].map(async ([id, t]) => {
      await this.tables.append(id, t.updates, at);
      return t;
    }));
    this.oracle.applyWrite(at);
    this.tables.advanceAllSoon(ts(at + 1));
    [...byTable.values()].forEach((t, i) => {
      const r = results[i]!;
      for (const w of t.writers) {
        if (r.status === 'fulfilled') w.resolve(at);
        else w.reject(r.reason);
      }
    });
  }

  /** Appends rows to one table at a fresh write timestamp; resolves once durable and visible to reads. */
  async writeTable(id: GlobalId, updates: readonly (readonly [Row, Diff])[]): Promise<Timestamp> {
    const at = this.oracle.writeTs();
    await this.tables.append(id, updates, at);
    this.oracle.applyWrite(at);
    this.tables.advanceAllSoon(ts(at + 1));
    return at;
  }

  // --- compaction --------------------------------------------------------------------------------

  async #compact(): Promise<void> {
    const readTs = this.oracle.readTs();
    const least = this.holds.least();
    // Each collection keeps its RETAIN HISTORY window (retain-history.ts) behind the read timestamp,
    // and never compacts past a read hold.
    const sinceOf = (id: GlobalId): number => {
      const item = this.catalog.getItem(id);
      const since = readTs - (item === undefined ? DEFAULT_RETAIN_MS : compactionWindow(this.catalog, item));
      return least === undefined ? since : Math.min(since, least);
    };
    for (const id of this.tables.ids()) {
      const since = sinceOf(id);
      if (since > 0) await this.tables.allowCompaction(id, ts(since));
    }
    // Indexes keep history only as far back as reads may still need it.
    for (const item of this.catalog.items()) {
      const since = sinceOf(item.id);
      if (item.kind === 'index' && since > 0) this.compute.send({ kind: 'AllowCompaction', id: item.id, frontier: ts(since) });
    }
    for (const [id, shard] of this.#storedShards) {
      const since = sinceOf(id);
      if (since <= 0) continue;
      const current = shard.since();
      if (current === 'closed' || since <= current || compareFrontier(shard.upper(), ts(since)) <= 0) continue;
      const extra = this.catalog.getItem(id)?.extra;
      if (extra?.kind === 'subsource') {
        // A source clamps compaction of its own shards (its recovery reads them).
        const handle = this.sources.handle(extra.source);
        if (handle !== undefined) await handle.allowCompaction(shard.id, since);
        else if (this.sources.generator(extra.source) !== undefined) await shard.downgradeSince(ts(since));
      } else {
        await shard.downgradeSince(ts(since));
      }
    }
  }
}

/**
 * An error from a dataflow's errors collection is reported as Materialize does: `Evaluation error: ...`
 * (data exceptions only: class 21, 22 and 23 SQLSTATEs; anything else passes through).
 */
export function evaluationError(err: unknown): unknown {
  if (!(err instanceof SqlError) || !/^2[123]/.test(err.code) || err.message.startsWith('Evaluation error: ')) return err;
  return new SqlError(err.code, `Evaluation error: ${err.message}`, { detail: err.detail, hint: err.hint });
}

/** What an item depends on: the items its definition names (views included) and what its plan reads. */
function referenced(named: readonly GlobalId[], plan: MirRelationExpr): GlobalId[] {
  return [...new Set([...named, ...dependsOn(plan)])];
}

/** Evaluates a plan that reads no collections; an evaluation error is raised as the statement's error. */
function evaluateConstant(plan: MirRelationExpr, finishing: RowSetFinishing): Row[] {
  // An INSERT's VALUES after optimization: its rows are the answer (no evaluator for the common case).
  if (plan.kind === 'constant' && plan.rows.every(([, d]) => d > 0)) return applyFinishing(expandCounts(plan.rows), finishing);
  const { oks, errs } = evaluateMir(plan, { collections: new Map() });
  const first = errs[0];
  if (first !== undefined) throw errorFromRow(first[0]);
  return applyFinishing(expandCounts(oks), finishing);
}

const allColumnsMemo: RowSetFinishing[] = [];

/** The finishing that returns every column of an arity-`n` collection as it is (shared: finishings are not mutated). */
function allColumns(n: number): RowSetFinishing {
  return (allColumnsMemo[n] ??= { order: [], offset: 0, project: Array.from({ length: n }, (_, i) => i) });
}

function numericFrontier(f: Frontier): number {
  return f === 'closed' ? 0 : f;
}

export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(canceled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(canceled());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}

export function canceled(): SqlError {
  return new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
}

function isTempEntry(e: DurableEntry): boolean {
  return e.type === 'item' && e.name.schema === TEMP_SCHEMA;
}
