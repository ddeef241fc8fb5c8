/**
 * Base for operators whose output at time t depends on the whole input at t (reduce, top-k,
 * threshold, consolidate). Updates are buffered until the input frontier passes their time, then
 * applied in time order; `finish(t)` is called after the updates of time t (or after a budget-sized
 * slice of them: emitting a change and later correcting it at the same time is still correct,
 * since the output at t is the sum of everything emitted at t).
 * Fast path: updates at exactly the input frontier (the least time still possible), with nothing
 * older outstanding, are applied as they arrive and finished when the frontier passes — the common
 * case (one timestamp per batch, snapshots) buffers and copies nothing.
 * Output frontier = the least time not yet finished.
 */
import type { Row } from '../../repr/index.ts';
import { UpdateBatch } from '../batch.ts';
import { type InputPort, Operator, Stream, type Worker } from '../worker.ts';

export abstract class TimeOrderedOp extends Operator {
  readonly output: Stream;
  readonly errors: Stream;
  protected readonly input: InputPort;
  private pending: UpdateBatch[] = [];
  /** Least time in `pending` (Infinity when empty). */
  private pendingMin = Infinity;
  /** The time of updates applied on arrival and not finished yet (see run). */
  private eagerTime: number | undefined;
  /** Updates ready to apply, in time order: batches[readyBatch] from readyPos on. */
  private ready: UpdateBatch[] = [];
  private readyBatch = 0;
  private readyPos = 0;
  /** Output updates of the slice being processed, sent after each finish. */
  protected out = new UpdateBatch();
  protected errs = new UpdateBatch();

  constructor(worker: Worker, input: Stream, name: string) {
    super(worker, name);
    this.input = input.connect(this);
    this.output = new Stream(worker, name);
    this.errors = new Stream(worker, `${name}.errors`);
  }

  /** Applies one input update at `time` (all earlier times are finished). */
  protected abstract apply(row: Row, time: number, diff: number): void;
  /** Emits the output changes at `time` of everything touched since the last finish. */
  protected abstract finish(time: number): void;

  run(budget: number): boolean {
    let work = 0;
    while (work < budget) {
      // Eager path: when nothing older is outstanding (queued batches may still hold times below
      // the current frontier: they were sent before it advanced), batches entirely at the input
      // frontier (the least time still possible) are applied on arrival and finished once the
      // frontier passes. Steady-state batches and snapshots take this path: nothing is buffered.
      if (this.ready.length === 0 && this.pending.length === 0) {
        if (this.input.queue.isEmpty) break;
        work += this.takeQueue();
        continue;
      }
      this.drainQueue();
      if (this.ready.length === 0) {
        if (!this.extractReady()) break;
        // Updates at the eager time continue it; a later first time closes it first.
        if (this.eagerTime !== undefined && this.ready[0]!.times[0] !== this.eagerTime) this.closeEager();
        this.eagerTime = undefined;
      }
      const r = this.ready[this.readyBatch]!;
      let pos = this.readyPos;
      let cur = r.times[pos]!;
      const end = Math.min(r.length, pos + (budget - work));
      for (; pos < end; pos++) {
        const t = r.times[pos]!;
        if (t !== cur) {
          this.finish(cur);
          cur = t;
        }
        this.apply(r.rows[pos]!, t, r.diffs[pos]!);
      }
      work += pos - this.readyPos;
      this.readyPos = pos;
      if (pos >= r.length) {
        this.readyBatch++;
        this.readyPos = 0;
        if (this.readyBatch >= this.ready.length) {
          this.ready = [];
          this.readyBatch = 0;
        }
      }
      // Finish at batch boundaries only when the next update has another time (or none is left).
      const next = this.ready[this.readyBatch];
      if (next === undefined || next.times[this.readyPos] !== cur || work >= budget) {
        this.finish(cur);
        this.flush();
      }
    }
    if (this.eagerTime !== undefined && this.eagerTime < this.input.frontier && this.ready.length === 0 && this.pendingMin > this.eagerTime) {
      this.closeEager();
    }
    this.flush();
    const head = this.ready[this.readyBatch];
    let frontier = head !== undefined ? head.times[this.readyPos]! : Math.min(this.input.frontier, this.pendingMin);
    if (this.eagerTime !== undefined) frontier = Math.min(frontier, this.eagerTime);
    this.output.advance(Math.max(frontier, this.output.frontier));
    this.errors.advance(Math.max(frontier, this.errors.frontier));
    return head !== undefined || !this.input.queue.isEmpty || this.hasReadyPending() ||
      (this.eagerTime !== undefined && this.eagerTime < this.input.frontier);
  }

