/**
 * Input: where updates enter a dataflow. The owner sends updates (at times >= the current
 * frontier) and advances the frontier; the operator forwards them in budget-sized slices so a
 * million-row snapshot does not monopolise the event loop.
 */
import type { Row } from '../../repr/index.ts';
import { invariant } from '../../util/index.ts';
import { BatchQueue, UpdateBatch } from '../batch.ts';
import { Operator, Stream, type Worker } from '../worker.ts';

export class InputOp extends Operator {
  readonly output: Stream;
  private readonly queue = new BatchQueue();
  private offset = 0;
  private target = 0;

  constructor(worker: Worker, name = 'input') {
    super(worker, name);
    this.output = new Stream(worker, name);
  }

  /** The frontier promised so far (sent updates must be at or after it). */
  get frontier(): number {
    return this.target;
  }

  send(batch: UpdateBatch): void {
    if (batch.length === 0) return;
    for (let i = 0; i < batch.length; i++) {
      invariant(batch.times[i]! >= this.target, `input ${this.name}: update at time ${batch.times[i]} is before frontier ${this.target}`);
    }
    this.queue.push(batch);
    this.activate();
  }

  sendUpdates(updates: Iterable<readonly [Row, number, number]>): void {
    this.send(UpdateBatch.of(updates));
  }

  advanceTo(frontier: number): void {
    if (frontier <= this.target) return;
    this.target = frontier;
    this.activate();
  }

  close(): void {
    this.advanceTo(Infinity);
  }

  run(budget: number): boolean {
    let work = 0;
    while (work < budget) {
      const head = this.queue.peek();
      if (head === undefined) break;
      const remaining = head.length - this.offset;
      if (this.offset === 0 && remaining <= budget - work) {
        this.queue.pop();
        this.output.send(head);
        work += remaining;
        continue;
      }
      const n = Math.min(remaining, Math.max(1, budget - work));
      const slice = new UpdateBatch();
      for (let i = this.offset; i < this.offset + n; i++) slice.push(head.rows[i]!, head.times[i]!, head.diffs[i]!);
      this.output.send(slice);
      work += n;
      this.offset += n;
      if (this.offset >= head.length) {
        this.queue.pop();
        this.offset = 0;
      }
    }
    if (this.queue.isEmpty) {
      this.output.advance(this.target);
      return false;
    }
    return true;
  }
}
