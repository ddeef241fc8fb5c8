/**
 * Update batches: the unit of data moving between operators. Struct-of-arrays (rows, times, diffs)
 * so a batch of n updates allocates three arrays instead of n tuples. A batch is immutable once
 * sent on a stream (several consumers may hold it).
 */
import type { Row } from '../repr/index.ts';

export class UpdateBatch {
  readonly rows: Row[] = [];
  readonly times: number[] = [];
  readonly diffs: number[] = [];

  get length(): number {
    return this.rows.length;
  }

  push(row: Row, time: number, diff: number): void {
    this.rows.push(row);
    this.times.push(time);
    this.diffs.push(diff);
  }

  static of(updates: Iterable<readonly [Row, number, number]>): UpdateBatch {
    const b = new UpdateBatch();
    for (const [r, t, d] of updates) b.push(r, t, d);
    return b;
  }
}

/** A FIFO of batches without Array.shift (amortised O(1) pops). */
export class BatchQueue {
  private items: UpdateBatch[] = [];
  private head = 0;

  get isEmpty(): boolean {
    return this.head >= this.items.length;
  }

  push(b: UpdateBatch): void {
    this.items.push(b);
  }

  peek(): UpdateBatch | undefined {
    return this.items[this.head];
  }

  pop(): UpdateBatch | undefined {
    const b = this.items[this.head];
    if (b === undefined) return undefined;
    this.items[this.head] = undefined as unknown as UpdateBatch;
    this.head++;
    if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return b;
  }

  /** Total number of updates queued. */
  updateCount(): number {
    let n = 0;
    for (let i = this.head; i < this.items.length; i++) n += this.items[i]!.length;
    return n;
  }
}
