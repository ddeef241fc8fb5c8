/** Consolidation agrees with rowKey identity (the canonical one) on random rows with awkward datums. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Datum, Interval, Numeric, PgArray, type Timestamp, type Update, rowKey } from '../repr/index.ts';
import { consolidateBatch, contentsAt, contentsAtWithBase, rowsEqual } from './consolidate.ts';

const datumArb: fc.Arbitrary<Datum> = fc.oneof(
  fc.constantFrom<Datum>(null, true, false, 0, -0, 1, NaN, Infinity, 2 ** 40, 1.5, 1n, 0n, 2n ** 70n, '', 'a', 'é', 'A'),
  fc.constantFrom<Datum>(new Numeric(1n, 0), new Numeric(10n, 1), new Numeric(100n, 2), new Numeric(0n, 0, 'nan'), new Numeric(0n, 0, 'inf')),
  fc.constantFrom<Datum>(new Interval(1, 0, 0n), new Interval(0, 30, 0n), new Uint8Array([1]), new Uint8Array([])),
  fc.constantFrom<Datum>(new PgArray([1, 2]), new PgArray([1, 2], [{ length: 2, lower: 0 }]), [1, 2], [[1], null]),
);

const updatesArb = fc.array(fc.tuple(fc.array(datumArb, { maxLength: 2 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: -2, max: 2 })), { maxLength: 40 })
  .map((us) => us.map(([row, time, diff]) => [row, time as Timestamp, diff] as Update));

function reference(updates: readonly Update[], keyOf: (u: Update) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const u of updates) m.set(keyOf(u), (m.get(keyOf(u)) ?? 0) + u[2]);
  for (const [k, v] of m) if (v === 0) m.delete(k);
  return m;
}

describe('consolidation', () => {
  it('rowsEqual is exactly rowKey equality', () => {
    fc.assert(fc.property(fc.array(datumArb, { maxLength: 3 }), fc.array(datumArb, { maxLength: 3 }), (a, b) => {
      expect(rowsEqual(a, b)).toBe(rowKey(a) === rowKey(b));
    }), { numRuns: 2000 });
  });

  it('consolidateBatch and contentsAt match a rowKey reference', () => {
    fc.assert(fc.property(updatesArb, fc.integer({ min: 0, max: 3 }), (updates, since) => {
      const batch = consolidateBatch([updates], since as Timestamp);
      const fwd = (u: Update): string => `${Math.max(u[1], since)}|${rowKey(u[0])}`;
      expect(reference(batch, fwd)).toEqual(reference(updates, fwd));
      expect(new Set(batch.map(fwd)).size).toBe(batch.length);
      expect(batch.every((u) => u[2] !== 0 && u[1] >= since)).toBe(true);
      const snap = contentsAt([updates.slice(0, 10), updates.slice(10)], since as Timestamp);
      const key = (u: Update): string => rowKey(u[0]);
      expect(reference(snap, key)).toEqual(reference(updates.filter((u) => u[1] <= since), key));
      expect(new Set(snap.map(key)).size).toBe(snap.length);
    }), { numRuns: 500 });
  });

  it('contentsAtWithBase matches contentsAt', () => {
    fc.assert(fc.property(updatesArb, updatesArb, fc.integer({ min: 0, max: 3 }), (baseRaw, others, asOf) => {
      const base = consolidateBatch([baseRaw], 3 as Timestamp).map((u) => [u[0], 1 as Timestamp, u[2]] as Update);
      const key = (u: Update): string => rowKey(u[0]);
      const copy = (us: readonly Update[]): Update[] => us.map((u) => [u[0], u[1], u[2]] as Update);
      const expected = reference(contentsAt([base, others], Math.max(asOf, 1) as Timestamp), key);
      const got = contentsAtWithBase(copy(base), [copy(others.slice(0, 5)), copy(others.slice(5))], Math.max(asOf, 1) as Timestamp);
      expect(reference(got, key)).toEqual(expected);
      expect(new Set(got.map(key)).size).toBe(got.length);
      expect(got.every((u) => u[2] !== 0 && u[1] === Math.max(asOf, 1))).toBe(true);
    }), { numRuns: 500 });
  });
});
