/** Round-trip and corruption tests for the binary update codec. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqlError } from '../util/index.ts';
import { decodeUpdates, decodeUpdatesStepwise, encodeUpdates } from './codec.ts';
import { type Datum, Interval, Numeric, PgArray } from './datum.ts';
import type { Timestamp, Update } from './time.ts';

const bigintArb = fc.oneof(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), fc.bigInt({ min: -1000n, max: 1000n }),
  fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 52n, -(2n ** 52n), 2n ** 52n + 1n, 0n));

const scalarArb: fc.Arbitrary<Datum> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(NaN, -0, 0, Infinity, -Infinity, 2 ** 52, -(2 ** 52), 2 ** 53, Number.MAX_SAFE_INTEGER, 0.1),
  bigintArb,
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.uint8Array({ maxLength: 20 }),
  fc.tuple(bigintArb, fc.integer({ min: 0, max: 40 })).map(([c, s]) => new Numeric(c, s)),
  fc.constantFrom(new Numeric(0n, 0, 'nan'), new Numeric(0n, 0, 'inf'), new Numeric(0n, 0, '-inf')),
  fc.tuple(fc.integer(), fc.integer(), bigintArb).map(([m, d, us]) => new Interval(m, d, us)),
);

const { datum: datumArb } = fc.letrec<{ datum: Datum }>((tie) => ({
  datum: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    fc.array(tie('datum'), { maxLength: 4 }),
    fc.array(tie('datum'), { maxLength: 4 }).map((elems) => new PgArray(elems)),
    fc.array(tie('datum'), { minLength: 6, maxLength: 6 })
      .map((elems) => new PgArray(elems, [{ length: 2, lower: -3 }, { length: 3, lower: 1 }])),
    fc.constant(new PgArray([], [])),
  ),
}));

const updateArb: fc.Arbitrary<Update> = fc.tuple(
  fc.array(datumArb, { maxLength: 6 }),
  fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
).map(([row, time, diff]) => [row, time as Timestamp, diff] as const);

describe('update codec', () => {
  it('round-trips every datum representation exactly', () => {
    fc.assert(fc.property(fc.array(updateArb, { maxLength: 30 }), (updates) => {
      const decoded = decodeUpdates(encodeUpdates(updates));
      expect(decoded).toStrictEqual(updates.map((u) => [...u]));
    }), { numRuns: 300 });
  });

  it('keeps -0, NaN, numeric scale and array dimensions', () => {
    const row = [-0, NaN, new Numeric(100n, 2), new PgArray([1, 2, 3, 4], [{ length: 2, lower: 0 }, { length: 2, lower: 5 }]), [[null]]];
    const [[decoded]] = decodeUpdates(encodeUpdates([[row, 5 as Timestamp, -3]])).map((u) => [u[0]]) as [[Datum[]]];
    expect(Object.is(decoded[0], -0)).toBe(true);
    expect(decoded[1]).toBeNaN();
    expect((decoded[2] as Numeric).scale).toBe(2);
    expect((decoded[3] as PgArray).dims).toStrictEqual([{ length: 2, lower: 0 }, { length: 2, lower: 5 }]);
    expect(decoded[4]).toStrictEqual([[null]]);
  });

  it('detects every single flipped byte and every truncation', () => {
    const updates: Update[] = [[['hello', 1, 2n, new Numeric(5n, 1)], 10 as Timestamp, 1], [['wörld', null], 12 as Timestamp, -1]];
    const bytes = encodeUpdates(updates);
    for (let i = 0; i < bytes.length; i++) {
      const copy = bytes.slice();
      copy[i] = copy[i]! ^ 0x10;
      expect(() => decodeUpdates(copy, 'blob/x')).toThrowError(/data corrupted in blob\/x/);
    }
    for (let n = 0; n < bytes.length; n++) {
      try {
        decodeUpdates(bytes.subarray(0, n), 'f');
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(SqlError);
        expect((err as SqlError).code).toBe('XX001');
      }
    }
  });

  it('is compact for typical rows', () => {
    const updates: Update[] = [];
    for (let i = 0; i < 1000; i++) updates.push([[i, `name${i}`, i % 2 === 0], 1_700_000_000_000 as Timestamp, 1]);
    const bytes = encodeUpdates(updates);
    expect(bytes.length).toBeLessThan(20 * 1000);
  });

  it('round-trips 1e5 rows (speed is measured by `npm run bench -- persist`, not here)', () => {
    const updates: Update[] = [];
    for (let i = 0; i < 100_000; i++) updates.push([[i, `customer-${i}`, BigInt(i) * 1000n, 3.5], (1000 + (i % 7)) as Timestamp, 1]);
    const back = decodeUpdates(encodeUpdates(updates));
    expect(back.length).toBe(updates.length);
    expect(back[99_999]).toStrictEqual([...updates[99_999]!]);
    expect(back[12_345]).toStrictEqual([...updates[12_345]!]);
  });
});

describe('update codec input checks', () => {
  it('rejects values it cannot represent exactly instead of writing garbage', () => {
    expect(() => encodeUpdates([[[new Interval(1.5, 0, 0n)], 0 as Timestamp, 1]])).toThrow(/integer field/);
    expect(() => encodeUpdates([[['x'], 0 as Timestamp, 0.5]])).toThrow(/integer field/);
    expect(() => encodeUpdates([[['x'], 1.5 as Timestamp, 1]])).toThrow(/invalid timestamp/);
    expect(decodeUpdates(encodeUpdates([]))).toEqual([]);
  });
});

describe('decodeUpdatesStepwise', () => {
  it('decodes in slices, reporting progress, to the same updates as decodeUpdates', () => {
    const updates: Update[] = Array.from({ length: 10 }, (_, i) => [[i, `row ${i}`], (100 + i) as Timestamp, i - 5] as const);
    const bytes = encodeUpdates(updates);
    const steps = decodeUpdatesStepwise(bytes, 'test batch', 3);
    const progress: number[] = [];
    let r = steps.next();
    while (r.done !== true) {
      progress.push(r.value);
      r = steps.next();
    }
    expect(progress).toEqual([3, 6, 9]);
    expect(r.value).toEqual(decodeUpdates(bytes));
    const bad = bytes.slice();
    bad[bad.length - 6]! ^= 1;
    expect(() => decodeUpdatesStepwise(bad, 'test batch', 3).next()).toThrow(/data corrupted in test batch/);
  });
});
