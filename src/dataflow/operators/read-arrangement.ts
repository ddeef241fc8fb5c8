/**
 * ReadArrangement: turns a (possibly imported, shared) arrangement back into a stream of updates:
 * its trace contents when the reader is built, then every batch arranged after. Times are advanced
 * to `lower` (the dataflow's asOf). Holds the arrangement at its own progress.
 */
import type { Arrangement, ArrangementListener } from '../arrangement.ts';
import { BatchQueue, UpdateBatch } from '../batch.ts';
import { Operator, Stream, type Worker } from '../worker.ts';

export class ReadArrangementOp extends Operator {
  readonly output: Stream;
  private readonly arrangement: Arrangement;
  private readonly lower: number;
  private readonly queue = new BatchQueue();
  private readonly listener: ArrangementListener;

  constructor(worker: Worker, arrangement: Arrangement, lower: number, name = 'readArrangement') {
    super(worker, name);
    this.arrangement = arrangement;
    this.lower = lower;
    this.output = new Stream(worker, name);
    const snap = new UpdateBatch();
    arrangement.trace.forEachUpdate((_k, val, time, diff) => snap.push(val, time < lower ? lower : time, diff));
    this.queue.push(snap);
    this.listener = {
      onBatch: (_keys, batch) => {
        const b = new UpdateBatch();
        for (let i = 0; i < batch.length; i++) {
          const t = batch.times[i]!;
          b.push(batch.rows[i]!, t < lower ? lower : t, batch.diffs[i]!);
        }
        this.queue.push(b);
        this.activate();
      },
      onFrontier: () => this.activate(),
    };
    arrangement.addListener(this.listener, 'after');
    arrangement.setHold(this, lower);
    this.activate();
  }

  run(budget: number): boolean {
    let work = 0;
    while (work < budget) {
      const b = this.queue.pop();
      if (b === undefined) break;
      work += b.length;
      this.output.send(b);
    }
    if (!this.queue.isEmpty) return true;
    const f = this.arrangement.frontier;
    if (f !== Infinity) this.arrangement.setHold(this, Math.max(this.lower, f));
    this.output.advance(Math.max(f, this.output.frontier));
    return false;
  }

  override drop(): void {
    super.drop();
    this.arrangement.removeListener(this.listener);
    this.arrangement.releaseHold(this);
  }
}
