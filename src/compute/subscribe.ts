/**
 * Subscribe export: turns a dataflow output into an ordered change stream. Updates are buffered
 * until the output frontier (min of rows and errors) passes their time, then sent as one batch per
 * frontier advance covering [lower, upper): consolidated per (row, time), sorted by time.
 */
import type { UpdateBatch } from '../dataflow/index.ts';
import { errorFromRow } from '../dataflow/index.ts';
import type { GlobalId } from '../expr/index.ts';
import { type Frontier, type Row, type Timestamp, type Update, compareRows, rowKey } from '../repr/index.ts';
import type { ComputeResponse } from './protocol.ts';

export class SubscribeExport {
  readonly id: GlobalId;
  private readonly upTo: number;
  private readonly emit: (r: ComputeResponse) => void;
  private readonly onDone: () => void;
  private lower: number;
  private okFrontier = 0;
  private errFrontier = 0;
  private buffer: [Row, number, number][] = [];
  private done = false;

  constructor(opts: { id: GlobalId; asOf: number; upTo?: number | undefined; emit: (r: ComputeResponse) => void; onDone: () => void }) {
    this.id = opts.id;
    this.lower = opts.asOf;
    this.upTo = opts.upTo ?? Infinity;
    this.emit = opts.emit;
    this.onDone = opts.onDone;
  }

  get upper(): Frontier {
    return this.lower === Infinity ? 'closed' : (this.lower as Timestamp);
  }

  stop(): void {
    this.done = true;
  }

  onBatch(b: UpdateBatch): void {
    if (this.done) return;
    for (let i = 0; i < b.length; i++) if (b.times[i]! < this.upTo) this.buffer.push([b.rows[i]!, b.times[i]!, b.diffs[i]!]);
  }

  onErrors(b: UpdateBatch): void {
    if (this.done) return;
    const errs: Row[] = [];
    for (let i = 0; i < b.length; i++) if (b.diffs[i]! > 0 && b.times[i]! < this.upTo) errs.push(b.rows[i]!);
    if (errs.length === 0) return;
    errs.sort(compareRows);
    this.done = true;
    this.emit({ kind: 'SubscribeResponse', id: this.id, batch: { error: errorFromRow(errs[0]!) } });
    this.onDone();
  }

  onFrontier(which: 'oks' | 'errs', f: number): void {
    if (which === 'oks') this.okFrontier = f;
    else this.errFrontier = f;
    if (this.done) return;
    if (this.upTo <= this.lower) {
      // AS OF = UP TO: nothing can ever be emitted; end the stream at once.
      this.done = true;
      this.emit({ kind: 'SubscribeResponse', id: this.id, batch: { lower: this.lower as Timestamp, upper: this.upTo as Timestamp, updates: [] } });
      this.onDone();
      return;
    }
    const upper = Math.min(this.okFrontier, this.errFrontier, this.upTo);
    if (upper <= this.lower) return;
    const ready = new Map<string, [Row, number, number]>();
    const rest: [Row, number, number][] = [];
    for (const u of this.buffer) {
      if (u[1] >= upper) {
        rest.push(u);
        continue;
      }
      const t = Math.max(u[1], this.lower);
      const k = `${t}|${rowKey(u[0])}`;
      const cur = ready.get(k);
      if (cur === undefined) ready.set(k, [u[0], t, u[2]]);
      else cur[2] += u[2];
    }
    this.buffer = rest;
    const updates: Update[] = [];
    for (const [r, t, d] of ready.values()) if (d !== 0) updates.push([r, t as Timestamp, d]);
    updates.sort((a, b) => a[1] - b[1] || compareRows(a[0], b[0]));
    const lower = this.lower;
    this.lower = upper;
    this.emit({ kind: 'SubscribeResponse', id: this.id, batch: { lower: lower as Timestamp, upper: upper === Infinity ? 'closed' : (upper as Timestamp), updates } });
    if (upper >= this.upTo) {
      this.done = true;
      this.onDone();
    }
  }
}
