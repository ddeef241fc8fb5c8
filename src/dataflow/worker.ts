/**
 * The scheduler and the wiring between operators: Worker, Operator, Stream, InputPort.
 *
 * Times are totally ordered integers, so a frontier is one number (`Infinity` = closed). A Stream
 * carries batches from one operator to its consumers and a frontier: the producer promises no
 * future update at a time < frontier. Operators get global ids in creation order; since a consumer
 * is always created after its producers (also across dataflows sharing an arrangement), id order
 * is a topological order, and the worker runs the activated operator with the least id first.
 * The worker runs for a bounded slice, then yields to the event loop (setImmediate).
 */
import { invariant } from '../util/index.ts';
import { BatchQueue, type UpdateBatch } from './batch.ts';

/** The frontier of a closed stream: no more updates, ever. */
export const CLOSED = Infinity;

/** Default number of updates an operator processes per activation. */
export const DEFAULT_BUDGET = 16_384;

export abstract class Operator {
  readonly id: number;
  readonly name: string;
  readonly worker: Worker;
  /** Set while the operator sits in the run queue. */
  scheduled = false;
  dropped = false;

  constructor(worker: Worker, name: string) {
    this.worker = worker;
    this.name = name;
    this.id = worker.nextOperatorId();
  }

  /** Does at most about `budget` updates of work; returns true when more work remains. */
  abstract run(budget: number): boolean;

  activate(): void {
    this.worker.activate(this);
  }

  /** Stops the operator for good (its dataflow was dropped). */
  drop(): void {
    this.dropped = true;
  }
}

/** The input side of an edge: queued batches and the producer's frontier. */
export class InputPort {
  readonly queue = new BatchQueue();
  readonly op: Operator;
  readonly stream: Stream;
  constructor(stream: Stream, op: Operator) {
    this.stream = stream;
    this.op = op;
  }
  get frontier(): number {
    return this.stream.frontier;
  }
}

export class Stream {
  frontier = 0;
  readonly consumers: InputPort[] = [];
  readonly name: string;
  private readonly worker: Worker;

  constructor(worker: Worker, name: string) {
    this.worker = worker;
    this.name = name;
  }

  connect(op: Operator): InputPort {
    const port = new InputPort(this, op);
    this.consumers.push(port);
    return port;
  }

  disconnect(port: InputPort): void {
    const i = this.consumers.indexOf(port);
    if (i >= 0) this.consumers.splice(i, 1);
  }

  send(batch: UpdateBatch): void {
    if (batch.length === 0) return;
    invariant(this.frontier !== CLOSED, `stream ${this.name}: data sent after close`);
    for (const c of this.consumers) {
      c.queue.push(batch);
      this.worker.activate(c.op);
    }
  }

  advance(frontier: number): void {
    if (frontier === this.frontier) return;
    invariant(frontier > this.frontier, `stream ${this.name}: frontier went backwards (${this.frontier} → ${frontier})`);
    this.frontier = frontier;
    for (const c of this.consumers) this.worker.activate(c.op);
  }
}

/** A binary min-heap of operators by id. */
class RunQueue {
  private readonly heap: Operator[] = [];
  get size(): number {
    return this.heap.length;
  }
  push(op: Operator): void {
    const h = this.heap;
    h.push(op);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.id <= op.id) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = op;
  }
  pop(): Operator | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.id < h[l]!.id ? r : l;
      if (h[c]!.id >= last.id) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

export interface WorkerOptions {
  /** Updates per operator activation. */
  readonly budget?: number;
  /** Milliseconds of work before yielding to the event loop. */
  readonly sliceMs?: number;
  /** Accumulate run time per operator name (see `profile`). */
  readonly profile?: boolean;
}

export class Worker {
  private opIds = 0;
  private readonly queue = new RunQueue();
  /** Operators that stopped with work left: they run again after everything downstream had a turn. */
  private deferred: Operator[] = [];
  /** Output produced by the running operator (e.g. join matches), so fan-out counts against its budget. */
  private charged = 0;
  private pendingSlice = false;
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private readonly afterSliceHooks = new Set<() => void>();
  readonly budget: number;
  readonly sliceMs: number;
  /** Milliseconds spent per operator name, when profiling is on. */
  readonly profile: Map<string, number> | undefined;

  constructor(opts: WorkerOptions = {}) {
    this.budget = opts.budget ?? DEFAULT_BUDGET;
    this.sliceMs = opts.sliceMs ?? 8;
    this.profile = opts.profile ? new Map() : undefined;
  }

  nextOperatorId(): number {
    return this.opIds++;
  }

  activate(op: Operator): void {
    if (op.scheduled || op.dropped) return;
    op.scheduled = true;
    this.queue.push(op);
    this.kick();
  }

  /** Registers a hook run after every slice (e.g. to deliver frontier reports); returns an unregister function. */
  afterSlice(hook: () => void): () => void {
    this.afterSliceHooks.add(hook);
    return () => this.afterSliceHooks.delete(hook);
  }

  /** True when no operator has work. */
  get idle(): boolean {
    return this.queue.size === 0 && this.deferred.length === 0;
  }

  /** Counts `n` updates of output against the running operator's budget (see `charged`). */
  charge(n: number): void {
    this.charged += n;
  }

  /** Work charged since the running operator started (for operators that bound fan-out). */
  get chargedSinceRun(): number {
    return this.charged;
  }

  /** Resolves when the worker has no scheduled work. */
  whenIdle(): Promise<void> {
    if (this.idle && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs until quiescent, synchronously (tests and benchmarks). */
  runUntilIdle(): void {
    while (!this.idle) this.step(Infinity);
  }

  private kick(): void {
    if (this.pendingSlice || this.running) return;
    this.pendingSlice = true;
    setImmediate(() => {
      this.pendingSlice = false;
      this.step(this.sliceMs);
    });
  }

  private step(sliceMs: number): void {
    this.running = true;
    const start = performance.now();
    try {
      let n = 0;
      for (;;) {
        let op = this.queue.pop();
        if (op === undefined) {
          // Upstream operators with leftover work run again only once downstream drained what they
          // produced: intermediate queues stay small and short-lived rows die young.
          if (this.deferred.length === 0) break;
          for (const d of this.deferred) this.queue.push(d);
          this.deferred = [];
          op = this.queue.pop()!;
        }
        op.scheduled = false;
        if (op.dropped) continue;
        this.charged = 0;
        let more: boolean;
        if (this.profile === undefined) more = op.run(this.budget);
        else {
          const t0 = performance.now();
          more = op.run(this.budget);
          this.profile.set(op.name, (this.profile.get(op.name) ?? 0) + performance.now() - t0);
        }
        if (more && !op.scheduled && !op.dropped) {
          op.scheduled = true;
          this.deferred.push(op);
        }
        if ((++n & 7) === 0 && performance.now() - start > sliceMs) break;
      }
    } finally {
      this.running = false;
    }
    for (const hook of this.afterSliceHooks) hook();
    if (!this.idle) {
      this.kick();
    } else {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
