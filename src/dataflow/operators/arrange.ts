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

export class ArrangeOp extends Operator {
  readonly arrangement: Arrangement;
  readonly errors: Stream;
  private readonly input: InputPort;
  private readonly keyFn: KeyFn;
  private readonly dropNullKeys: boolean;

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
    while (work < budget) {
      const b = this.input.queue.pop();
      if (b === undefined) break;
      work += b.length;
      const keys: PackedKey[] = new Array(b.length);
      const arity = this.keyFn.arity;
      let kept: UpdateBatch = b;
      let errs: UpdateBatch | undefined;
      let filtered = false;
      for (let i = 0; i < b.length; i++) {
        let key: PackedKey | undefined;
        try {
          key = this.keyFn.applyPacked(b.rows[i]!);
        } catch (e) {
          (errs ??= new UpdateBatch()).push(errorRow(e), b.times[i]!, b.diffs[i]!);
        }
        const drop = key === undefined || (this.dropNullKeys && packedHasNull(key, arity));
        if (drop && !filtered) {
          // Switch to copying: rows before i are kept as they are.
          filtered = true;
          kept = new UpdateBatch();
          for (let j = 0; j < i; j++) kept.push(b.rows[j]!, b.times[j]!, b.diffs[j]!);
          keys.length = i;
        }
        if (filtered) {
          if (!drop) {
            keys.push(key as PackedKey);
            kept.push(b.rows[i]!, b.times[i]!, b.diffs[i]!);
          }
        } else {
          keys[i] = key as PackedKey;
        }
      }
      this.arrangement.insert(keys, kept);
      if (errs !== undefined) this.errors.send(errs);
    }
    if (!this.input.queue.isEmpty) return true;
    this.arrangement.advance(this.input.frontier);
    this.errors.advance(this.input.frontier);
    return false;
  }

  override drop(): void {
    super.drop();
    this.input.stream.disconnect(this.input);
  }
}
