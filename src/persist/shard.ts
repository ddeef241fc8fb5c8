/**
 * One shard: compare-and-append, snapshot, listen, since and drop over a Blob (batches) and a
 * Consensus key (the ShardState). Mutations run one at a time per shard (a promise queue); each
 * writes batch blobs first, then compare-and-sets the state, so the state never references a blob
 * that is not durable. Background compaction does its expensive merge outside the queue and only
 * swaps the batch descriptions inside it. Blobs a running snapshot reads are pinned: compaction
 * defers deleting them until the read finishes.
 */
import {
  type Frontier, type Timestamp, type Update, compareFrontier, dataCorrupted, decodeUpdatesStepwise, encodeUpdates, formatFrontier,
} from '../repr/index.ts';
import { SqlState, type Logger } from '../util/index.ts';
import type { ShardBatch, AppendResult, Shard, SnapshotAndHistory } from './api.ts';
import type { Blob } from './blob.ts';
import { type CompactionConfig, pickMerge } from './compaction.ts';
import type { CasResult, Consensus, Fence, VersionedData } from './consensus.ts';
import { BatchConsolidator, consolidateBatch, contentsAt, contentsAtWithBase } from './consolidate.ts';
import { PersistError, closedError, ioError } from './errors.ts';
import { type BatchDesc, type ShardState, decodeState, encodeState, initialState } from './state.ts';

/** What a shard needs from its client. */
export interface ShardHost {
  readonly epoch: number;
  readonly blob: Blob;
  readonly consensus: Consensus;
  readonly logger: Logger;
  readonly compaction: CompactionConfig;
  /** Batches up to this many encoded bytes are stored inline in the shard state (0: never). */
  readonly inlineMaxBytes: number;
  /** The precondition every state write carries: our epoch is still the newest. */
  readonly fence: Fence;
  /** Throws the fenced error if this client already knows it was fenced (no I/O). */
  assertNotFenced(): void;
  markFenced(newerEpoch: number): PersistError;
  /** Blob keys under `prefix` that existed when the client started (older epochs' leftovers). */
  blobsAtStart(prefix: string): Promise<readonly string[]>;
  /** Registers background work that close() must wait for. */
  track(work: Promise<unknown>): void;
  isClosed(): boolean;
  forget(shard: ShardImpl): void;
}

interface Listener {
  readonly from: Timestamp;
  readonly onBatch: (batch: ShardBatch) => void;
  active: boolean;
}

export const SHARD_KEY_PREFIX = 'shard/';
/** Cap on inline bytes per state, so every compare-and-set rewrites a small state. */
const INLINE_TOTAL_MAX_BYTES = 32 * 1024;
/** Updates consolidated between yields to the event loop during a merge. */
const MERGE_SLICE = 50_000;
/** Updates decoded between yields to the event loop (~50 ms of work). */
const DECODE_SLICE = 65_536;
/** Snapshots at least this slow or big are logged (they are what hydration waits for). */
const SLOW_SNAPSHOT_MS = 250;
const BIG_SNAPSHOT_ROWS = 100_000;
/** Consensus versions between truncations of a shard's old versions. */
const TRUNCATE_EVERY = 16;

export function shardKey(shardId: string): string {
  return SHARD_KEY_PREFIX + shardId;
}

export function blobPrefix(shardId: string): string {
  return `s/${encodeURIComponent(shardId)}/`;
}

export class ShardImpl implements Shard {
  readonly id: string;
  private readonly host: ShardHost;
  private readonly key: string;
  private state: ShardState;
  private seqNo: number;
  /** Set after an indeterminate state write: reload before trusting `state`. */
  private stale = false;
  private dropped = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<Listener>();
  private readonly pins = new Map<string, number>();
  private readonly pendingDeletes = new Set<string>();
  private compaction: Promise<void> | undefined;
  private blobCounter = 0;
  private writesSinceTruncate = 0;
  private cleanedUp = false;

  private constructor(host: ShardHost, id: string, state: ShardState, seqNo: number) {
    this.host = host;
    this.id = id;
    this.key = shardKey(id);
    this.state = state;
    this.seqNo = seqNo;
  }

