/**
 * Capture: a terminal operator that hands every batch and frontier advance to callbacks. Used by
 * sinks (materialized views, subscribes) and by tests to observe a stream.
 */
import type { UpdateBatch } from '../batch.ts';
import { type InputPort, Operator, type Stream, type Worker } from '../worker.ts';

export interface CaptureHandlers {
  onBatch?(batch: UpdateBatch): void;
  onFrontier?(frontier: number): void;
}

export class CaptureOp extends Operator {
  private readonly input: InputPort;
  private readonly handlers: CaptureHandlers;
  private lastFrontier = 0;

  constructor(worker: Worker, input: Stream, handlers: CaptureHandlers, name = 'capture') {
    super(worker, name);
    this.input = input.connect(this);
    this.handlers = handlers;
    this.activate();
  }

  run(budget: number): boolean {
    let work = 0;
    while (work < budget) {
      const b = this.input.queue.pop();
      if (b === undefined) break;
      work += b.length;
      this.handlers.onBatch?.(b);
    }
    if (!this.input.queue.isEmpty) return true;
    const f = this.input.frontier;
    if (f !== this.lastFrontier) {
      this.lastFrontier = f;
      this.handlers.onFrontier?.(f);
    }
    return false;
  }
}
