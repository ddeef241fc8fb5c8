/**
 * The persist client: opens shards over one Blob + Consensus pair and fences older processes.
 * Each client start bumps the 'epoch' key in Consensus (its seqNo is the epoch); every state write
 * carries a fence (the 'epoch' head must still be ours, checked atomically with the write), and a
 * shard state written by a newer epoch fences any older client that reads it. No PID files: a
 * lingering zombie process is simply fenced.
 */
import { silentLogger, type Logger } from '../util/index.ts';
import type { PersistClient, Shard } from './api.ts';
import type { Blob } from './blob.ts';
import { type CompactionConfig, defaultCompactionConfig } from './compaction.ts';
import type { Consensus, Fence } from './consensus.ts';
import { type PersistError, closedError, fencedError } from './errors.ts';
import { SHARD_KEY_PREFIX, type ShardHost, ShardImpl } from './shard.ts';
import { decodeState } from './state.ts';
import { type VerifyReport, verifyStore } from './verify.ts';

export const EPOCH_KEY = 'epoch';

export interface PersistBackends {
  readonly blob: Blob;
  readonly consensus: Consensus;
}

export interface PersistConfig {
  readonly compaction?: Partial<CompactionConfig>;
  /** Batches up to this many encoded bytes live inline in the shard state (default 4096; 0: never). */
  readonly inlineMaxBytes?: number;
  readonly logger?: Logger;
  /**
   * Called once when this client learns it was fenced by a newer process (a failed write, or the
   * periodic check below). A server stops itself here, so it neither writes nor serves stale reads.
   */
  readonly onFenced?: (err: PersistError) => void;
  /** With onFenced: how often to look at the epoch key for a newer process (default 1000 ms; 0: never). */
  readonly fenceCheckIntervalMs?: number;
}

export class PersistClientImpl implements PersistClient, ShardHost {
  readonly epoch: number;
  readonly blob: Blob;
  readonly consensus: Consensus;
  readonly logger: Logger;
  readonly compaction: CompactionConfig;
  readonly inlineMaxBytes: number;
  private readonly shards = new Map<string, Promise<ShardImpl>>();
  private readonly background = new Set<Promise<unknown>>();
  private closed = false;
  private fencedBy: number | undefined;
  /** Blob keys that existed at start, by shard prefix (one listing serves every shard's cleanup). */
  private startBlobs: Promise<Map<string, string[]>> | undefined;
  private readonly onFenced: ((err: PersistError) => void) | undefined;
  private fenceTimer: NodeJS.Timeout | undefined;

  private constructor(backends: PersistBackends, epoch: number, config: PersistConfig) {
    this.blob = backends.blob;
    this.consensus = backends.consensus;
    this.epoch = epoch;
    this.logger = config.logger ?? silentLogger;
    this.compaction = { ...defaultCompactionConfig, ...config.compaction };
    this.inlineMaxBytes = config.inlineMaxBytes ?? 4096;
    this.onFenced = config.onFenced;
    const every = config.fenceCheckIntervalMs ?? 1000;
    if (this.onFenced !== undefined && every > 0) {
      this.fenceTimer = setInterval(() => void this.checkFence(), every);
      this.fenceTimer.unref();
    }
  }

  /** Looks for a newer epoch without writing (a process that only reads would not notice otherwise). */
  private async checkFence(): Promise<void> {
    if (this.closed || this.fencedBy !== undefined) return;
    try {
      const head = await this.consensus.head(EPOCH_KEY);
      if (head !== undefined && head.seqNo > this.epoch && !this.closed) this.markFenced(head.seqNo);
    } catch (err) {
      this.logger.warn({ err }, 'persist: checking the fencing epoch failed');
    }
  }