  /** Moves the whole input queue: eagerly applied if possible (see run), else into `pending`. */
  private takeQueue(): number {
    const f = this.input.frontier;
    const batches: UpdateBatch[] = [];
    let older = false;
    for (;;) {
      const b = this.input.queue.pop();
      if (b === undefined) break;
      batches.push(b);
      if (!older) for (let i = 0; i < b.length; i++) if (b.times[i]! < f) { older = true; break; }
    }
    let work = 0;
    for (const b of batches) {
      if (older || !allAt(b, f)) {
        this.pushPending(b);
        continue;
      }
      if (this.eagerTime !== undefined && this.eagerTime !== f) this.closeEager();
      for (let i = 0; i < b.length; i++) this.apply(b.rows[i]!, f, b.diffs[i]!);
      this.eagerTime = f;
      work += b.length;
    }
    return work;
  }

  private closeEager(): void {
    this.finish(this.eagerTime!);
    this.eagerTime = undefined;
    this.flush();
  }

  private drainQueue(): void {
    for (;;) {
      const b = this.input.queue.pop();
      if (b === undefined) break;
      this.pushPending(b);
    }
  }

  private pushPending(b: UpdateBatch): void {
    this.pending.push(b);
    const times = b.times;
    let m = this.pendingMin;
    for (let i = 0; i < times.length; i++) if (times[i]! < m) m = times[i]!;
    this.pendingMin = m;
  }

  private flush(): void {
    if (this.out.length > 0) {
      this.output.send(this.out);
      this.out = new UpdateBatch();
    }
    if (this.errs.length > 0) {
      this.errors.send(this.errs);
      this.errs = new UpdateBatch();
    }
  }

  private minPending(): number {
    return this.pendingMin;
  }

  private hasReadyPending(): boolean {
    return this.pendingMin < this.input.frontier;
  }

  /**
   * Moves updates at times < the input frontier from `pending` into `ready`, in time order. Whole
   * batches move without copying; a merge sort is only needed when ready updates span several times.
   */
  private extractReady(): boolean {
    const f = this.input.frontier;
    if (this.pending.length === 0 || this.pendingMin >= f) return false;
    const ready: UpdateBatch[] = [];
    const keep: UpdateBatch[] = [];
    let rest: UpdateBatch | undefined;
    let minT = Infinity;
    let maxT = -Infinity;
    for (const b of this.pending) {
      let lo = Infinity;
      let hi = -Infinity;
      const times = b.times;
      for (let i = 0; i < times.length; i++) {
        const t = times[i]!;
        if (t < lo) lo = t;
        if (t > hi) hi = t;
      }
      if (hi < f) {
        ready.push(b);
      } else if (lo >= f) {
        keep.push(b);
        continue;
      } else {
        const part = new UpdateBatch();
        rest ??= new UpdateBatch();
        for (let i = 0; i < b.length; i++) (times[i]! < f ? part : rest).push(b.rows[i]!, times[i]!, b.diffs[i]!);
        ready.push(part);
        hi = Math.min(hi, f - 1);
      }
      if (lo < minT) minT = lo;
      if (hi > maxT) maxT = hi;
    }
    if (rest !== undefined) keep.push(rest);
    this.pending = keep;
    let m = Infinity;
    for (const b of keep) for (let i = 0; i < b.length; i++) if (b.times[i]! < m) m = b.times[i]!;
    this.pendingMin = m;
    if (ready.length === 0) return false;
    if (minT === maxT) this.ready = ready;
    else {
      const merged = new UpdateBatch();
      for (const b of ready) for (let i = 0; i < b.length; i++) merged.push(b.rows[i]!, b.times[i]!, b.diffs[i]!);
      this.ready = [sortByTime(merged)];
    }
    this.readyBatch = 0;
    this.readyPos = 0;
    return true;
  }
}

function allAt(b: UpdateBatch, t: number): boolean {
  const times = b.times;
  for (let i = 0; i < times.length; i++) if (times[i] !== t) return false;
  return true;
}

function sortByTime(b: UpdateBatch): UpdateBatch {
  const idx = Array.from({ length: b.length }, (_, i) => i);
  idx.sort((x, y) => b.times[x]! - b.times[y]! || x - y);
  const out = new UpdateBatch();
  for (const i of idx) out.push(b.rows[i]!, b.times[i]!, b.diffs[i]!);
  return out;
}
