/**
 * Persist's public API: durable shards of (row, time, diff) updates with since/upper frontiers.
 * Storage, compute and the adapter program against these interfaces only.
 */
import type { Frontier, Timestamp, Update } from '../repr/index.ts';

export interface PersistClient {
  /** This process's fencing epoch: bumped by every open of the same store; a newer one fences us. */
  readonly epoch: number;
  /** Opens (creating if absent, with since = upper = 0) the shard with this id. Returns the same Shard object for the same id within a process. */
  open(shardId: string): Promise<Shard>;
  /** Ids of all shards that exist. */
  list(): Promise<string[]>;
  /**
   * Checks every shard state and every batch it references (exists, recorded size, checksum) without
   * decoding rows. Throws XX001 naming the damaged file or key. Servers call it before serving.
   */
  verify(): Promise<{ shards: number; batches: number; bytes: number; ms: number }>;
  /** Flushes and releases resources; pending operations finish first. */
  close(): Promise<void>;
}

export type AppendResult = { ok: true } | { ok: false; currentUpper: Frontier };

export interface ShardBatch {
  readonly updates: readonly Update[];
  readonly lower: Timestamp;
  readonly upper: Frontier;
}

export interface SnapshotAndHistory {
  readonly snapshot: Update[];
  /** Updates at times in (asOf, upper), in no particular order; a row may appear more than once. */
  readonly history: Update[];
  readonly upper: Frontier;
}

export interface Shard {
  readonly id: string;
  /** Current frontiers as known to this process (updated by every successful operation). */
  upper(): Frontier;
  since(): Frontier;
  /**
   * Appends `updates` (all times in [expectedUpper, newUpper)) and advances upper to newUpper iff
   * the shard's upper equals expectedUpper. Resolves only once durable (fsync). An empty `updates`
   * just advances upper. newUpper must be > expectedUpper.
   * Throws a PersistError (a SqlError) if fenced or on I/O failure; `indeterminate` says whether
   * the append may have happened.
   */
  compareAndAppend(updates: readonly Update[], expectedUpper: Timestamp, newUpper: Frontier): Promise<AppendResult>;
  /**
   * The contents at asOf (as `snapshot`) plus every update with asOf < time < upper at its own time
   * (not consolidated across batches), read from one state: what a dataflow restarting at asOf needs
   * to catch up to `upper` exactly, without diffing two snapshots. Requires since <= asOf < upper.
   */
  snapshotAndHistory(asOf: Timestamp): Promise<SnapshotAndHistory>;
  /** The contents at asOf: consolidated updates (time forwarded to asOf, diffs summed, zero-diff rows removed). Requires since <= asOf < upper, else throws a SqlError. */
  snapshot(asOf: Timestamp): Promise<Update[]>;
  /**
   * Calls onBatch, in time order, for every batch appended after this call (by this process) whose
   * updates have time >= from (filter the rest), including empty batches that only advance upper.
   * Returns an unsubscribe function. Delivery is asynchronous (microtasks) but ordered.
   */
  listen(from: Timestamp, onBatch: (batch: ShardBatch) => void): () => void;
  /** Allows compaction up to `since` (never moves backwards; a smaller value is ignored). Contents at times >= since stay exactly as they were. 'closed' = the shard may be dropped. */
  downgradeSince(since: Frontier): Promise<void>;
  /** Deletes the shard and its data. */
  drop(): Promise<void>;
}
