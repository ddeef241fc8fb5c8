/** The batch oracle's own semantics where incremental tests cannot check it (recursion, joins with NULLs). */
import { describe, expect, it } from 'vitest';
import { type MirRelationExpr, Mir, col } from '../expr/index.ts';
import { T, rowKey } from '../repr/index.ts';
import { evaluateMir } from './batch-eval.ts';

const I4 = T.int4;
const E = Mir.get('e', [I4, I4]);
const R = Mir.get({ local: 1 }, [I4, I4]);
const step = Mir.project(Mir.join([R, E], [[col(1, I4), col(2, I4)]]), [0, 3]);
const edges = new Map([['e', [[[1, 2], 1], [[2, 3], 1], [[3, 4], 1], [[null, 1], 1]] as [readonly (number | null)[], number][]]]);
const rows = (e: MirRelationExpr): string[] => evaluateMir(e, { collections: edges }).oks.map(([r, d]) => `${rowKey(r)}x${d}`).sort();

describe('evaluateMir', () => {
  it('iterates WITH MUTUALLY RECURSIVE to a fixed point', () => {
    const closure: MirRelationExpr = { kind: 'letRec', ids: [1], values: [Mir.reduce(Mir.union(E, [step]), [col(0, I4), col(1, I4)], [])], body: R };
    expect(rows(closure)).toHaveLength(10); // 6 paths among 1..4, and NULL to each of 1..4
    expect(rows(closure)).toContain(`${rowKey([1, 4])}x1`);
  });
  it('stops at the recursion limit', () => {
    const limited: MirRelationExpr = { kind: 'letRec', ids: [1], values: [Mir.union(E, [step])], limits: [2], body: R };
    expect(rows(limited)).toHaveLength(7); // iteration 1: the 4 edges; iteration 2: plus the 3 paths of length 2
  });
  it('never matches NULL join keys', () => {
    expect(rows(Mir.join([E, E], [[col(0, I4), col(2, I4)]]))).toHaveLength(3);
  });
});
