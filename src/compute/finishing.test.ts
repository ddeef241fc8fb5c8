/** RowSetFinishing: order (desc, NULLS FIRST/LAST), full-row tie break, offset, limit, project. */
import { describe, expect, it } from 'vitest';
import { applyFinishing, expandCounts } from './finishing.ts';

describe('applyFinishing', () => {
  const rows = [[2, 'b'], [null, 'z'], [1, 'c'], [2, 'a'], [1, 'a']];
  it('sorts by the column order then by the whole row, then offsets, limits and projects', () => {
    expect(applyFinishing(rows, { order: [{ column: 0, desc: true, nullsLast: false }], offset: 0, project: [0, 1] }))
      .toEqual([[null, 'z'], [2, 'a'], [2, 'b'], [1, 'a'], [1, 'c']]);
    expect(applyFinishing(rows, { order: [{ column: 0, desc: false, nullsLast: true }], offset: 1, limit: 2, project: [1] }))
      .toEqual([['c'], ['a']]);
    expect(applyFinishing(rows, { order: [], offset: 0, project: [1, 0] })[0]).toEqual(['a', 1]);
  });
  it('expands multiplicities and rejects negative ones', () => {
    expect(expandCounts([[[1], 3]])).toEqual([[1], [1], [1]]);
    expect(() => expandCounts([[[1], -1]])).toThrow(/negative multiplicity/);
  });
});
