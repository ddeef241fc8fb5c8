/**
 * TopK: per group (key columns), keeps the rows ranked [offset, offset + limit) by the column
 * order, ties broken by the full row, multiplicities expanded (a row with count 3 takes three
 * ranks). State: per group a sorted array of (row, count).
 */
import type { ColumnOrder } from '../../expr/index.ts';
import { type Row, rowKey } from '../../repr/index.ts';
import { KeyedMap, packKey } from '../keys.ts';
import { rowComparator } from '../order.ts';
import type { Stream, Worker } from '../worker.ts';
import { TimeOrderedOp } from './time-ordered.ts';

class TopGroup {
  readonly key: Row;
  rows: Row[] = [];
  counts: number[] = [];
  output: [Row, number][] = [];
  touched = false;
  constructor(key: Row) {
    this.key = key;
  }
}

export class TopKOp extends TimeOrderedOp {
  private readonly groupKey: readonly number[];
  private readonly compare: (a: Row, b: Row) => number;
  private readonly limit: number;
  private readonly offset: number;
  private readonly groups: KeyedMap<TopGroup>;
  private touched: TopGroup[] = [];

  constructor(worker: Worker, input: Stream, spec: { groupKey: readonly number[]; order: readonly ColumnOrder[]; limit?: number | undefined; offset: number }, name = 'topK') {
    super(worker, input, name);
    this.groupKey = spec.groupKey;
    this.groups = new KeyedMap(spec.groupKey.length);
    this.compare = rowComparator(spec.order);
    this.limit = spec.limit ?? Infinity;
    this.offset = spec.offset;
  }

  protected apply(row: Row, _time: number, diff: number): void {
    const key = this.groupKey.map((c) => row[c] ?? null);
    const packed = packKey(key);
    let g = this.groups.get(packed);
    if (g === undefined) {
      g = new TopGroup(key);
      this.groups.set(packed, g);
    }
    if (!g.touched) {
      g.touched = true;
      this.touched.push(g);
    }
    const rows = g.rows;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(rows[mid]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < rows.length && this.compare(rows[lo]!, row) === 0) {
      const c = g.counts[lo]! + diff;
      if (c === 0) {
        rows.splice(lo, 1);
        g.counts.splice(lo, 1);
      } else g.counts[lo] = c;
    } else {
      rows.splice(lo, 0, row);
      g.counts.splice(lo, 0, diff);
    }
  }

  protected finish(time: number): void {
    const touched = this.touched;
    this.touched = [];
    for (const g of touched) {
      g.touched = false;
      const next: [Row, number][] = [];
      let skip = this.offset;
      let take = this.limit;
      for (let i = 0; i < g.rows.length && take > 0; i++) {
        let c = g.counts[i]!;
        if (c <= 0) continue;
        const s = Math.min(skip, c);
        skip -= s;
        c -= s;
        const t = Math.min(take, c);
        if (t > 0) {
          next.push([g.rows[i]!, t]);
          take -= t;
        }
      }
      const delta = new Map<string, [Row, number]>();
      for (const [r, c] of g.output) delta.set(rowKey(r), [r, -c]);
      for (const [r, c] of next) {
        const k = rowKey(r);
        const cur = delta.get(k);
        if (cur === undefined) delta.set(k, [r, c]);
        else cur[1] += c;
      }
      for (const [r, c] of delta.values()) if (c !== 0) this.out.push(r, time, c);
      g.output = next;
      if (g.rows.length === 0) this.groups.delete(packKey(g.key));
    }
  }
}
