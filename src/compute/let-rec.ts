/**
 * WITH MUTUALLY RECURSIVE (MIR letRec), incremental across outer times by unrolling the iteration:
 * iteration i of the bindings is its own incrementally maintained layer of operators
 * (X_i = f(X_{i-1}, inputs), declaration order within an iteration, X_0 = ∅), rendered on a private
 * Worker owned by this operator. Each layer is an ordinary dataflow over the outer (totally ordered)
 * time, so a change to an input at outer time t flows as differences through every layer — growing
 * and shrinking inputs alike, since each X_i is exactly the i-th iterate, never a stale fixed point.
 * This is differential dataflow's product time (outer, iteration) with the iteration coordinate
 * laid out in space: layer i holds the collection at (t, i) for every t.
 *
 * Layers are added on demand: after the layers have processed time t, if the top layer L still
 * differs from layer L-1 (tracked incrementally per key), layer L+1 is created and fed the
 * accumulated inputs and X_L as a snapshot at t; repeated until X_L = X_{L-1} or the recursion
 * limit. Once converged, the top layer stays correct for later times (a fixed point iterates to
 * itself). The body is one more layer reading X_top, fed the difference whenever X_top or top moves.
 * Errors of the recursion are those of the top iteration (as the batch oracle's last iteration).
 *
 * A recursion needing more than `LetRecOp.maxLayers` iterations falls back to re-evaluation from scratch at
 * each changed time (batch evaluation), which also reports non-termination like the oracle.
 * Cost: state per layer (each layer keeps its own copy of the inputs and its arrangements);
 * work per change is the sum over layers of the differences they see.
 *
 * Inputs arrive on one stream as rows tagged with their input's position: [tag, ...row]
 * (tag -1: the tick at asOf that forces a first evaluation).
 */
import {
  CaptureOp, ConcatOp, InputOp, type Operator, type Stream, TimeOrderedOp, UpdateBatch, Worker, errorRow,
} from '../dataflow/index.ts';
import type { GlobalId, MirRelationExpr } from '../expr/index.ts';
import { type Row, rowKey } from '../repr/index.ts';
import { type Multiset, evaluateMir } from './batch-eval.ts';
import { RenderContext } from './render.ts';

type Counted = Map<string, [Row, number]>;
type LetRecExpr = Extract<MirRelationExpr, { kind: 'letRec' }>;


function add(m: Counted, key: string, row: Row, d: number): void {
  const cur = m.get(key);
  if (cur === undefined) m.set(key, [row, d]);
  else {
    cur[1] += d;
    if (cur[1] === 0) m.delete(key);
  }
}

function countOf(m: Counted, key: string): number {
  return m.get(key)?.[1] ?? 0;
}

/** One iteration (or the body): its own copies of the inputs, of the previous iterate, and its outputs. */
interface Layer {
  readonly outside: InputOp[];
  /** Per binding: X_{i-1} (for the body layer: X_top). */
  readonly prev: InputOp[];
  readonly operators: Operator[];
  /** Per binding: accumulated X_i (iteration layers only). */
  readonly values: Counted[];
  /** Accumulated errors of this iteration. */
  readonly errs: Counted;
  /** Keys of `values` touched since the last time was closed. */
  readonly touched: Map<string, Row>[];
  readonly touchedErrs: Map<string, Row>;
  /** Keys where X_i differs from X_{i-1}, over all bindings. */
  mismatch: number;
}

export class LetRecOp extends TimeOrderedOp {
  /** Iterations kept as layers before falling back to re-evaluation (deep recursions, divergence). */
  static maxLayers = 48;
  private readonly expr: LetRecExpr;
  private readonly inputIds: readonly GlobalId[];
  /** Accumulated outside inputs. */
  private readonly contents: Counted[];
  /** Outside input changes of the time being applied, per tag. */
  private pendingInputs: UpdateBatch[];
  private readonly inner: Worker;
  private readonly layers: Layer[] = [];
  private body: Layer | undefined;
  /** Per binding: what the body layer's X_top inputs hold. */
  private readonly fedBody: Counted[];
  /** The top layer whose values (and errors) the body and the output reflect. */
  private fedTop = 0;
  private emittedOks: Counted = new Map();
  private emittedErrs: Counted = new Map();
  /** Accumulated errors emitted for the top iteration (a part of emittedErrs). */
  private readonly emittedTopErrs: Counted = new Map();
  private fallback = false;
  private dirty = false;
  private lastInnerTime = -Infinity;
  /** The outer time being finished: inner output is emitted at it. */
  private outerTime = 0;

