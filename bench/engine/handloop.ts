/**
 * The ceiling: the view maintained by hand, the way a purpose-built program would do it. Both join
 * sides are indexed (orders by customer, customers by id), so a change on either side could be
 * handled; count and sum per region are maintained by adding and subtracting.
 */
import type { EngineSystem } from './system.ts';
import type { RegionTotals, Workload } from './workload.ts';

export class HandLoop implements EngineSystem {
  readonly info = 'Map indexes on both join sides, invertible count/sum per region';
  /** customer → (order id → amount). */
  private readonly ordersByCustomer = new Map<number, Map<number, number>>();
  private readonly regionOf = new Map<number, number>();
  private readonly count = new Map<number, number>();
  private readonly sum = new Map<number, number>();

  load(w: Workload): void {
    for (let c = 0; c < w.customerRegion.length; c++) this.regionOf.set(c, w.customerRegion[c]!);
    for (let o = 0; o < w.orderCustomer.length; o++) this.change(o, w.orderCustomer[o]!, w.orderAmount[o]!, 1);
  }

  apply(w: Workload, from: number, to: number): void {
    for (let k = from; k < to; k++) {
      const id = w.updId[k]!;
      this.change(id, w.oldCustomer[k]!, w.oldAmount[k]!, -1);
      this.change(id, w.newCustomer[k]!, w.newAmount[k]!, 1);
    }
  }

  private change(id: number, customer: number, amount: number, diff: 1 | -1): void {
    let orders = this.ordersByCustomer.get(customer);
    if (orders === undefined) this.ordersByCustomer.set(customer, (orders = new Map()));
    if (diff > 0) orders.set(id, amount);
    else orders.delete(id);
    const region = this.regionOf.get(customer);
    if (region === undefined) return;
    this.count.set(region, (this.count.get(region) ?? 0) + diff);
    this.sum.set(region, (this.sum.get(region) ?? 0) + diff * amount);
  }

  totals(): RegionTotals {
    const out: RegionTotals = new Map();
    for (const [r, c] of this.count) if (c !== 0) out.set(r, [c, this.sum.get(r) ?? 0]);
    return out;
  }
}