  /** Loads the shard's state, creating it (or replacing a dropped tombstone) if needed. */
  static async open(host: ShardHost, id: string): Promise<ShardImpl> {
    for (;;) {
      const head = await host.consensus.head(shardKey(id));
      const existing = head && decodeState(head.data, `consensus ${host.consensus.name} key ${shardKey(id)}`);
      if (existing && existing.epoch > host.epoch) throw host.markFenced(existing.epoch);
      if (head && existing && !existing.dropped) return new ShardImpl(host, id, existing, head.seqNo);
      host.assertNotFenced();
      const fresh = initialState(id, host.epoch);
      const expected = head?.seqNo;
      const res = await host.consensus.compareAndSet(shardKey(id), expected, { seqNo: (expected ?? 0) + 1, data: encodeState(fresh) }, host.fence);
      if (!res.ok && 'fencedBy' in res) throw host.markFenced(res.fencedBy);
      if (res.ok) {
        const shard = new ShardImpl(host, id, fresh, (expected ?? 0) + 1);
        shard.afterWrite();
        return shard;
      }
    }
  }

  upper(): Frontier {
    return this.state.upper;
  }

  since(): Frontier {
    return this.state.since;
  }

  async compareAndAppend(updates: readonly Update[], expectedUpper: Timestamp, newUpper: Frontier): Promise<AppendResult> {
    this.checkUsable();
    if (compareFrontier(newUpper, expectedUpper) <= 0) {
      throw new PersistError(SqlState.invalidParameterValue,
        `persist: shard ${this.id}: new upper ${formatFrontier(newUpper)} must be after expected upper ${formatFrontier(expectedUpper)}`, false);
    }
    for (const u of updates) {
      const t = u[1];
      if (!Number.isSafeInteger(t) || t < expectedUpper || (newUpper !== 'closed' && t >= newUpper) || !Number.isSafeInteger(u[2])) {
        throw new PersistError(SqlState.invalidParameterValue,
          `persist: shard ${this.id}: update at time ${t} with diff ${u[2]} is outside [${expectedUpper}, ${formatFrontier(newUpper)})`, false);
      }
    }
    // Backpressure: if compaction has fallen far behind, let it catch up before adding more.
    while (this.compaction !== undefined && this.state.batches.length > 2 * this.host.compaction.maxBatches) await this.compaction;
    // CPU work before taking the queue, so concurrent shards' I/O overlaps it.
    const batch = consolidateBatch([updates], 0 as Timestamp);
    const bytes = batch.length > 0 ? encodeUpdates(batch) : undefined;
    return this.serial(async () => {
      this.checkNotDropped();
      await this.refreshIfStale();
      if (this.state.upper !== expectedUpper) {
        await this.reload();
        if (this.state.upper !== expectedUpper) return { ok: false, currentUpper: this.state.upper };
      }
      const desc = bytes && (await this.storeBatch(batch, bytes, expectedUpper, newUpper, 0 as Timestamp));
      for (;;) {
        const s = this.state;
        const next: ShardState = { ...s, epoch: this.host.epoch, upper: newUpper, batches: desc ? [...s.batches, desc] : s.batches };
        if (await this.cas(next)) break;
        if (this.state.upper !== expectedUpper) {
          if (desc) await this.discardBatch(desc);
          return { ok: false, currentUpper: this.state.upper };
        }
      }
      this.notify(batch, expectedUpper, newUpper);
      this.maybeCompact();
      return { ok: true };
    });
  }

  async snapshot(asOf: Timestamp): Promise<Update[]> {
    return (await this.read(asOf, false)).snapshot;
  }

  async snapshotAndHistory(asOf: Timestamp): Promise<SnapshotAndHistory> {
    return this.read(asOf, true);
  }

