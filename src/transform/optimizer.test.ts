import { describe, expect, it } from 'vitest';
import { Mir, col, lit } from '../expr/index.ts';
import { T } from '../repr/index.ts';
import { optimize } from './index.ts';

const base = Mir.get('u1', [T.int4, T.text]);

describe('optimizer', () => {
  it('fuses nested filters and removes literally-true predicates', () => {
    const plan = Mir.filter(Mir.filter(base, [col(0, T.int4)]), [lit(true, T.bool)]);
    const out = optimize(plan);
    expect(out).toEqual({ kind: 'filter', input: base, predicates: [col(0, T.int4)] });
  });

  it('turns a literally-false filter into an empty constant with the same column types', () => {
    const out = optimize(Mir.filter(base, [lit(false, T.bool)]));
    expect(out).toEqual({ kind: 'constant', rows: [], types: [T.int4, T.text] });
  });

  it('fuses projections and drops the identity projection', () => {
    const plan = Mir.project(Mir.project(base, [1, 0]), [1, 0]);
    expect(optimize(plan)).toBe(base);
  });

  it('can disable a rule by name and reports what fired', () => {
    const plan = Mir.project(Mir.project(base, [1, 0]), [1, 0]);
    const fired: string[] = [];
    expect(optimize(plan, { disabled: new Set(['fuse_projects']), trace: (r) => fired.push(r) })).toBe(plan);
    expect(fired).toEqual([]);
  });
});
