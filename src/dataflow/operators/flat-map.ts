/**
 * FlatMap: for each input row, evaluates the argument expressions and appends each row the table
 * function returns (input row ++ output row), with the input's time and diff. Stateless.
 */
import type { MirScalarExpr } from '../../expr/index.ts';
import type { Row } from '../../repr/index.ts';
import { UpdateBatch } from '../batch.ts';
import { errorRow } from '../errors.ts';
import { concatRows } from '../keys.ts';
import { type CompiledScalar, compileScalar } from '../scalar.ts';
import { type InputPort, Operator, Stream, type Worker } from '../worker.ts';
import { type TableFunction, lookupTableFunc } from './table-funcs.ts';

export class FlatMapOp extends Operator {
  readonly output: Stream;
  readonly errors: Stream;
  private readonly input: InputPort;
  private readonly func: string;
  private readonly args: readonly CompiledScalar[];

  constructor(worker: Worker, input: Stream, func: string, exprs: readonly MirScalarExpr[], name = 'flatMap') {
    super(worker, name);
    this.input = input.connect(this);
    this.func = func;
    this.args = exprs.map(compileScalar);
    this.output = new Stream(worker, name);
    this.errors = new Stream(worker, `${name}.errors`);
  }

  run(budget: number): boolean {
    let work = 0;
    let f: TableFunction | undefined;
    while (work < budget) {
      const b = this.input.queue.pop();
      if (b === undefined) break;
      work += b.length;
      const out = new UpdateBatch();
      const errs = new UpdateBatch();
      for (let i = 0; i < b.length; i++) {
        const row = b.rows[i]!;
        try {
          f ??= lookupTableFunc(this.func);
          const produced = f(this.args.map((a) => a(row)));
          for (const p of produced) out.push(concatRows(row, p), b.times[i]!, b.diffs[i]!);
        } catch (e) {
          errs.push(errorRow(e), b.times[i]!, b.diffs[i]!);
        }
      }
      this.output.send(out);
      this.errors.send(errs);
    }
    if (!this.input.queue.isEmpty) return true;
    this.output.advance(this.input.frontier);
    this.errors.advance(this.input.frontier);
    return false;
  }
}
