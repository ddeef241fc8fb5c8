/**
 * Binary equi-join of two arrangements with the same key arity. Output rows are left ++ right,
 * at time max(tl, tr, lower) with diff dl * dr, where `lower` is the dataflow's asOf (imported
 * arrangements may hold older times). The join keeps no state of its own: it reacts to each batch
 * arranged on either side by looking up the other side's trace (see arrangement.ts for why each
 * pair is produced exactly once). Keys with a NULL never match.
 *
 * Compaction holds: the left trace is only read for right batches, whose times are >= the right
 * upper, so the join holds the left arrangement at the right upper (and vice versa).
 */
import type { Row } from '../../repr/index.ts';
import type { Arrangement, ArrangementListener } from '../arrangement.ts';
import { UpdateBatch } from '../batch.ts';
import { type PackedKey, concatRows, packKey, packedHasNull } from '../keys.ts';
import { invariant } from '../../util/index.ts';
import { Operator, Stream, type Worker } from '../worker.ts';

export class JoinOp extends Operator {
  readonly output: Stream;
  private readonly left: Arrangement;
  private readonly right: Arrangement;
  private readonly lower: number;
  private initial: UpdateBatch | undefined;
  private readonly leftListener: ArrangementListener;
  private readonly rightListener: ArrangementListener;

  constructor(worker: Worker, left: Arrangement, right: Arrangement, lower: number, name = 'join') {
    super(worker, name);
    invariant(left.keyArity === right.keyArity, `${name}: key arities differ`);
    this.left = left;
    this.right = right;
    this.lower = lower;
    this.output = new Stream(worker, name);
    // Pairs already present in both traces when the join is built (both imported) are produced now,
    // before any listener can fire, so none is produced twice.
    if (left.trace.records > 0 && right.trace.records > 0) {
      const init = new UpdateBatch();
      left.trace.forEachUpdate((key, val, time, diff) => this.probe(right, packKey(key), val, time, diff, true, init));
      this.initial = init;
    }
    this.leftListener = {
      onBatch: (keys, batch) => this.onBatch(this.right, keys, batch, true),
      onFrontier: () => this.activate(),
    };
    this.rightListener = {
      onBatch: (keys, batch) => this.onBatch(this.left, keys, batch, false),
      onFrontier: () => this.activate(),
    };
    left.addListener(this.leftListener, 'before');
    right.addListener(this.rightListener, 'after');
    left.setHold(this, Math.max(lower, right.frontier === Infinity ? lower : right.frontier));
    right.setHold(this, Math.max(lower, left.frontier === Infinity ? lower : left.frontier));
    this.activate();
  }

  private onBatch(other: Arrangement, keys: readonly PackedKey[], batch: UpdateBatch, deltaIsLeft: boolean): void {
    const out = new UpdateBatch();
    for (let i = 0; i < batch.length; i++) this.probe(other, keys[i]!, batch.rows[i]!, batch.times[i]!, batch.diffs[i]!, deltaIsLeft, out);
    this.worker.charge(out.length);
    this.output.send(out);
  }

  private probe(other: Arrangement, key: PackedKey, row: Row, time: number, diff: number, deltaIsLeft: boolean, out: UpdateBatch): void {
    if (packedHasNull(key, other.keyArity)) return;
    const e = other.trace.get(key);
    if (e === undefined) return;
    const lower = this.lower;
    const vals = e.vals;
    const times = e.times;
    const diffs = e.diffs;
    for (let j = 0; j < vals.length; j++) {
      let t = times[j]!;
      if (t < time) t = time;
      if (t < lower) t = lower;
      out.push(deltaIsLeft ? concatRows(row, vals[j]!) : concatRows(vals[j]!, row), t, diff * diffs[j]!);
    }
  }

  run(): boolean {
    if (this.initial !== undefined) {
      this.output.send(this.initial);
      this.initial = undefined;
    }
    const lf = this.left.frontier;
    const rf = this.right.frontier;
    // Holds may only move forward while the other side can still send.
    if (rf !== Infinity) this.left.setHold(this, Math.max(this.lower, rf));
    if (lf !== Infinity) this.right.setHold(this, Math.max(this.lower, lf));
    this.output.advance(Math.min(lf, rf));
    return false;
  }

  override drop(): void {
    super.drop();
    this.left.removeListener(this.leftListener);
    this.right.removeListener(this.rightListener);
    this.left.releaseHold(this);
    this.right.releaseHold(this);
  }
}