  constructor(worker: Worker, tagged: Stream, expr: LetRecExpr, inputIds: readonly GlobalId[], name = 'letRec') {
    super(worker, tagged, name);
    this.expr = expr;
    this.inputIds = inputIds;
    this.contents = inputIds.map(() => new Map());
    this.pendingInputs = inputIds.map(() => new UpdateBatch());
    this.fedBody = expr.ids.map(() => new Map());
    this.inner = new Worker({ budget: worker.budget, sliceMs: Number.MAX_SAFE_INTEGER });
  }

  /** Number of iteration layers currently maintained (tests, introspection). */
  get depth(): number {
    return this.layers.length;
  }

  get reevaluating(): boolean {
    return this.fallback;
  }

  override run(): boolean {
    // Never slice within a time: each finish runs the inner layers to quiescence.
    return super.run(Number.MAX_SAFE_INTEGER);
  }

  override drop(): void {
    super.drop();
    this.dropLayers();
  }

  protected apply(row: Row, time: number, diff: number): void {
    const tag = row[0] as number;
    if (tag >= 0) {
      const r = row.slice(1);
      add(this.contents[tag]!, rowKey(r), r, diff);
      this.pendingInputs[tag]!.push(r, time, diff);
    }
    this.dirty = true;
  }

  protected finish(time: number): void {
    if (!this.dirty) return;
    this.dirty = false;
    const changes = this.pendingInputs;
    this.pendingInputs = this.inputIds.map(() => new UpdateBatch());
    if (this.fallback) {
      this.reevaluate(time);
      return;
    }
    // Inner times follow outer times (temporal filters in the recursion see them), strictly increasing.
    const t = Math.max(time, this.lastInnerTime + 1);
    this.lastInnerTime = t;
    this.outerTime = time;
    const all = this.body === undefined ? this.layers : [...this.layers, this.body];
    for (const layer of all) {
      changes.forEach((b, tag) => {
        const input = layer.outside[tag]!;
        if (b.length > 0) input.send(retime(b, t));
        input.advanceTo(t + 1);
      });
    }
    this.inner.runUntilIdle();
    const limits = (this.expr.limits ?? []).filter((l): l is number => l !== undefined);
    const limit = limits.length === 0 ? Infinity : Math.min(...limits);
    for (;;) {
      const n = this.layers.length;
      if (n > 0 && this.layers[n - 1]!.mismatch === 0) break;
      if (n >= limit) break;
      if (n >= LetRecOp.maxLayers) {
        this.fallback = true;
        this.dropLayers();
        this.reevaluate(time);
        return;
      }
      this.addLayer(t);
      this.inner.runUntilIdle();
    }
    this.feedBody(t);
    this.inner.runUntilIdle();
    for (const layer of this.layers) {
      for (const s of layer.touched) s.clear();
      layer.touchedErrs.clear();
    }
  }

