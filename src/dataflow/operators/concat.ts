/** Concat (bag union) of several streams, and Negate. Both stateless. */
import { UpdateBatch } from '../batch.ts';
import { type InputPort, Operator, Stream, type Worker } from '../worker.ts';

export class ConcatOp extends Operator {
  readonly output: Stream;
  private readonly inputs: InputPort[];

  constructor(worker: Worker, inputs: readonly Stream[], name = 'concat') {
    super(worker, name);
    this.inputs = inputs.map((s) => s.connect(this));
    this.output = new Stream(worker, name);
    this.activate();
  }

  run(budget: number): boolean {
    let work = 0;
    let more = false;
    let frontier = Infinity;
    for (const p of this.inputs) {
      while (work < budget) {
        const b = p.queue.pop();
        if (b === undefined) break;
        work += b.length;
        this.output.send(b);
      }
      if (!p.queue.isEmpty) more = true;
      frontier = Math.min(frontier, p.frontier);
    }
    if (more) return true;
    this.output.advance(frontier);
    return false;
  }
}

export class NegateOp extends Operator {
  readonly output: Stream;
  private readonly input: InputPort;

  constructor(worker: Worker, input: Stream, name = 'negate') {
    super(worker, name);
    this.input = input.connect(this);
    this.output = new Stream(worker, name);
  }

  run(budget: number): boolean {
    let work = 0;
    while (work < budget) {
      const b = this.input.queue.pop();
      if (b === undefined) break;
      work += b.length;
      const out = new UpdateBatch();
      for (let i = 0; i < b.length; i++) out.push(b.rows[i]!, b.times[i]!, -b.diffs[i]!);
      this.output.send(out);
    }
    if (!this.input.queue.isEmpty) return true;
    this.output.advance(this.input.frontier);
    return false;
  }
}