  /** Starts a client: takes the next epoch, fencing every earlier client of the same store. */
  static async start(backends: PersistBackends, config: PersistConfig = {}): Promise<PersistClientImpl> {
    for (;;) {
      const head = await backends.consensus.head(EPOCH_KEY);
      const epoch = (head?.seqNo ?? 0) + 1;
      const info = Buffer.from(JSON.stringify({ epoch, pid: process.pid, startedAt: new Date().toISOString() }));
      const res = await backends.consensus.compareAndSet(EPOCH_KEY, head?.seqNo, { seqNo: epoch, data: info });
      if (res.ok) {
        const client = new PersistClientImpl(backends, epoch, config);
        client.logger.info({ epoch, blob: backends.blob.name, consensus: backends.consensus.name }, 'persist: opened');
        if (epoch % 16 === 0) client.track(backends.consensus.truncate(EPOCH_KEY, epoch).catch(() => undefined));
        return client;
      }
    }
  }

  open(shardId: string): Promise<Shard> {
    if (this.closed) return Promise.reject(closedError('client'));
    let p = this.shards.get(shardId);
    if (p === undefined) {
      p = ShardImpl.open(this, shardId);
      this.shards.set(shardId, p);
      p.catch(() => {
        if (this.shards.get(shardId) === p) this.shards.delete(shardId);
      });
    }
    return p;
  }

  async list(): Promise<string[]> {
    if (this.closed) throw closedError('client');
    const out: string[] = [];
    for (const key of await this.consensus.list()) {
      if (!key.startsWith(SHARD_KEY_PREFIX)) continue;
      const head = await this.consensus.head(key);
      if (head === undefined) continue;
      const state = decodeState(head.data, `consensus ${this.consensus.name} key ${key}`);
      if (!state.dropped) out.push(state.shardId);
    }
    return out.sort();
  }

  async verify(): Promise<VerifyReport> {
    if (this.closed) throw closedError('client');
    const report = await verifyStore(this.blob, this.consensus);
    this.logger.info(report, 'persist: verified every shard state and batch checksum');
    return report;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.fenceTimer !== undefined) clearInterval(this.fenceTimer);
    for (const p of this.shards.values()) {
      const shard = await p.catch(() => undefined);
      await shard?.close();
    }
    while (this.background.size > 0) await Promise.all([...this.background]);
    await this.blob.close();
    await this.consensus.close();
  }

  // --- ShardHost -------------------------------------------------------------------------------

  get fence(): Fence {
    return { key: EPOCH_KEY, seqNo: this.epoch };
  }

  assertNotFenced(): void {
    if (this.fencedBy !== undefined) throw fencedError(this.epoch, this.fencedBy, this.where());
  }

  markFenced(newerEpoch: number): PersistError {
    const first = this.fencedBy === undefined;
    if (first || newerEpoch > this.fencedBy!) this.fencedBy = newerEpoch;
    const err = fencedError(this.epoch, newerEpoch, this.where());
    if (first) {
      this.logger.error({ epoch: this.epoch, newerEpoch }, 'persist: fenced by a newer process');
      if (this.fenceTimer !== undefined) clearInterval(this.fenceTimer);
      this.onFenced?.(err);
    }
    return err;
  }

  track(work: Promise<unknown>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  async blobsAtStart(prefix: string): Promise<readonly string[]> {
    this.startBlobs ??= this.blob.list('').then((keys) => {
      const byPrefix = new Map<string, string[]>();
      for (const key of keys) {
        const p = key.slice(0, key.lastIndexOf('/') + 1);
        let list = byPrefix.get(p);
        if (list === undefined) byPrefix.set(p, (list = []));
        list.push(key);
      }
      return byPrefix;
    });
    return (await this.startBlobs).get(prefix) ?? [];
  }

  isClosed(): boolean {
    return this.closed;
  }

  forget(shard: ShardImpl): void {
    const p = this.shards.get(shard.id);
    if (p !== undefined) void p.then((s) => s === shard && this.shards.get(shard.id) === p && this.shards.delete(shard.id), () => undefined);
  }

  private where(): string {
    return `the same store (${this.consensus.name})`;
  }
}