  /** Sends the body layer X_top's change since it was last fed; emits the top iteration's error changes. */
  private feedBody(t: number): void {
    const top = this.layers[this.layers.length - 1]!;
    const full = this.fedTop !== this.layers.length;
    this.fedTop = this.layers.length;
    if (this.body === undefined) this.body = this.buildLayer(t, 'body');
    const body = this.body;
    this.expr.ids.forEach((_, j) => {
      const fed = this.fedBody[j]!;
      const want = top.values[j]!;
      const b = new UpdateBatch();
      const visit = (k: string, row: Row) => {
        const d = countOf(want, k) - countOf(fed, k);
        if (d !== 0) {
          b.push(row, t, d);
          add(fed, k, row, d);
        }
      };
      if (full) {
        for (const [k, [row]] of want) visit(k, row);
        for (const [k, [row]] of [...fed]) visit(k, row);
      } else {
        for (const [k, row] of top.touched[j]!) visit(k, row);
      }
      if (b.length > 0) body.prev[j]!.send(b);
      body.prev[j]!.advanceTo(t + 1);
    });
    const visitErr = (k: string, row: Row) => {
      const d = countOf(top.errs, k) - countOf(this.emittedTopErrs, k);
      if (d !== 0) {
        add(this.emittedTopErrs, k, row, d);
        add(this.emittedErrs, k, row, d);
        this.errs.push(row, this.outerTime, d);
      }
    };
    if (full) {
      for (const [k, [row]] of top.errs) visitErr(k, row);
      for (const [k, [row]] of [...this.emittedTopErrs]) visitErr(k, row);
    } else {
      for (const [k, row] of top.touchedErrs) visitErr(k, row);
    }
  }

  /** Iteration layer n+1 (or the body layer), fed the accumulated inputs and X_n as a snapshot at t. */
  private addLayer(t: number): void {
    const below = this.layers[this.layers.length - 1];
    const layer = this.buildLayer(t, 'iteration');
    this.layers.push(layer);
    this.expr.ids.forEach((_, j) => {
      const b = new UpdateBatch();
      if (below !== undefined) {
        // X_{n+1} starts empty: every key of X_n is a mismatch until the layer's output arrives.
        for (const [row, d] of below.values[j]!.values()) {
          b.push(row, t, d);
          layer.mismatch++;
        }
      }
      if (b.length > 0) layer.prev[j]!.send(b);
      // X_0 = ∅ forever; above, the frontier follows the capture of the layer below (buildLayer).
      if (below === undefined) layer.prev[j]!.close();
      else layer.prev[j]!.advanceTo(t + 1);
    });
  }

  private buildLayer(t: number, kind: 'iteration' | 'body'): Layer {
    const ctx = new RenderContext(this.inner, t);
    const layer: Layer = {
      outside: [], prev: [], operators: ctx.operators, values: this.expr.ids.map(() => new Map()),
      errs: new Map(), touched: this.expr.ids.map(() => new Map()), touchedErrs: new Map(), mismatch: 0,
    };
    this.inputIds.forEach((id, tag) => {
      const input = ctx.track(new InputOp(this.inner, `letRec ${kind} ${id}`));
      const b = new UpdateBatch();
      for (const [row, d] of this.contents[tag]!.values()) b.push(row, t, d);
      if (b.length > 0) input.send(b);
      input.advanceTo(t + 1);
      layer.outside.push(input);
      ctx.collections.set(id, { oks: input.output, errs: [] });
    });
    for (const id of this.expr.ids) {
      const input = ctx.track(new InputOp(this.inner, `letRec ${kind} prev ${id}`));
      layer.prev.push(input);
      ctx.bindLocal(id, { oks: input.output, errs: [] });
    }
    if (kind === 'body') {
      const out = ctx.render(this.expr.body);
      ctx.track(new CaptureOp(this.inner, out.oks, { onBatch: (b) => this.emit(b, false) }));
      if (out.errs.length > 0) {
        const errs = ctx.track(new ConcatOp(this.inner, out.errs, 'letRec body errors')).output;
        ctx.track(new CaptureOp(this.inner, errs, { onBatch: (b) => this.emit(b, true) }));
      }
      return layer;
    }
    const errStreams: Stream[] = [];
    this.expr.ids.forEach((id, j) => {
      const value = ctx.render(this.expr.values[j]!);
      // Later bindings of this iteration read this one's new value (declaration order).
      ctx.bindLocal(id, value);
      errStreams.push(...value.errs);
      ctx.track(new CaptureOp(this.inner, value.oks, {
        onBatch: (b) => this.onValues(layer, j, b),
        onFrontier: (f) => this.layerAbove(layer)?.prev[j]!.advanceTo(f),
      }));
    });
    if (errStreams.length > 0) {
      const errs = ctx.track(new ConcatOp(this.inner, errStreams, 'letRec iteration errors')).output;
      ctx.track(new CaptureOp(this.inner, errs, {
        onBatch: (b) => {
          for (let u = 0; u < b.length; u++) {
            const row = b.rows[u]!;
            const k = rowKey(row);
            add(layer.errs, k, row, b.diffs[u]!);
            layer.touchedErrs.set(k, row);
          }
        },
      }));
    }
    return layer;
  }