  /** The contents at asOf and, with `withHistory`, every stored update after asOf, from one state. */
  private async read(asOf: Timestamp, withHistory: boolean): Promise<SnapshotAndHistory> {
    this.checkUsable();
    const s = this.state;
    if (compareFrontier(s.since, asOf) > 0 || compareFrontier(s.upper, asOf) <= 0) {
      throw new PersistError(SqlState.invalidParameterValue,
        `persist: shard ${this.id}: cannot read at ${asOf}: readable times are [since ${formatFrontier(s.since)}, upper ${formatFrontier(s.upper)})`, false);
    }
    const batches = s.batches.filter((b) => b.minTime <= asOf || (withHistory && b.maxTime > asOf));
    // Pin synchronously with reading `state`, so a compaction finishing meanwhile keeps these blobs.
    for (const b of batches) this.pins.set(b.key, (this.pins.get(b.key) ?? 0) + 1);
    const started = performance.now();
    try {
      const parts = await Promise.all(batches.map((b) => this.readBatch(b)));
      const read = performance.now();
      // Taken before consolidation, which reuses (mutates) the tuples at times <= asOf only.
      const history: Update[] = [];
      if (withHistory) {
        for (let i = 0; i < batches.length; i++) {
          if (batches[i]!.maxTime <= asOf) continue;
          for (const u of parts[i]!) if (u[1] > asOf) history.push(u);
        }
      }
      const current = batches.map((b, i) => [b, parts[i]!] as const).filter(([b]) => b.minTime <= asOf);
      // A batch is consolidated per (row, time), so one whose updates share a single time holds
      // each row once: the largest such batch can be forwarded in place instead of hashed in.
      let base = -1;
      for (let i = 0; i < current.length; i++) {
        const b = current[i]![0];
        if (b.minTime === b.maxTime && (base < 0 || b.count > current[base]![0].count)) base = i;
      }
      const snapshot = base >= 0
        ? contentsAtWithBase(current[base]![1], current.filter((_, i) => i !== base).map(([, p]) => p), asOf)
        : contentsAt(current.map(([, p]) => p), asOf, true);
      const total = performance.now() - started;
      // Big snapshots are what a restart waits for (hydration): say what was read and how long it took.
      if (total >= SLOW_SNAPSHOT_MS || snapshot.length >= BIG_SNAPSHOT_ROWS) {
        this.host.logger.info({
          shard: this.id, asOf, batches: batches.length, updates: snapshot.length, history: history.length,
          bytes: batches.reduce((n, b) => n + b.bytes, 0), readMs: Math.round(read - started), ms: Math.round(total),
        }, 'persist: snapshot');
      }
      return { snapshot, history, upper: s.upper };
    } finally {
      for (const b of batches) this.unpin(b.key);
    }
  }

  listen(from: Timestamp, onBatch: (batch: ShardBatch) => void): () => void {
    this.checkUsable();
    const l: Listener = { from, onBatch, active: true };
    this.listeners.add(l);
    return () => {
      l.active = false;
      this.listeners.delete(l);
    };
  }

  async downgradeSince(since: Frontier): Promise<void> {
    this.checkUsable();
    await this.serial(async () => {
      this.checkNotDropped();
      await this.refreshIfStale();
      while (compareFrontier(since, this.state.since) > 0) {
        if (await this.cas({ ...this.state, epoch: this.host.epoch, since })) break;
      }
      this.maybeCompact();
    });
  }

  async drop(): Promise<void> {
    this.checkUsable();
    await this.serial(async () => {
      this.checkNotDropped();
      await this.refreshIfStale();
      let doomed: readonly BatchDesc[];
      for (;;) {
        doomed = this.state.batches;
        if (await this.cas({ ...this.state, epoch: this.host.epoch, dropped: true, batches: [] })) break;
      }
      this.dropped = true;
      this.listeners.clear();
      this.host.forget(this);
      for (const b of doomed) await this.discardBatch(b);
    });
    await this.compaction;
  }

  /** Resolves once no operation is queued and no compaction is running (tests, close). */
  async quiesce(): Promise<void> {
    for (;;) {
      await this.queue;
      const c = this.compaction;
      if (c === undefined) return;
      await c;
    }
  }

  /** Waits for queued operations and background compaction (client close). */
  async close(): Promise<void> {
    await this.queue;
    await this.compaction;
  }

  // --- internals -------------------------------------------------------------------------------

  /** For new calls: the client must be open and the shard not dropped. */
  private checkUsable(): void {
    if (this.host.isClosed()) throw closedError(`shard ${this.id}`);
    this.checkNotDropped();
  }

