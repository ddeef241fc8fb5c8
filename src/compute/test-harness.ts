/**
 * Test helper: renders a MIR plan over input collections fed from explicit histories, runs it in
 * rounds of frontier advances, and checks that the accumulated output at every time equals batch
 * evaluation of the inputs at that time (the engine's definition of done).
 */
import { CaptureOp, ConcatOp, InputOp, UpdateBatch, Worker } from '../dataflow/index.ts';
import type { GlobalId, MirRelationExpr } from '../expr/index.ts';
import { type Row, rowKey } from '../repr/index.ts';
import { type Multiset, consolidate, evaluateMir } from './batch-eval.ts';
import { RenderContext } from './render.ts';

export type History = (readonly [Row, number, number])[];

/** Accumulates a history to time t (updates with time <= t). */
export function accumulate(h: Iterable<readonly [Row, number, number]>, t: number): Multiset {
  const at: [Row, number][] = [];
  for (const [r, time, d] of h) if (time <= t) at.push([r, d]);
  return consolidate(at);
}

export function canonical(ms: Multiset): string[] {
  return ms.map(([r, d]) => `${rowKey(r)} x${d}`).sort();
}

export interface IncrementalRun {
  readonly oks: History;
  readonly errs: History;
}

/**
 * Feeds `inputs` in rounds: each round sends every not-yet-sent update before the next frontier
 * (plus, at random, some later ones, shuffled and split in batches), then advances all inputs.
 */
export function runIncremental(plan: MirRelationExpr, inputs: ReadonlyMap<GlobalId, History>, rand: () => number, opts: { budget?: number } = {}): IncrementalRun {
  const worker = new Worker({ budget: opts.budget ?? 7 });
  const ctx = new RenderContext(worker, 0);
  const ops = new Map<GlobalId, InputOp>();
  for (const id of inputs.keys()) {
    const op = new InputOp(worker, id);
    ops.set(id, op);
    ctx.collections.set(id, { oks: op.output, errs: [] });
  }
  const out = ctx.render(plan);
  const oks: History = [];
  const errs: History = [];
  const record = (into: History, what: string) => {
    let frontier = 0;
    return {
      onBatch: (b: UpdateBatch) => {
        for (let i = 0; i < b.length; i++) {
          if (b.times[i]! < frontier) throw new Error(`${what}: update at ${b.times[i]} behind frontier ${frontier}`);
          into.push([b.rows[i]!, b.times[i]!, b.diffs[i]!]);
        }
      },
      onFrontier: (f: number) => {
        frontier = f;
      },
    };
  };
  new CaptureOp(worker, out.oks, record(oks, 'oks'));
  new CaptureOp(worker, new ConcatOp(worker, out.errs).output, record(errs, 'errs'));

  const pending = new Map<GlobalId, History>();
  let maxTime = 0;
  for (const [id, h] of inputs) {
    pending.set(id, [...h]);
    for (const [, t] of h) maxTime = Math.max(maxTime, t);
  }
  let frontier = 0;
  while (frontier <= maxTime) {
    const next = frontier + 1 + Math.floor(rand() * 3);
    for (const [id, h] of pending) {
      const send: History = [];
      const keep: History = [];
      for (const u of h) (u[1] < next || rand() < 0.2 ? send : keep).push(u);
      pending.set(id, keep);
      shuffle(send, rand);
      const op = ops.get(id)!;
      while (send.length > 0) op.send(UpdateBatch.of(send.splice(0, 1 + Math.floor(rand() * 4))));
      op.advanceTo(next);
    }
    frontier = next;
    if (rand() < 0.7) worker.runUntilIdle();
  }
  for (const op of ops.values()) op.close();
  worker.runUntilIdle();
  return { oks, errs };
}

/** Asserts incremental == batch at every time in [0, maxTime]; returns a description of the first mismatch. */
export function checkAgainstBatch(plan: MirRelationExpr, inputs: ReadonlyMap<GlobalId, History>, rand: () => number, opts: { budget?: number } = {}): string | undefined {
  const run = runIncremental(plan, inputs, rand, opts);
  let maxTime = 0;
  for (const h of inputs.values()) for (const [, t] of h) maxTime = Math.max(maxTime, t);
  for (let t = 0; t <= maxTime + 1; t++) {
    const collections = new Map<GlobalId, Multiset>();
    for (const [id, h] of inputs) collections.set(id, accumulate(h, t));
    const expected = evaluateMir(plan, { collections, time: t });
    const gotOks = canonical(accumulate(run.oks, t));
    const gotErrs = canonical(accumulate(run.errs, t));
    const wantOks = canonical(expected.oks);
    const wantErrs = canonical(expected.errs);
    if (JSON.stringify(gotOks) !== JSON.stringify(wantOks)) return `oks differ at t=${t}:\n got  ${JSON.stringify(gotOks)}\n want ${JSON.stringify(wantOks)}`;
    if (JSON.stringify(gotErrs) !== JSON.stringify(wantErrs)) return `errs differ at t=${t}:\n got  ${JSON.stringify(gotErrs)}\n want ${JSON.stringify(wantErrs)}`;
  }
  return undefined;
}

function shuffle<T>(a: T[], rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}
