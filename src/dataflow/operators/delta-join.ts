/**
 * Delta join of n >= 3 arrangements keyed alike (one shared key, e.g. a.x = b.x = c.x): each input's
 * changes look up every other input's trace by the same key; output rows are the inputs' rows
 * concatenated in input order, at time max(t_0..t_n-1, lower), diff = the product. No intermediate
 * results are arranged (a binary chain arranges each prefix join).
 *
 * Each combination is produced exactly once, by the input whose row arrived last: arrivals into
 * distinct arrangements are totally ordered (one worker, synchronous listeners) and a listener's
 * lookups see exactly the rows inserted before. This needs the arrangements to be distinct objects
 * (an arrangement used at two positions would see its own batch at neither; the renderer then uses
 * the binary chain, whose before/after listeners handle self-joins).
 *
 * Compaction: input i is read only for other inputs' batches, at times >= their uppers, so it is
 * held at the least upper of the others.
 */
import type { Row } from '../../repr/index.ts';
import { invariant } from '../../util/index.ts';
import type { Arrangement, ArrangementListener } from '../arrangement.ts';
import { UpdateBatch } from '../batch.ts';
import { type PackedKey, packKey, packedHasNull } from '../keys.ts';
import type { TraceEntry } from '../trace.ts';
import { Operator, Stream, type Worker } from '../worker.ts';

export class DeltaJoinOp extends Operator {
  readonly output: Stream;
  private readonly inputs: readonly Arrangement[];
  private readonly lower: number;
  private readonly listeners: ArrangementListener[] = [];
  private initial: UpdateBatch | undefined;
  /** Scratch: the other inputs' entries for the key being probed. */
  private readonly entries: (TraceEntry | undefined)[];

  constructor(worker: Worker, inputs: readonly Arrangement[], lower: number, name = 'delta join') {
    super(worker, name);
    invariant(inputs.length >= 2, `${name}: needs at least two inputs`);
    invariant(new Set(inputs).size === inputs.length, `${name}: inputs must be distinct arrangements`);
    invariant(inputs.every((a) => a.keyArity === inputs[0]!.keyArity), `${name}: key arities differ`);
    this.inputs = inputs;
    this.lower = lower;
    this.entries = inputs.map(() => undefined);
    this.output = new Stream(worker, name);
    // Combinations already present in every trace (imported arrangements) are produced now, before
    // any listener can fire, so none is produced twice.
    if (inputs.every((a) => a.trace.records > 0)) {
      const init = new UpdateBatch();
      inputs[0]!.trace.forEachUpdate((key, val, time, diff) => this.probe(0, packKey(key), val, time, diff, init));
      this.initial = init;
    }
    inputs.forEach((a, i) => {
      const l: ArrangementListener = {
        onBatch: (keys, batch) => this.onBatch(i, keys, batch),
        onFrontier: () => this.activate(),
      };
      this.listeners.push(l);
      a.addListener(l, 'before');
    });
    this.updateHolds(true);
    this.activate();
  }

  private onBatch(i: number, keys: readonly PackedKey[], batch: UpdateBatch): void {
    const out = new UpdateBatch();
    for (let u = 0; u < batch.length; u++) this.probe(i, keys[u]!, batch.rows[u]!, batch.times[u]!, batch.diffs[u]!, out);
    this.worker.charge(out.length);
    this.output.send(out);
  }

  private probe(i: number, key: PackedKey, row: Row, time: number, diff: number, out: UpdateBatch): void {
    const inputs = this.inputs;
    if (packedHasNull(key, inputs[0]!.keyArity)) return;
    const entries = this.entries;
    for (let j = 0; j < inputs.length; j++) {
      if (j === i) continue;
      const e = inputs[j]!.trace.get(key);
      if (e === undefined || e.vals.length === 0) return;
      entries[j] = e;
    }
    this.expand(i, row, 0, [], Math.max(time, this.lower), diff, out);
  }

  /** Emits the cartesian product of the other inputs' entries, positions in input order. */
  private expand(i: number, row: Row, j: number, prefix: Row, time: number, diff: number, out: UpdateBatch): void {
    if (j === this.inputs.length) {
      out.push(prefix, time, diff);
      return;
    }
    if (j === i) {
      this.expand(i, row, j + 1, prefix.concat(row), time, diff, out);
      return;
    }
    const e = this.entries[j]!;
    const vals = e.vals;
    const times = e.times;
    const diffs = e.diffs;
    for (let k = 0; k < vals.length; k++) {
      const t = times[k]! > time ? times[k]! : time;
      this.expand(i, row, j + 1, prefix.concat(vals[k]!), t, diff * diffs[k]!, out);
    }
  }

  private updateHolds(initial: boolean): void {
    const n = this.inputs.length;
    for (let i = 0; i < n; i++) {
      let others = Infinity;
      for (let j = 0; j < n; j++) if (j !== i) others = Math.min(others, this.inputs[j]!.frontier);
      // Holds may only move forward while some other input can still send.
      if (others !== Infinity) this.inputs[i]!.setHold(this, Math.max(this.lower, others));
      else if (initial) this.inputs[i]!.setHold(this, this.lower);
    }
  }

  run(): boolean {
    if (this.initial !== undefined) {
      this.output.send(this.initial);
      this.initial = undefined;
    }
    this.updateHolds(false);
    let f = Infinity;
    for (const a of this.inputs) f = Math.min(f, a.frontier);
    this.output.advance(f);
    return false;
  }

  override drop(): void {
    super.drop();
    this.inputs.forEach((a, i) => {
      a.removeListener(this.listeners[i]!);
      a.releaseHold(this);
    });
  }
}