  /** For queued operations: those accepted before close() still run ("pending operations finish first"). */
  private checkNotDropped(): void {
    if (this.dropped) throw new PersistError(SqlState.undefinedObject, `persist: shard ${this.id} was dropped`, false);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private describeState(): string {
    return `consensus ${this.host.consensus.name} key ${this.key}`;
  }

  /** Compare-and-sets `next` over the current state; on a lost race adopts the winner and returns false. */
  private async cas(next: ShardState): Promise<boolean> {
    this.host.assertNotFenced();
    let res: CasResult;
    try {
      res = await this.host.consensus.compareAndSet(this.key, this.seqNo, { seqNo: this.seqNo + 1, data: encodeState(next) }, this.host.fence);
    } catch (err) {
      this.stale = true;
      throw ioError(`writing the state of shard ${this.id}`, err, true);
    }
    if (res.ok) {
      this.seqNo++;
      this.state = next;
      this.afterWrite();
      return true;
    }
    if ('fencedBy' in res) throw this.host.markFenced(res.fencedBy);
    this.adopt(res.current);
    return false;
  }

  private adopt(v: VersionedData | undefined): void {
    if (v === undefined) throw new PersistError(SqlState.internalError, `internal error: persist: state of shard ${this.id} vanished`, false);
    const s = decodeState(v.data, this.describeState());
    this.state = s;
    this.seqNo = v.seqNo;
    this.stale = false;
    if (s.epoch > this.host.epoch) throw this.host.markFenced(s.epoch);
    if (s.dropped) {
      this.dropped = true;
      this.host.forget(this);
      throw new PersistError(SqlState.undefinedObject, `persist: shard ${this.id} was dropped`, false);
    }
  }

  private async reload(): Promise<void> {
    this.adopt(await this.host.consensus.head(this.key));
  }

  private async refreshIfStale(): Promise<void> {
    if (this.stale) await this.reload();
  }

  /** Bookkeeping after each successful state write: truncate old versions, clean up orphans once. */
  private afterWrite(): void {
    if (++this.writesSinceTruncate >= TRUNCATE_EVERY) {
      this.writesSinceTruncate = 0;
      const upTo = this.seqNo;
      this.host.track(this.host.consensus.truncate(this.key, upTo).catch((err: unknown) => {
        this.host.logger.warn({ err, shard: this.id }, 'persist: truncating old shard states failed');
      }));
    }
    if (!this.cleanedUp) {
      // Only now is it safe: an older process can no longer commit a state that references its blobs.
      this.cleanedUp = true;
      this.host.track(this.removeOrphans().catch((err: unknown) => {
        this.host.logger.warn({ err, shard: this.id }, 'persist: removing orphaned batches failed');
      }));
    }
  }

  /** Deletes blobs of this shard written by older processes and referenced by no state (crash leftovers). */
  private async removeOrphans(): Promise<void> {
    const prefix = blobPrefix(this.id);
    const keys = await this.host.blobsAtStart(prefix);
    const live = new Set(this.state.batches.map((b) => b.key));
    for (const key of keys) {
      const epoch = Number(key.slice(prefix.length).split('-')[0]);
      if (!live.has(key) && Number.isSafeInteger(epoch) && epoch < this.host.epoch && !this.dropped) await this.deleteBlob(key);
    }
  }

  private newBlobKey(): string {
    return `${blobPrefix(this.id)}${this.host.epoch}-${++this.blobCounter}`;
  }

  /**
   * Makes an encoded batch durable and describes it: small batches go inline into the shard state
   * (one compare-and-set, half the fsyncs of blob + state), others into a blob written now.
   */
  private async storeBatch(updates: readonly Update[], bytes: Uint8Array, lower: Timestamp, upper: Frontier, since: Timestamp): Promise<BatchDesc> {
    let minTime = Infinity;
    let maxTime = -Infinity;
    for (const u of updates) {
      if (u[1] < minTime) minTime = u[1];
      if (u[1] > maxTime) maxTime = u[1];
    }
    const base = { lower, upper, since, count: updates.length, bytes: bytes.length, minTime: minTime as Timestamp, maxTime: maxTime as Timestamp };
    const inlineTotal = this.state.batches.reduce((n, b) => n + (b.inline === undefined ? 0 : b.bytes), 0);
    if (bytes.length <= this.host.inlineMaxBytes && inlineTotal + bytes.length <= INLINE_TOTAL_MAX_BYTES) {
      return { ...base, key: `inline:${this.host.epoch}-${++this.blobCounter}`, inline: Buffer.from(bytes).toString('base64') };
    }
    const key = this.newBlobKey();
    try {
      await this.host.blob.set(key, bytes);
    } catch (err) {
      throw ioError(`writing batch ${this.host.blob.describe(key)}`, err, false);
    }
    return { ...base, key };
  }

  /** Deletes a batch the state no longer references (inline batches vanish with the state). */
  private async discardBatch(b: BatchDesc): Promise<void> {
    if (b.inline === undefined) await this.deleteBlob(b.key);
  }

  private async readBatch(b: BatchDesc): Promise<Update[]> {
    const where = b.inline === undefined ? this.host.blob.describe(b.key) : `inline batch ${b.key} of ${this.describeState()}`;
    let bytes: Uint8Array | undefined;
    try {
      bytes = b.inline === undefined ? await this.host.blob.get(b.key) : Buffer.from(b.inline, 'base64');
    } catch (err) {
      throw ioError(`reading ${where}`, err, false);
    }
    if (bytes === undefined) throw dataCorrupted(where, `missing, but shard ${this.id} references it`);
    // Decoded in steps with a turn of the event loop between them: a million-row batch takes about
    // a second to decode, and connections must not stall for that long (e.g. during hydration).
    const steps = decodeUpdatesStepwise(bytes, where, DECODE_SLICE);
    let step = steps.next();
    while (step.done !== true) {
      await yieldToEventLoop();
      step = steps.next();
    }
    const updates = step.value;
    if (updates.length !== b.count) throw dataCorrupted(where, `holds ${updates.length} updates, shard ${this.id} expects ${b.count}`);
    return updates;
  }

  private unpin(key: string): void {
    const n = (this.pins.get(key) ?? 1) - 1;
    if (n > 0) {
      this.pins.set(key, n);
      return;
    }
    this.pins.delete(key);
    if (this.pendingDeletes.delete(key)) {
      this.host.track(this.host.blob.delete(key).catch(() => undefined));
    }
  }

  private async deleteBlob(key: string): Promise<void> {
    if (this.pins.has(key)) {
      this.pendingDeletes.add(key);
      return;
    }
    try {
      await this.host.blob.delete(key);
    } catch (err) {
      // A leftover file is harmless (orphan cleanup removes it); the state no longer references it.
      this.host.logger.warn({ err, key }, 'persist: deleting a replaced batch failed');
    }
  }

  private notify(updates: readonly Update[], lower: Timestamp, upper: Frontier): void {
    for (const l of this.listeners) {
      const batch: ShardBatch = { updates: updates.filter((u) => u[1] >= l.from), lower, upper };
      queueMicrotask(() => {
        if (!l.active) return;
        try {
          l.onBatch(batch);
        } catch (err) {
          this.host.logger.error({ err, shard: this.id }, 'persist: listener threw');
        }
      });
    }
  }

  // --- compaction ------------------------------------------------------------------------------

  private maybeCompact(): void {
    if (this.compaction !== undefined || this.dropped || this.host.isClosed()) return;
    if (pickMerge(this.state.batches, this.host.compaction, this.state.since) === undefined) return;
    this.compaction = (async () => {
      // Let the append that triggered us return first.
      await yieldToEventLoop();
      while (!this.dropped && !this.host.isClosed() && (await this.compactOnce()));
    })().catch((err: unknown) => {
      this.host.logger.warn({ err, shard: this.id }, 'persist: compaction failed');
    }).finally(() => {
      this.compaction = undefined;
    });
  }

  /** One merge step; false when nothing is due. */
  private async compactOnce(): Promise<boolean> {
    const s = this.state;
    const plan = pickMerge(s.batches, this.host.compaction, s.since);
    if (plan === undefined) return false;
    const inputs = s.batches.slice(plan.start, plan.end);
    // A 'closed' since means nothing will be read again; keep times as they are (drop comes next).
    const since = (s.since === 'closed' ? 0 : s.since) as Timestamp;
    for (const b of inputs) this.pins.set(b.key, (this.pins.get(b.key) ?? 0) + 1);
    let merged: Update[];
    try {
      // Decode and consolidate in slices, yielding between them: a big merge must not stall the
      // event loop (and with it every connection) for its whole duration.
      const consolidator = new BatchConsolidator(inputs.reduce((n, b) => n + b.count, 0), since);
      for (const b of inputs) {
        const part = await this.readBatch(b);
        for (let i = 0; i < part.length; i += MERGE_SLICE) {
          consolidator.addAll(part, i, Math.min(part.length, i + MERGE_SLICE));
          await yieldToEventLoop();
        }
      }
      merged = consolidator.result();
    } finally {
      for (const b of inputs) this.unpin(b.key);
    }
    const first = inputs[0]!;
    const last = inputs[inputs.length - 1]!;
    const desc = merged.length > 0 ? await this.storeBatch(merged, encodeUpdates(merged), first.lower, last.upper, since) : undefined;
    return this.serial(async () => {
      for (;;) {
        if (this.dropped || this.host.isClosed()) break;
        const cur = this.state;
        const at = cur.batches.findIndex((b) => b.key === first.key);
        const intact = at >= 0 && inputs.every((b, i) => cur.batches[at + i]?.key === b.key);
        if (!intact) break;
        const batches = [...cur.batches.slice(0, at), ...(desc ? [desc] : []), ...cur.batches.slice(at + inputs.length)];
        if (await this.cas({ ...cur, epoch: this.host.epoch, batches })) {
          for (const b of inputs) await this.discardBatch(b);
          return true;
        }
      }
      if (desc) await this.discardBatch(desc);
      return false;
    });
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
