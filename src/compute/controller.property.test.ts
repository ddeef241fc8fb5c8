/**
 * Property test through the controller and real (in-memory) persist: random table histories appended
 * in random batches, a view with a self-join and an aggregate exported as an index, compaction to a
 * random since, then peeks at every time >= since must equal batch evaluation at that time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MirRelationExpr, Mir, call, col, lit } from '../expr/index.ts';
import { MemoryStore, openPersistWith } from '../persist/index.ts';
import { type Row, T, type Timestamp, type Update } from '../repr/index.ts';
import { evaluateMir } from './batch-eval.ts';
import { ComputeController } from './controller.ts';
import { applyFinishing, expandCounts } from './finishing.ts';
import { accumulate } from './test-harness.ts';
import './test-funcs.ts';

const I4 = T.int4;
const ts = (n: number): Timestamp => n as Timestamp;
const A = Mir.get('u1', [I4, I4]);
const plan: MirRelationExpr = Mir.union(
  Mir.project(Mir.reduce(Mir.join([A, A], [[col(0, I4), col(2, I4)]]), [col(0, I4)], [
    { func: 'count_star', expr: lit(null, I4), distinct: false, type: T.int8 },
    { func: 'max', expr: col(3, I4), distinct: false, type: I4 },
  ]), [0, 2]),
  [Mir.project(Mir.map(Mir.filter(A, [call('test_gt', [col(1, I4), lit(0, I4)], T.bool)]), [call('test_div', [lit(6, I4), col(0, I4)], I4)]), [0, 2])],
);
const finishing = { order: [], offset: 0, project: [0, 1] };

const small = fc.integer({ min: 0, max: 3 });
const historyArb = fc
  .array(fc.record({ t: fc.integer({ min: 0, max: 9 }), ins: fc.boolean(), row: fc.tuple(small, fc.integer({ min: -1, max: 3 })), pick: fc.nat() }), { maxLength: 30 })
  .map((ops) => {
    ops.sort((x, y) => x.t - y.t);
    const live: Row[] = [];
    const h: [Row, number, number][] = [];
    for (const op of ops) {
      if (op.ins || live.length === 0) {
        live.push(op.row);
        h.push([op.row, op.t, 1]);
      } else h.push([live.splice(op.pick % live.length, 1)[0]!, op.t, -1]);
    }
    return h;
  });

describe('controller property', () => {
  it('peeks at every time >= since equal batch evaluation', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 9 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 12, maxLength: 12 }), async (history, asOf, sinceOffset, steps) => {
        const client = await openPersistWith(new MemoryStore());
        try {
          const shard = await client.open('t1');
          const cc = new ComputeController({ persist: client });
          cc.send({ kind: 'CreateDataflow', dataflow: {
            debugName: 'prop', asOf: ts(asOf), sourceImports: [{ id: 'u1', shardId: 't1', types: [I4, I4] }], indexImports: [],
            objectsToBuild: [{ id: 'v1', plan }], indexExports: [{ id: 'i1', on: 'v1', keys: [col(0, I4)] }], sinkExports: [],
          } });
          let upper = 0;
          for (const step of steps) {
            const next = upper + step;
            const updates: Update[] = history.filter(([, t]) => t >= upper && t < next).map(([r, t, d]) => [r, ts(t), d]);
            expect((await shard.compareAndAppend(updates, ts(upper), ts(next))).ok).toBe(true);
            upper = next;
          }
          const last = 10;
          await cc.waitForUpper('i1', ts(last));
          const since = Math.min(last, asOf + sinceOffset);
          cc.send({ kind: 'AllowCompaction', id: 'i1', frontier: ts(since) });
          for (let t = since; t <= last; t++) {
            const want = evaluateMir(plan, { collections: new Map([['u1', accumulate(history, Math.max(t, asOf))]]) });
            if (want.errs.length > 0) {
              await expect(cc.peek('i1', ts(t), finishing)).rejects.toMatchObject({ code: '22012' });
            } else {
              expect(await cc.peek('i1', ts(t), finishing)).toEqual(applyFinishing(expandCounts(want.oks), finishing));
            }
          }
        } finally {
          await client.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