  private layerAbove(layer: Layer): Layer | undefined {
    const i = this.layers.indexOf(layer);
    return i < 0 ? undefined : this.layers[i + 1];
  }

  /** X_i changed: forward to layer i+1 and keep the per-key mismatch counts of i and i+1 exact. */
  private onValues(layer: Layer, j: number, b: UpdateBatch): void {
    const i = this.layers.indexOf(layer);
    if (i < 0) return;
    const below = i > 0 ? this.layers[i - 1]!.values[j]! : undefined;
    const above = this.layers[i + 1];
    const mine = layer.values[j]!;
    for (let u = 0; u < b.length; u++) {
      const row = b.rows[u]!;
      const k = rowKey(row);
      const before = countOf(mine, k);
      const after = before + b.diffs[u]!;
      const base = below === undefined ? 0 : countOf(below, k);
      layer.mismatch += (after !== base ? 1 : 0) - (before !== base ? 1 : 0);
      if (above !== undefined) {
        const up = countOf(above.values[j]!, k);
        above.mismatch += (up !== after ? 1 : 0) - (up !== before ? 1 : 0);
      }
      add(mine, k, row, b.diffs[u]!);
      layer.touched[j]!.set(k, row);
    }
    if (above !== undefined) above.prev[j]!.send(b);
  }

  /** Body output → this operator's output (at the outer time being finished). */
  private emit(b: UpdateBatch, errors: boolean): void {
    const into = errors ? this.errs : this.out;
    const acc = errors ? this.emittedErrs : this.emittedOks;
    const time = this.outerTime;
    for (let u = 0; u < b.length; u++) {
      const row = b.rows[u]!;
      add(acc, rowKey(row), row, b.diffs[u]!);
      into.push(row, time, b.diffs[u]!);
    }
  }

  private dropLayers(): void {
    for (const layer of this.body === undefined ? this.layers : [...this.layers, this.body]) {
      for (const op of layer.operators) op.drop();
    }
    this.layers.length = 0;
    this.body = undefined;
  }

  /** Fallback: re-evaluate the whole recursion from the accumulated inputs and emit the difference. */
  private reevaluate(time: number): void {
    const collections = new Map<GlobalId, Multiset>();
    this.inputIds.forEach((id, i) => collections.set(id, [...this.contents[i]!.values()]));
    let oks: Multiset;
    let errs: Multiset;
    try {
      ({ oks, errs } = evaluateMir(this.expr, { collections }));
    } catch (err) {
      oks = [];
      errs = [[errorRow(err), 1]];
    }
    this.emittedOks = this.emitDiff(this.emittedOks, oks, time, false);
    this.emittedErrs = this.emitDiff(this.emittedErrs, errs, time, true);
  }

  private emitDiff(last: Counted, next: Multiset, time: number, errors: boolean): Counted {
    const now: Counted = new Map();
    for (const [r, d] of next) add(now, rowKey(r), r, d);
    const into = errors ? this.errs : this.out;
    for (const [k, [r, d]] of now) {
      const prev = countOf(last, k);
      if (d !== prev) into.push(r, time, d - prev);
    }
    for (const [k, [r, d]] of last) if (!now.has(k)) into.push(r, time, -d);
    return now;
  }
}

function retime(b: UpdateBatch, t: number): UpdateBatch {
  const out = new UpdateBatch();
  for (let i = 0; i < b.length; i++) out.push(b.rows[i]!, t, b.diffs[i]!);
  return out;
}
