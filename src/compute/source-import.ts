/**
 * Source import: feeds a persist shard into a dataflow input as of `asOf`. The listener is
 * registered before the snapshot is taken and buffers batches, so nothing appended between
 * snapshot and listen is missed or counted twice: the snapshot holds times <= asOf, listened
 * batches contribute only updates at times > asOf. The input's frontier follows the shard's upper.
 *
 * Listen only delivers batches appended after the call, so the history already stored after asOf
 * comes from persist's snapshotAndHistory (one read of one state: the contents at asOf plus every
 * update after it at its own time), exact at every time from asOf on.
 */
import { type InputOp, UpdateBatch } from '../dataflow/index.ts';
import type { PersistClient, ShardBatch } from '../persist/index.ts';
import type { Timestamp } from '../repr/index.ts';
import { type Logger, toSqlError } from '../util/index.ts';

export class SourceImport {
  private unlisten: (() => void) | undefined;
  private stopped = false;
  private readonly persist: PersistClient;
  private readonly shardId: string;
  private readonly input: InputOp;
  private readonly asOf: number;
  private readonly logger: Logger;

  /** For optional shards (a materialized view's errors): resolves false when the shard does not exist. */
  private readonly exists: (() => Promise<boolean>) | undefined;

  constructor(persist: PersistClient, shardId: string, input: InputOp, asOf: number, logger: Logger, exists?: () => Promise<boolean>) {
    this.persist = persist;
    this.shardId = shardId;
    this.input = input;
    this.asOf = asOf;
    this.logger = logger;
    this.exists = exists;
  }

  start(): void {
    this.run().catch((err: unknown) => {
      this.logger.error({ err: toSqlError(err), shard: this.shardId }, 'compute: source import failed');
    });
  }

  stop(): void {
    this.stopped = true;
    this.unlisten?.();
    this.unlisten = undefined;
  }

  private async run(): Promise<void> {
    if (this.exists !== undefined && !(await this.exists())) {
      // Nothing to read, ever: an absent optional shard is the empty collection.
      if (!this.stopped) this.input.close();
      return;
    }
    const shard = await this.persist.open(this.shardId);
    if (this.stopped) return;
    const asOf = this.asOf;
    let live = false;
    const buffered: ShardBatch[] = [];
    let wake: (() => void) | undefined;
    this.unlisten = shard.listen((asOf + 1) as Timestamp, (batch) => {
      if (this.stopped) return;
      if (live) this.feed(batch);
      else {
        buffered.push(batch);
        wake?.();
      }
    });
    const u0 = shard.upper();
    const upperAfter = (): number => {
      const last = buffered[buffered.length - 1];
      const u = last === undefined ? u0 : last.upper;
      return u === 'closed' ? Infinity : u;
    };
    while (upperAfter() <= asOf) {
      await new Promise<void>((resolve) => (wake = resolve));
      if (this.stopped) return;
    }
    // One read: the contents at asOf plus every stored update after it, at its own time (exact at
    // every time from asOf on; no second snapshot to diff).
    const { snapshot: snap, history, upper: readUpper } = await shard.snapshotAndHistory(asOf as Timestamp);
    if (this.stopped) return;
    const first = new UpdateBatch();
    for (const [row, , diff] of snap) first.push(row, asOf, diff);
    for (const [row, time, diff] of history) first.push(row, time, diff);
    const u0n = readUpper === 'closed' ? Infinity : readUpper;
    this.input.send(first);
    this.input.advanceTo(Math.max(asOf + 1, u0n));
    live = true;
    for (const b of buffered) this.feed(b);
  }

  private feed(batch: ShardBatch): void {
    const b = new UpdateBatch();
    const min = Math.max(this.asOf + 1, this.input.frontier);
    for (const [row, time, diff] of batch.updates) if (time >= min) b.push(row, time, diff);
    this.input.send(b);
    this.input.advanceTo(batch.upper === 'closed' ? Infinity : batch.upper);
  }
}
