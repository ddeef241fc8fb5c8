/**
 * Threshold keeps rows with positive multiplicity (at that multiplicity); Consolidate merges
 * updates to the same (row, time) and drops zeros. Both hold per-row state (threshold: counts;
 * consolidate: only the updates of the time being finished).
 */
import { type Row, rowKey } from '../../repr/index.ts';
import type { Stream, Worker } from '../worker.ts';
import { TimeOrderedOp } from './time-ordered.ts';

interface Counted {
  readonly row: Row;
  count: number;
  committed: number;
}

export class ThresholdOp extends TimeOrderedOp {
  private readonly counts = new Map<string, Counted>();
  private touched: Counted[] = [];

  constructor(worker: Worker, input: Stream, name = 'threshold') {
    super(worker, input, name);
  }

  protected apply(row: Row, _time: number, diff: number): void {
    const k = rowKey(row);
    let c = this.counts.get(k);
    if (c === undefined) {
      c = { row, count: 0, committed: 0 };
      this.counts.set(k, c);
    }
    if (c.count === c.committed) this.touched.push(c);
    c.count += diff;
  }

  protected finish(time: number): void {
    const touched = this.touched;
    this.touched = [];
    for (const c of touched) {
      const d = Math.max(c.count, 0) - Math.max(c.committed, 0);
      if (d !== 0) this.out.push(c.row, time, d);
      c.committed = c.count;
      if (c.count === 0) this.counts.delete(rowKey(c.row));
    }
  }
}

export class ConsolidateOp extends TimeOrderedOp {
  private acc = new Map<string, [Row, number]>();

  constructor(worker: Worker, input: Stream, name = 'consolidate') {
    super(worker, input, name);
  }

  protected apply(row: Row, _time: number, diff: number): void {
    const k = rowKey(row);
    const cur = this.acc.get(k);
    if (cur === undefined) this.acc.set(k, [row, diff]);
    else cur[1] += diff;
  }

  protected finish(time: number): void {
    for (const [r, d] of this.acc.values()) if (d !== 0) this.out.push(r, time, d);
    this.acc = new Map();
  }
}
