/**
 * A running PostgreSQL source: recovers its position from its shards, takes the initial snapshot when
 * new, streams pgoutput from the slot, writes each batch of upstream transactions as one step at one
 * timestamp (SourceOutputs), acknowledges an LSN upstream only after it is durable here, keeps the
 * uppers moving while idle, and reconnects with backoff when upstream goes away. All shard writes go
 * through one serial chain, so a step, a tick and a recovery never interleave.
 */
import type pg from 'pg';
import { FENCED_SQLSTATE, type PersistClient } from '../../../persist/index.ts';
import type { Diff, Row, Timestamp } from '../../../repr/index.ts';
import { SqlError, type Logger } from '../../../util/index.ts';
import { type SourceOutputs as Outputs, type Recovery, type SourceShardIds, type Step, SourceOutputs } from '../outputs.ts';
import { type CommittedTxn, TransactionAssembler } from './assembler.ts';
import { ingestErrors } from './errors.ts';
import { type Lsn, decodePgOutput, decodeReplicationMessage, encodeStandbyStatus, formatLsn } from './protocol.ts';
import { checkPublication } from './publication-check.ts';
import type { PurifiedTable } from './purify.ts';
import { takeSnapshot } from './snapshot.ts';
import { TableDecoder } from './table-decoder.ts';
import { CopyStreamQuery, type PostgresConnectionConfig, connect, quoteIdent, quoteLiteral, rawConnection } from './wire.ts';

export interface PostgresSourceTuning {
  /** How often an idle source advances its uppers to the wall clock (ms). */
  readonly tickMs: number;
  readonly snapshotChunkRows: number;
  /** Received-but-unwritten rows above which the replication socket is paused. */
  readonly maxPendingRows: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** How often the publication's membership is re-checked (tables removed ⇒ error). */
  readonly publicationCheckMs: number;
  /** How often a standby status update is sent even without progress (keeps wal_sender_timeout away). */
  readonly statusIntervalMs: number;
}

export const defaultTuning: PostgresSourceTuning = {
  tickMs: 200,
  snapshotChunkRows: 100_000,
  maxPendingRows: 200_000,
  retryMinMs: 250,
  retryMaxMs: 10_000,
  publicationCheckMs: 5_000,
  statusIntervalMs: 10_000,
};

export interface PostgresSourceConfig {
  /** The source's name, for logs and status. */
  readonly name: string;
  readonly connection: PostgresConnectionConfig;
  readonly publication: string;
  /** The replication slot this source owns (see newSlotName). */
  readonly slotName: string;
  /** From purifyPostgresSource; subsource i writes shards.data[i]. */
  readonly tables: readonly PurifiedTable[];
  readonly shards: SourceShardIds;
  readonly tuning?: Partial<PostgresSourceTuning>;
}

export type SourceState = 'starting' | 'running' | 'stalled' | 'failed' | 'stopped';

export interface SubsourceStatus {
  readonly name: string;
  readonly shardId: string;
  /** The definite error that makes this subsource unreadable, if any. */
  readonly error: string | undefined;
}

export interface PostgresSourceStatus {
  readonly state: SourceState;
  /** Why the source is stalled or failed. */
  readonly error: string | undefined;
  /** Latest upstream WAL position seen (pg_lsn text). */
  readonly upstreamLsn: string | undefined;
  /** Upstream position up to which everything is durable in Tributary. */
  readonly ingestedLsn: string | undefined;
  /** upstreamLsn - ingestedLsn in bytes of WAL. */
  readonly lagBytes: number | undefined;
  /** The outputs' common upper (complete below it). */
  readonly upper: number;
  readonly snapshot: readonly { readonly table: string; readonly rows: number; readonly done: boolean }[];
  readonly subsources: readonly SubsourceStatus[];
}

export interface PostgresSourceHandle {
  readonly config: PostgresSourceConfig;
  status(): PostgresSourceStatus;
  /** Resolves once the outputs' upper is past `t` (or rejects if the source stops first). */
  waitForUpper(t: number): Promise<void>;
  /**
   * Lets one of the source's shards compact history before `since` (the adapter's read holds).
   * For the progress and errors shards the source clamps it: recovery reads them at the least
   * output upper - 1.
   */
  allowCompaction(shardId: string, since: number): Promise<void>;
  /** Stops ingesting (the slot stays: a restart resumes from the durable position). */
  stop(): Promise<void>;
  /** Stops, drops the replication slot upstream and drops the source's shards (DROP SOURCE). */
  drop(): Promise<void>;
}

