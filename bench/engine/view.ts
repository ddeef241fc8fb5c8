/**
 * The view as observed from a system's output changes: per region a small multiset of
 * (count, sum) rows. A correct system leaves exactly one row with multiplicity 1 per region.
 */
import type { RegionTotals } from './workload.ts';

export class ObservedView {
  private readonly rows = new Map<number, [number, number, number][]>();

  add(region: number, count: number, sum: number, diff: number): void {
    let entries = this.rows.get(region);
    if (entries === undefined) this.rows.set(region, (entries = []));
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e[0] === count && e[1] === sum) {
        e[2] += diff;
        if (e[2] === 0) entries.splice(i, 1);
        return;
      }
    }
    entries.push([count, sum, diff]);
  }

  /** The totals, or throws when some region does not hold exactly one row. */
  totals(system: string): RegionTotals {
    const out: RegionTotals = new Map();
    for (const [region, entries] of this.rows) {
      if (entries.length === 0) continue;
      if (entries.length !== 1 || entries[0]![2] !== 1) {
        throw new Error(`${system}: region ${region} holds ${JSON.stringify(entries)} (expected one row with multiplicity 1)`);
      }
      out.set(region, [entries[0]![0], entries[0]![1]]);
    }
    return out;
  }
}
