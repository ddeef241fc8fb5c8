/**
 * Engine-level tests: arrangements (consolidation, compaction to a random since, reads at every
 * time >= since), the scheduler's yielding and frontier rules, and key identity.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { col } from '../expr/index.ts';
import { Numeric, type Row, T, rowKey } from '../repr/index.ts';
import {
  ArrangeOp, CaptureOp, DeltaJoinOp, DeltaPathsJoinOp, InputOp, JoinOp, SecondaryArrangeOp, KeyedMap, ReduceOp, UpdateBatch, Worker, hashRow, rowsIdentical,
} from './index.ts';

const I4 = T.int4;

function accumulate(h: readonly (readonly [Row, number, number])[], t: number): string[] {
  const acc = new Map<string, number>();
  for (const [r, time, d] of h) if (time <= t) acc.set(rowKey(r), (acc.get(rowKey(r)) ?? 0) + d);
  return [...acc].filter(([, d]) => d !== 0).map(([k, d]) => `${k} x${d}`).sort();
}

describe('arrangement', () => {
  it('reads the exact contents at every time >= since after compaction', () => {
    const upd = fc.tuple(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 })), fc.integer({ min: 0, max: 20 }), fc.integer({ min: -2, max: 2 }));
    fc.assert(
      fc.property(fc.array(upd, { maxLength: 120 }), fc.integer({ min: 0, max: 20 }), (updates, since) => {
        const holder = {};
        const worker = new Worker();
        const input = new InputOp(worker);
        const arr = new ArrangeOp(worker, input.output, [col(0, I4)], { dropNullKeys: false });
        arr.arrangement.setHold(holder, since);
        const sorted = [...updates].sort((a, b) => a[1] - b[1]);
        for (const [r, t, d] of sorted) {
          input.send(UpdateBatch.of([[r, t, d]]));
          if (t > input.frontier) input.advanceTo(t);
          worker.runUntilIdle();
        }
        input.close();
        worker.runUntilIdle();
        arr.arrangement.trace.consolidateAll();
        for (let t = since; t <= 21; t++) {
          const got = arr.arrangement.trace.readAt(t).map(([r, d]) => `${rowKey(r)} x${d}`).sort();
          expect(got).toEqual(accumulate(sorted, t));
        }
        // Compaction really happened: no time before since survives consolidation.
        for (const e of arr.arrangement.trace.entries.values()) for (const t of e.times) expect(t).toBeGreaterThanOrEqual(since);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps the trace small under churn on one key (consolidation)', () => {
    const worker = new Worker();
    const input = new InputOp(worker);
    const arr = new ArrangeOp(worker, input.output, [col(0, I4)], { dropNullKeys: false });
    input.send(UpdateBatch.of([[[1, 0], 0, 1]]));
    for (let t = 1; t < 2000; t++) {
      input.send(UpdateBatch.of([[[1, t], t, 1], [[1, t - 1], t, -1]]));
      input.advanceTo(t + 1);
      worker.runUntilIdle();
    }
    expect(arr.arrangement.trace.records).toBeLessThan(50);
    expect(arr.arrangement.trace.readAt(1999)).toEqual([[[1, 1999], 1]]);
  });
});

describe('worker', () => {
  it('yields to the event loop between slices and reaches quiescence', async () => {
    const worker = new Worker({ budget: 100, sliceMs: 0 });
    const input = new InputOp(worker);
    const seen: number[] = [];
    new CaptureOp(worker, input.output, { onBatch: (b) => seen.push(b.length) });
    const b = new UpdateBatch();
    for (let i = 0; i < 10_000; i++) b.push([i], 0, 1);
    input.send(b);
    input.advanceTo(1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await worker.whenIdle();
    clearInterval(timer);
    expect(seen.reduce((a, n) => a + n, 0)).toBe(10_000);
    expect(Math.max(...seen)).toBeLessThanOrEqual(100);
    expect(worker.idle).toBe(true);
  });

  it('rejects updates behind the frontier and frontiers going backwards', () => {
    const worker = new Worker();
    const input = new InputOp(worker);
    input.advanceTo(5);
    expect(() => input.send(UpdateBatch.of([[[1], 4, 1]]))).toThrow(/before frontier/);
    worker.runUntilIdle();
    expect(() => input.output.advance(3)).toThrow(/backwards/);
  });

  it('propagates the minimum frontier through a join and holds reduce output until times close', () => {
    const worker = new Worker();
    const a = new InputOp(worker, 'a');
    const b = new InputOp(worker, 'b');
    const la = new ArrangeOp(worker, a.output, [col(0, I4)], { dropNullKeys: true });
    const lb = new ArrangeOp(worker, b.output, [col(0, I4)], { dropNullKeys: true });
    const j = new JoinOp(worker, la.arrangement, lb.arrangement, 0);
    const r = new ReduceOp(worker, j.output, [], [{ func: 'count_star', expr: col(0, I4), distinct: false, type: T.int8 }]);
    const out: [Row, number, number][] = [];
    let frontier = 0;
    new CaptureOp(worker, r.output, { onBatch: (x) => { for (let i = 0; i < x.length; i++) out.push([x.rows[i]!, x.times[i]!, x.diffs[i]!]); }, onFrontier: (f) => { frontier = f; } });
    a.sendUpdates([[[1], 0, 1], [[1], 2, 1]]);
    b.sendUpdates([[[1], 1, 1]]);
    a.advanceTo(3);
    b.advanceTo(2);
    worker.runUntilIdle();
    expect(frontier).toBe(2);
    expect(out).toEqual([[[1n], 1, 1]]);
    b.advanceTo(10);
    worker.runUntilIdle();
    expect(frontier).toBe(3);
    expect(out).toEqual([[[1n], 1, 1], [[1n], 2, -1], [[2n], 2, 1]]);
  });
});

describe('joins over existing arrangements', () => {
  it('produces pairs already present in both traces once, then follows both sides', () => {
    const worker = new Worker();
    const a = new InputOp(worker, 'a');
    const b = new InputOp(worker, 'b');
    const la = new ArrangeOp(worker, a.output, [col(0, I4)], { dropNullKeys: false });
    const lb = new ArrangeOp(worker, b.output, [col(0, I4)], { dropNullKeys: false });
    a.sendUpdates([[[1, 'x'], 0, 1], [[null, 'n'], 0, 1]]);
    b.sendUpdates([[[1, 'y'], 1, 1], [[null, 'm'], 0, 1]]);
    a.advanceTo(3);
    b.advanceTo(3);
    worker.runUntilIdle();
    // A join built later (another dataflow importing both indexes) as of 2.
    const j = new JoinOp(worker, la.arrangement, lb.arrangement, 2);
    const out: string[] = [];
    new CaptureOp(worker, j.output, { onBatch: (x) => { for (let i = 0; i < x.length; i++) out.push(`${JSON.stringify(x.rows[i])}@${x.times[i]}x${x.diffs[i]}`); } });
    worker.runUntilIdle();
    expect(out).toEqual(['[1,"x",1,"y"]@2x1']);
    a.sendUpdates([[[1, 'z'], 3, 1]]);
    b.sendUpdates([[[1, 'y'], 4, -1]]);
    a.advanceTo(5);
    b.advanceTo(5);
    worker.runUntilIdle();
    expect(out.sort()).toEqual(['[1,"x",1,"y"]@2x1', '[1,"x",1,"y"]@4x-1', '[1,"z",1,"y"]@3x1', '[1,"z",1,"y"]@4x-1']);
    j.drop();
    expect(la.arrangement.listenerCount).toBe(0);
  });
});

describe('delta joins over existing arrangements', () => {
  it('produce combinations already present in every trace once, then follow every input', () => {
    const worker = new Worker();
    const ins = ['a', 'b', 'c'].map((n) => new InputOp(worker, n));
    const arrs = ins.map((i) => new ArrangeOp(worker, i.output, [col(0, I4)], { dropNullKeys: true }).arrangement);
    ins[0]!.sendUpdates([[[1, 'a'], 0, 1], [[null, 'n'], 0, 1]]);
    ins[1]!.sendUpdates([[[1, 'b'], 1, 1]]);
    ins[2]!.sendUpdates([[[1, 'c'], 0, 2], [[2, 'c'], 0, 1]]);
    for (const i of ins) i.advanceTo(3);
    worker.runUntilIdle();
    const j = new DeltaJoinOp(worker, arrs, 2);
    const out: string[] = [];
    new CaptureOp(worker, j.output, { onBatch: (x) => { for (let i = 0; i < x.length; i++) out.push(`${JSON.stringify(x.rows[i])}@${x.times[i]}x${x.diffs[i]}`); } });
    worker.runUntilIdle();
    expect(out).toEqual(['[1,"a",1,"b",1,"c"]@2x2']);
    // Simultaneous changes to all three inputs at one time: every new combination exactly once.
    ins[0]!.sendUpdates([[[2, 'a'], 3, 1]]);
    ins[1]!.sendUpdates([[[2, 'b'], 3, 1], [[1, 'b'], 4, -1]]);
    ins[2]!.sendUpdates([[[2, 'c'], 3, 1]]);
    for (const i of ins) i.advanceTo(5);
    worker.runUntilIdle();
    expect(out.sort()).toEqual(['[1,"a",1,"b",1,"c"]@2x2', '[1,"a",1,"b",1,"c"]@4x-2', '[2,"a",2,"b",2,"c"]@3x1', '[2,"a",2,"b",2,"c"]@3x1'].sort());
    j.drop();
    expect(arrs[0]!.listenerCount).toBe(0);
  });
});

describe('general delta joins over existing arrangements', () => {
  it('fill secondary arrangements from the primary and produce every combination once', () => {
    const worker = new Worker();
    const ins = ['a', 'b', 'c'].map((n) => new InputOp(worker, n));
    // a(x) ⋈ b(x, y) ⋈ c(y): b is arranged by x (primary) and by y (secondary).
    const pa = new ArrangeOp(worker, ins[0]!.output, [col(0, I4)], { dropNullKeys: true }).arrangement;
    const pb = new ArrangeOp(worker, ins[1]!.output, [col(0, I4)], { dropNullKeys: true }).arrangement;
    const pc = new ArrangeOp(worker, ins[2]!.output, [col(0, I4)], { dropNullKeys: true }).arrangement;
    ins[0]!.sendUpdates([[[1], 0, 1]]);
    ins[1]!.sendUpdates([[[1, 7], 1, 1], [[1, null], 0, 1]]);
    ins[2]!.sendUpdates([[[7], 0, 1]]);
    for (const i of ins) i.advanceTo(3);
    worker.runUntilIdle();
    const by = new SecondaryArrangeOp(worker, pb, [col(1, I4)], 2);
    const j = new DeltaPathsJoinOp(worker, [pa, pb, pc], [
      [{ input: 1, arrangement: pb, key: [col(0, I4)] }, { input: 2, arrangement: pc, key: [col(2, I4)] }],
      [{ input: 0, arrangement: pa, key: [col(0, I4)] }, { input: 2, arrangement: pc, key: [col(1, I4)] }],
      [{ input: 1, arrangement: by.arrangement, key: [col(0, I4)] }, { input: 0, arrangement: pa, key: [col(1, I4)] }],
    ], [1, 2, 1], 2);
    by.releaseInitialHold();
    const out: string[] = [];
    new CaptureOp(worker, j.output, { onBatch: (x) => { for (let i = 0; i < x.length; i++) out.push(`${JSON.stringify(x.rows[i])}@${x.times[i]}x${x.diffs[i]}`); } });
    worker.runUntilIdle();
    expect(out).toEqual(['[1,1,7,7]@2x1']);
    ins[0]!.sendUpdates([[[2], 3, 1]]);
    ins[1]!.sendUpdates([[[2, 8], 3, 1], [[1, 7], 4, -1]]);
    ins[2]!.sendUpdates([[[8], 3, 1], [[7], 3, 1]]);
    for (const i of ins) i.advanceTo(5);
    worker.runUntilIdle();
    expect(out.sort()).toEqual(['[1,1,7,7]@2x1', '[1,1,7,7]@3x1', '[1,1,7,7]@4x-1', '[1,1,7,7]@4x-1', '[2,2,8,8]@3x1'].sort());
    j.drop();
    by.drop();
    expect(pb.listenerCount).toBe(0);
  });
});

describe('key identity', () => {
  it('distinguishes values of different types and equal numerics hash and compare equal', () => {
    const m = new KeyedMap<string>(1);
    m.set(1, 'int');
    m.set(1n, 'big');
    m.set('1', 'text');
    expect([m.get(1), m.get(1n), m.get('1'), m.size]).toEqual(['int', 'big', 'text', 3]);
    const a = [Numeric.fromString('1.50')!, 'x'];
    const b = [Numeric.fromString('1.5')!, 'x'];
    expect(rowsIdentical(a, b)).toBe(true);
    expect(hashRow(a)).toBe(hashRow(b));
    const multi = new KeyedMap<number>(2);
    multi.set([1, 'a'], 1);
    multi.set(['1', 'a'], 2);
    expect([multi.get([1, 'a']), multi.get(['1', 'a']), multi.get([1, 'b'])]).toEqual([1, 2, undefined]);
  });
});