/** A fresh slot name in Materialize's form `materialize_<32 hex digits>`. */
export function newSlotName(): string {
  return `materialize_${crypto.randomUUID().replace(/-/g, '')}`;
}

/** Starts (or resumes) ingestion; returns at once, the work continues in the background. */
export async function startPostgresSource(config: PostgresSourceConfig, persist: PersistClient, logger: Logger): Promise<PostgresSourceHandle> {
  if (config.tables.length !== config.shards.data.length) {
    throw new SqlError('XX000', `internal error: source ${config.name} has ${config.tables.length} tables but ${config.shards.data.length} data shards`);
  }
  const outputs = await SourceOutputs.open(persist, config.shards, logger);
  const source = new PostgresSource(config, outputs, logger.child({ source: config.name }));
  source.start();
  return source;
}

/** Drops a replication slot upstream, terminating a walsender still holding it. Missing slot: no-op. */
export async function dropReplicationSlot(connection: PostgresConnectionConfig, slotName: string): Promise<void> {
  const client = await connect(connection);
  try {
    for (let attempt = 0; ; attempt++) {
      await client.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [slotName]);
      try {
        await client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slotName]);
        return;
      } catch (err) {
        // 55006: still active (the terminated walsender has not exited yet).
        if ((err as { code?: string }).code !== '55006' || attempt >= 50) throw err;
        await sleep(100);
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

function isFenced(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === FENCED_SQLSTATE;
}

/** A source-wide error after which ingestion cannot continue (the slot or publication is gone). */
class DefiniteSourceError extends Error {}

interface QueueItem {
  readonly txn: CommittedTxn;
  readonly replay: boolean;
}

class PostgresSource implements PostgresSourceHandle {
  readonly config: PostgresSourceConfig;
  readonly #outputs: Outputs;
  readonly #logger: Logger;
  readonly #tuning: PostgresSourceTuning;
  readonly #decoders: TableDecoder[];
  /** Subsource index → definite error (durable, or pending in a queued step). */
  readonly #errored = new Map<number, string>();
  #state: SourceState = 'starting';
  #error: string | undefined;
  #stopped = false;
  #run: Promise<void> = Promise.resolve();
  #wakeRun: (() => void) | undefined;
  /** Every shard write runs on this chain. */
  #chain: Promise<void> = Promise.resolve();
  /** False after a failed write, until recovery re-reads the shards. */
  #consistent = false;
  /** Set during the initial snapshot, when ticks must not write. */
  #snapshotting = false;
  #definite = false;
  #fenced = false;
  #ticker: NodeJS.Timeout | undefined;
  #tickQueued = false;
  #lastPublicationCheck = 0;
  #checkingPublication = false;
  #externalErrors: [number, string][] = [];
  #snapshotProgress = new Map<string, { rows: number; done: boolean }>();
  #upstreamLsn: Lsn | undefined;
  #upperWaiters: { t: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  // --- per replication session ---
  #repl: pg.Client | undefined;
  #queue: QueueItem[] = [];
  #queuedRows = 0;
  #replay: { until: Lsn; time: Timestamp; complete: boolean } | undefined;
  #draining = false;
  #sessionError: ((err: unknown) => void) | undefined;
  #idleWalEnd: Lsn | undefined;
  #paused = false;
  #lastStatusSent = 0;

  constructor(config: PostgresSourceConfig, outputs: Outputs, logger: Logger) {
    this.config = config;
    this.#outputs = outputs;
    this.#logger = logger;
    this.#tuning = { ...defaultTuning, ...config.tuning };
    this.#decoders = config.tables.map((t) => new TableDecoder(t));
  }

  start(): void {
    this.#ticker = setInterval(() => this.#scheduleTick(), this.#tuning.tickMs);
    this.#run = this.#runLoop();
  }

  status(): PostgresSourceStatus {
    const f = this.#outputs.frontier;
    const up = this.#upstreamLsn !== undefined && f !== undefined && this.#upstreamLsn > f ? this.#upstreamLsn : f;
    return {
      state: this.#state,
      error: this.#error,
      upstreamLsn: up === undefined ? undefined : formatLsn(up),
      ingestedLsn: f === undefined ? undefined : formatLsn(f),
      lagBytes: up === undefined || f === undefined ? undefined : Number(up - f),
      upper: this.#outputs.minUpper(),
      snapshot: [...this.#snapshotProgress].map(([table, p]) => ({ table, rows: p.rows, done: p.done })),
      subsources: this.config.tables.map((t, i) => ({ name: t.subsourceName, shardId: this.config.shards.data[i]!, error: this.#errored.get(i) })),
    };
  }

  waitForUpper(t: number): Promise<void> {
    if (this.#outputs.minUpper() > t) return Promise.resolve();
    if (this.#stopped) return Promise.reject(new Error(`source ${this.config.name} is stopped`));
    return new Promise((resolve, reject) => this.#upperWaiters.push({ t, resolve, reject }));
  }

  async allowCompaction(shardId: string, since: number): Promise<void> {
    const o = this.#outputs;
    const shard = [o.progress, o.errors, ...o.data].find((s) => s.id === shardId);
    if (shard === undefined) throw new SqlError('XX000', `internal error: shard ${shardId} is not an output of source ${this.config.name}`);
    const bound = shard === o.progress || shard === o.errors ? Math.min(since, o.minUpper() - 1) : since;
    const current = shard.since();
    if (current !== 'closed' && bound > current) await shard.downgradeSince(bound as Timestamp);
  }

  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#logger.info('postgres source: stopping');
      if (this.#ticker !== undefined) clearInterval(this.#ticker);
      this.#wakeRun?.();
      await this.#endRepl();
    }
    await this.#run;
    await this.#chain;
    this.#state = 'stopped';
    for (const w of this.#upperWaiters.splice(0)) w.reject(new Error(`source ${this.config.name} stopped`));
  }

  async drop(): Promise<void> {
    await this.stop();
    await dropReplicationSlot(this.config.connection, this.config.slotName);
    for (const shard of [this.#outputs.progress, this.#outputs.errors, ...this.#outputs.data]) await shard.drop();
    this.#logger.info({ slot: this.config.slotName }, 'postgres source: dropped');
  }

  // --- the run loop: sessions with backoff ------------------------------------------------------

  async #runLoop(): Promise<void> {
    let delay = this.#tuning.retryMinMs;
    while (!this.#stopped && !this.#fenced) {
      try {
        await this.#session(() => {
          delay = this.#tuning.retryMinMs;
        });
        return;
      } catch (err) {
        this.#resetSession();
        if (this.#stopped) return;
        const message = err instanceof Error ? err.message : String(err);
        if (isFenced(err) || this.#fenced) {
          this.#fail(this.#fenced ? this.#error ?? message : message);
          return;
        }
        if (err instanceof DefiniteSourceError) {
          await this.#failDefinitely(message);
          return;
        }
        this.#state = 'stalled';
        this.#error = message;
        this.#logger.warn({ err: message, retryInMs: delay }, 'postgres source: stalled; retrying');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.#wakeRun = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wakeRun = undefined;
        delay = Math.min(delay * 2, this.#tuning.retryMaxMs);
      }
    }
  }

  async #session(onStreaming: () => void): Promise<void> {
    let rec = await this.#serial(() => this.#recover());
    if (rec.kind === 'fresh') {
      this.#snapshotting = true;
      try {
        await this.#serial(async () => {
          await takeSnapshot({
            connection: this.config.connection, slotName: this.config.slotName, tables: this.config.tables,
            outputs: this.#outputs, logger: this.#logger, chunkRows: this.#tuning.snapshotChunkRows,
            onProgress: (table, rows, done) => this.#snapshotProgress.set(table, { rows, done }),
          });
        });
      } finally {
        this.#snapshotting = false;
      }
      rec = await this.#serial(() => this.#recover());
    }
    if (rec.kind === 'snapshotInterrupted') throw new DefiniteSourceError(ingestErrors.snapshotInterrupted());
    if (rec.kind === 'fresh') throw new Error('internal error: source still fresh after its snapshot');
    if (rec.kind === 'closed') throw new Error('internal error: a PostgreSQL source\'s outputs are closed');
    this.#replay = rec.replay === undefined ? undefined : { ...rec.replay, complete: false };
    if (this.#stopped || this.#fenced) return;

    const repl = await connect(this.config.connection, true);
    this.#repl = repl;
    if (this.#stopped) {
      await this.#endRepl();
      return;
    }
    const failed = new Promise<never>((_, reject) => {
      this.#sessionError = reject;
    });
    failed.catch(() => undefined);
    const assembler = new TransactionAssembler(this.#decoders, this.#errored);
    const start = `START_REPLICATION SLOT ${quoteIdent(this.config.slotName)} LOGICAL ${formatLsn(rec.frontier)} ` +
      `(proto_version '1', publication_names ${quoteLiteral(quoteIdent(this.config.publication))})`;
    let streaming = false;
    const query = new CopyStreamQuery(start, (chunk) => {
      if (!streaming) {
        streaming = true;
        this.#state = 'running';
        this.#error = undefined;
        onStreaming();
        this.#logger.info({ from: formatLsn(rec.frontier), replay: this.#replay === undefined ? undefined : formatLsn(this.#replay.until) }, 'postgres source: streaming');
      }
      this.#onReplicationData(chunk, assembler);
    });
    repl.query(query);
    // Ask for a keepalive at once: it tells us streaming started (and where upstream is).
    rawConnection(repl).sendCopyFromChunk(encodeStandbyStatus(rec.frontier, true));
    try {
      await Promise.race([query.done, failed]);
      if (!this.#stopped) throw new Error('replication stream ended unexpectedly');
    } catch (err) {
      if (this.#stopped) return;
      const code = (err as { code?: string }).code;
      // 42704: the slot is gone (dropped upstream); nothing can be resumed.
      if (code === '42704' && /replication slot/.test(String((err as Error).message))) {
        throw new DefiniteSourceError(ingestErrors.slotDropped(this.config.slotName));
      }
      if (code === '42704' && /publication/.test(String((err as Error).message))) {
        throw new DefiniteSourceError(ingestErrors.publicationDropped(this.config.publication));
      }
      if (code === '55006') {
        // The slot is held by another connection: a previous incarnation of this source (crashed, or
        // fenced by this process) whose walsender has not noticed yet. We own the slot: take it back.
        await this.#terminateSlotHolder();
      }
      throw err;
    } finally {
      await this.#endRepl();
      await this.#chain;
    }
  }

  async #terminateSlotHolder(): Promise<void> {
    const client = await connect(this.config.connection).catch(() => undefined);
    if (client === undefined) return;
    try {
      const res = await client.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [this.config.slotName]);
      this.#logger.warn({ slot: this.config.slotName, terminated: res.rowCount }, 'postgres source: replication slot was in use; terminated its holder');
    } catch {
      // Retried with the next session.
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  #resetSession(): void {
    this.#queue = [];
    this.#queuedRows = 0;
    this.#replay = undefined;
    this.#idleWalEnd = undefined;
    this.#sessionError = undefined;
    this.#paused = false;
  }

  async #endRepl(): Promise<void> {
    const repl = this.#repl;
    this.#repl = undefined;
    if (repl !== undefined) await repl.end().catch(() => undefined);
  }

  async #recover(): Promise<Recovery> {
    const rec = await this.#outputs.recover();
    this.#errored.clear();
    if (rec.kind === 'resume') for (const [i, msg] of rec.errored) this.#errored.set(i, msg);
    // Errors found by checks but not yet written stay in force.
    for (const [i, msg] of this.#externalErrors) this.#errored.set(i, msg);
    this.#consistent = true;
    this.#logger.info({ recovery: rec.kind, frontier: rec.kind === 'resume' ? formatLsn(rec.frontier) : undefined, replay: rec.kind === 'resume' && rec.replay !== undefined }, 'postgres source: recovered');
    return rec;
  }

  // --- the replication stream -------------------------------------------------------------------

  #onReplicationData(chunk: Buffer, assembler: TransactionAssembler): void {
    const msg = decodeReplicationMessage(chunk);
    if (msg.kind === 'keepalive') {
      this.#sawUpstream(msg.walEnd);
      if (!assembler.inTransaction) this.#idleWalEnd = msg.walEnd;
      this.#noteReplayBoundary(msg.walEnd);
      if (msg.replyRequested) this.#sendStatus();
      return;
    }
    this.#sawUpstream(msg.walEnd);
    const m = decodePgOutput(msg.payload);
    if (m.kind === 'begin') this.#noteReplayBoundary(m.finalLsn);
    const txn = assembler.handle(m);
    if (txn === undefined) return;
    const replay = this.#replay !== undefined && !this.#replay.complete && txn.commitLsn < this.#replay.until;
    this.#queue.push({ txn, replay });
    this.#queuedRows += txn.rows;
    if (replay && txn.endLsn >= this.#replay!.until) this.#replay!.complete = true;
    if (!replay && this.#replay === undefined && this.#queuedRows > this.#tuning.maxPendingRows && !this.#paused && this.#repl !== undefined) {
      this.#paused = true;
      rawConnection(this.#repl).stream.pause();
    }
    this.#kickDrain();
  }

  /** Upstream has moved past `lsn`: every replayed transaction before the interrupted step's binding has arrived. */
  #noteReplayBoundary(lsn: Lsn): void {
    if (this.#replay !== undefined && !this.#replay.complete && lsn >= this.#replay.until) {
      this.#replay.complete = true;
      this.#kickDrain();
    }
  }

  #sawUpstream(lsn: Lsn): void {
    if (this.#upstreamLsn === undefined || lsn > this.#upstreamLsn) this.#upstreamLsn = lsn;
  }

  /** Tells upstream what is durable here: the slot may release WAL before it. Never more than that. */
  #sendStatus(): void {
    const f = this.#outputs.frontier;
    const repl = this.#repl;
    if (f === undefined || repl === undefined) return;
    try {
      rawConnection(repl).sendCopyFromChunk(encodeStandbyStatus(f));
      this.#lastStatusSent = Date.now();
    } catch {
      // The session is ending; the next one resumes from the durable position.
    }
  }

  // --- writing steps ----------------------------------------------------------------------------

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(fn);
    this.#chain = p.then(() => undefined, () => undefined);
    return p;
  }

  #kickDrain(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#serial(() => this.#drain()).catch((err: unknown) => {
      this.#consistent = false;
      this.#noteFenced(err);
      this.#sessionError?.(err);
    }).finally(() => {
      this.#draining = false;
      if (this.#repl !== undefined && this.#sessionError !== undefined && this.#consistent && this.#readyToWrite()) this.#kickDrain();
    });
  }

  #readyToWrite(): boolean {
    return this.#replay !== undefined ? this.#replay.complete : this.#queue.length > 0;
  }

  async #drain(): Promise<void> {
    while (this.#consistent && this.#readyToWrite()) {
      const replay = this.#replay;
      if (replay !== undefined) {
        // Finish the interrupted step first: its transactions (possibly none) at its time, on the lagging shards.
        const n = this.#queue.findIndex((q) => !q.replay);
        const group = this.#queue.splice(0, n < 0 ? this.#queue.length : n);
        await this.#outputs.writeStep(this.#stepOf(replay.time, replay.until, group.map((q) => q.txn), []), 'replay');
        this.#replay = undefined;
        this.#dequeued(group);
        this.#logger.info({ time: replay.time, txns: group.length }, 'postgres source: completed an interrupted step');
      } else {
        const batch = this.#queue.splice(0, this.#queue.length);
        const t = Math.max(Date.now(), this.#outputs.upper()) as Timestamp;
        const external = this.#externalErrors.splice(0);
        await this.#outputs.writeStep(this.#stepOf(t, batch[batch.length - 1]!.txn.endLsn, batch.map((q) => q.txn), external), 'normal');
        this.#dequeued(batch);
      }
      this.#afterStep();
    }
  }

  #dequeued(items: readonly QueueItem[]): void {
    for (const q of items) this.#queuedRows -= q.txn.rows;
    if (this.#paused && this.#queuedRows <= this.#tuning.maxPendingRows / 2 && this.#repl !== undefined) {
      this.#paused = false;
      rawConnection(this.#repl).stream.resume();
    }
  }

  #stepOf(time: Timestamp, frontier: Lsn, txns: readonly CommittedTxn[], external: readonly (readonly [number, string])[]): Step {
    const data = new Map<number, (readonly [Row, Diff])[]>();
    const errors: (readonly [number, string])[] = [...external];
    for (const txn of txns) {
      for (const [i, rows] of txn.data) {
        let list = data.get(i);
        if (list === undefined) data.set(i, (list = []));
        for (const r of rows) list.push(r);
      }
      for (const e of txn.errors) errors.push(e);
    }
    return { time, frontier, data, errors };
  }

  #afterStep(): void {
    this.#sendStatus();
    const upper = this.#outputs.minUpper();
    if (this.#upperWaiters.length > 0) {
      const ready = this.#upperWaiters.filter((w) => upper > w.t);
      this.#upperWaiters = this.#upperWaiters.filter((w) => upper <= w.t);
      for (const w of ready) w.resolve();
    }
  }

  // --- idle ticks -------------------------------------------------------------------------------

  #scheduleTick(): void {
    if (this.#tickQueued || this.#stopped) return;
    this.#tickQueued = true;
    this.#serial(() => this.#tick()).catch((err: unknown) => {
      this.#consistent = false;
      this.#logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'postgres source: advancing uppers failed');
      this.#noteFenced(err);
      this.#sessionError?.(err);
    }).finally(() => {
      this.#tickQueued = false;
    });
    this.#maybeCheckPublication();
  }

  async #tick(): Promise<void> {
    if (this.#stopped || !this.#consistent || this.#snapshotting || this.#replay !== undefined || this.#queue.length > 0) return;
    const now = Date.now();
    const p = this.#outputs.upper();
    if (p === 0 && !this.#definite) return;
    if (now - this.#lastStatusSent > this.#tuning.statusIntervalMs) this.#sendStatus();
    const f = this.#outputs.frontier;
    const idle = this.#idleWalEnd;
    const frontier = this.#repl !== undefined && idle !== undefined && f !== undefined && idle > f ? idle : undefined;
    const external = this.#externalErrors;
    // Advance only uppers that are a tick stale: a busy source's steps already keep them fresh.
    if (now < p - 1 + this.#tuning.tickMs && frontier === undefined && external.length === 0) return;
    this.#externalErrors = [];
    const t = Math.max(now, p) as Timestamp;
    await this.#outputs.writeStep({ time: t, frontier, data: new Map(), errors: external }, 'normal');
    this.#afterStep();
  }

  // --- publication membership -------------------------------------------------------------------

  #maybeCheckPublication(): void {
    const now = Date.now();
    if (this.#checkingPublication || this.#definite || now - this.#lastPublicationCheck < this.#tuning.publicationCheckMs || this.#outputs.frontier === undefined) return;
    this.#lastPublicationCheck = now;
    this.#checkingPublication = true;
    void this.#checkPublication().catch((err: unknown) => {
      this.#logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'postgres source: publication check failed');
    }).finally(() => {
      this.#checkingPublication = false;
    });
  }

  async #checkPublication(): Promise<void> {
    const check = await checkPublication(this.config.connection, this.config.publication, this.config.tables);
    this.#sawUpstream(check.upstreamLsn);
    for (const [i, msg] of check.missing) {
      if (this.#errored.has(i)) continue;
      this.#errored.set(i, msg);
      this.#externalErrors.push([i, msg]);
      this.#logger.warn({ subsource: this.config.tables[i]!.subsourceName, error: msg }, 'postgres source: subsource errored');
    }
  }

  // --- failure ----------------------------------------------------------------------------------

  /**
   * A newer process opened our shards: this one must stop at once — in particular it must not take
   * the replication slot back from its successor.
   */
  #noteFenced(err: unknown): void {
    if (!isFenced(err) || this.#fenced) return;
    this.#fenced = true;
    this.#fail(err instanceof Error ? err.message : String(err));
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    this.#wakeRun?.();
    void this.#endRepl();
  }

  #fail(message: string): void {
    this.#state = 'failed';
    this.#error = message;
    this.#logger.error({ err: message }, 'postgres source: failed');
  }

  /** Every subsource gets the error; the uppers keep moving so reads report it instead of waiting. */
  async #failDefinitely(message: string): Promise<void> {
    this.#fail(message);
    this.#definite = true;
    await this.#serial(async () => {
      if (!this.#consistent) await this.#recover();
      this.config.tables.forEach((_, i) => {
        if (this.#errored.has(i)) return;
        this.#errored.set(i, message);
        this.#externalErrors.push([i, message]);
      });
    }).catch((err: unknown) => {
      this.#fail(`${message}; recording the error failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
