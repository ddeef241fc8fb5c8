/**
 * Every benchmarked system, on a tiny workload in-process, must end with the view a from-scratch
 * evaluation gives — after a load, timestamps of many updates, and timestamps of one update — and
 * the workload's update chain must be consistent (each update retracts the row that is there).
 */
import { describe, expect, it } from 'vitest';
import { SYSTEMS } from './system.ts';
import { diffTotals, expectedTotals, generate } from './workload.ts';

const spec = { orders: 2000, customers: 50, regions: 7, updates: 700, seed: 7 };

describe('engine benchmark workload', () => {
  it('is deterministic and each update retracts the current row', () => {
    const a = generate(spec);
    const b = generate(spec);
    expect(a.updId).toEqual(b.updId);
    const cust = a.orderCustomer.slice();
    const amt = a.orderAmount.slice();
    for (let k = 0; k < spec.updates; k++) {
      const o = a.updId[k]!;
      expect([a.oldCustomer[k], a.oldAmount[k]]).toEqual([cust[o], amt[o]]);
      cust[o] = a.newCustomer[k]!;
      amt[o] = a.newAmount[k]!;
    }
    expect(diffTotals(expectedTotals(a, 10), expectedTotals(a, 0))).toBeDefined();
  });

  for (const entry of SYSTEMS) {
    it(`${entry.name} maintains the view exactly`, async () => {
      const w = generate(spec);
      const sys = await entry.create();
      await sys.load(w);
      expect(diffTotals(await sys.totals(), expectedTotals(w, 0))).toBeUndefined();
      for (let k = 0; k < 400; k += 100) await sys.apply(w, k, k + 100);
      expect(diffTotals(await sys.totals(), expectedTotals(w, 400))).toBeUndefined();
      for (let k = 400; k < 700; k++) await sys.apply(w, k, k + 1);
      expect(diffTotals(await sys.totals(), expectedTotals(w, 700))).toBeUndefined();
      await sys.close?.();
    });
  }
});
