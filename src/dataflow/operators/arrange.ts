/**
 * Arrange: evaluates key expressions per row and inserts (key, row) into an Arrangement, whose
 * listeners (joins) react synchronously. Key evaluation errors go to the errors stream. Join-side
 * arrangements drop rows with NULL keys (NULL never equals NULL); index arrangements keep them.
 */
import type { MirScalarExpr } from '../../expr/index.ts';
import { Arrangement } from '../arrangement.ts';
import { UpdateBatch } from '../batch.ts';
import { errorRow } from '../errors.ts';
import { type PackedKey, packedHasNull } from '../keys.ts';
import { KeyFn } from '../scalar.ts';
import { type InputPort, Operator, Stream, type Worker } from '../worker.ts';

/** Rows inserted per arrangement.insert call. */
const SLICE = 4096;

export class ArrangeOp extends Operator {
  readonly arrangement: Arrangement;
  readonly errors: Stream;
  private readonly input: InputPort;
  private readonly keyFn: KeyFn;
  private readonly dropNullKeys: boolean;
  /** Position in the head input batch (batches are inserted in slices). */
  private offset = 0;
  /** Listener output per inserted row in the last slice (guessed high until measured). */
  private fanout = 64;

  constructor(worker: Worker, input: Stream, keys: readonly MirScalarExpr[], opts: { dropNullKeys: boolean; name?: string }) {
    const name = opts.name ?? 'arrange';
    super(worker, name);
    this.input = input.connect(this);
    this.keyFn = new KeyFn(keys);
    this.dropNullKeys = opts.dropNullKeys;
    this.arrangement = new Arrangement(name, keys.length);
    this.errors = new Stream(worker, `${name}.errors`);
    this.activate();
  }

  run(budget: number): boolean {
    let work = 0;
    while (work + this.worker.chargedSinceRun < budget) {
      const head = this.input.queue.peek();
      if (head === undefined) break;
      // Insert in slices, so a listener's fan-out (a join) is charged before the next slice; the
      // slice shrinks when each row produced much output, keeping downstream queues bounded.
      const size = Math.max(16, Math.min(SLICE, Math.floor(budget / Math.max(1, this.fanout))));
      const end = Math.min(head.length, this.offset + size);
      const charged = this.worker.chargedSinceRun;
      this.insertRange(head, this.offset, end);
      this.fanout = (this.worker.chargedSinceRun - charged) / (end - this.offset);
      work += end - this.offset;
      if (end >= head.length) {
        this.input.queue.pop();
        this.offset = 0;
      } else {
        this.offset = end;
      }
    }
    if (!this.input.queue.isEmpty) return true;
    this.arrangement.advance(this.input.frontier);
    this.errors.advance(this.input.frontier);
    return false;
  }

  private insertRange(b: UpdateBatch, from: number, to: number): void {
    const arity = this.keyFn.arity;
    const whole = from === 0 && to === b.length;
    const keys: PackedKey[] = [];
    let kept = whole ? b : new UpdateBatch();
    let errs: UpdateBatch | undefined;
    let copying = !whole;
    for (let i = from; i < to; i++) {
      let key: PackedKey | undefined;
      try {
        key = this.keyFn.applyPacked(b.rows[i]!);
      } catch (e) {
        (errs ??= new UpdateBatch()).push(errorRow(e), b.times[i]!, b.diffs[i]!);
      }
      const drop = key === undefined || (this.dropNullKeys && packedHasNull(key, arity));
      if (drop && !copying) {
        // Switch to copying: rows before i are kept as they are.
        copying = true;
        kept = new UpdateBatch();
        for (let j = from; j < i; j++) kept.push(b.rows[j]!, b.times[j]!, b.diffs[j]!);
      }
      if (drop) continue;
      keys.push(key as PackedKey);
      if (copying) kept.push(b.rows[i]!, b.times[i]!, b.diffs[i]!);
    }
    this.arrangement.insert(keys, kept);
    if (errs !== undefined) this.errors.send(errs);
  }

  override drop(): void {
    super.drop();
    this.input.stream.disconnect(this.input);
  }
}
