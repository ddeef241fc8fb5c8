/**
 * @tanstack/db-ivm on the benchmark, written the way its documentation suggests: keyed streams,
 * an inner join, then groupBy with its count and sum aggregates. db-ivm has no timestamps: one
 * sendData + run() per batch is one "version".
 */
import { D2, MultiSet, type RootStreamBuilder, groupBy, groupByOperators, join, map, output } from '@tanstack/db-ivm';
import type { EngineSystem } from './system.ts';
import { ObservedView } from './view.ts';
import type { RegionTotals, Workload } from './workload.ts';

type Order = [customer: number, [id: number, amount: number]];
type Customer = [id: number, region: number];
type Joined = [number, [[number, number] | null, number | null]];
interface Group { region: number; n: number; total: number }
interface Sale { region: number; amount: number }

export class DbIvmSystem implements EngineSystem {
  readonly info = '@tanstack/db-ivm: join + groupBy(count, sum)';
  private readonly graph = new D2();
  private readonly orders: RootStreamBuilder<Order>;
  private readonly customers: RootStreamBuilder<Customer>;
  private readonly view = new ObservedView();

  constructor() {
    const g = this.graph;
    this.orders = g.newInput<Order>();
    this.customers = g.newInput<Customer>();
    this.orders
      .pipe(
        join(this.customers, 'inner'),
        map((j: Joined): Sale => ({ region: j[1][1]!, amount: j[1][0]![1] })),
        groupBy((r: Sale) => ({ region: r.region }), {
          n: groupByOperators.count<Sale>(),
          total: groupByOperators.sum((r: Sale) => r.amount),
        }),
        output((ms: MultiSet<[string, Group]>) => {
          for (const [[, v], m] of ms.getInner()) this.view.add(v.region, v.n, v.total, m);
        }),
      );
    g.finalize();
  }

  load(w: Workload): void {
    const c: [Customer, number][] = [];
    for (let i = 0; i < w.customerRegion.length; i++) c.push([[i, w.customerRegion[i]!], 1]);
    const o: [Order, number][] = [];
    for (let i = 0; i < w.orderCustomer.length; i++) o.push([[w.orderCustomer[i]!, [i, w.orderAmount[i]!]], 1]);
    this.customers.sendData(new MultiSet(c));
    this.orders.sendData(new MultiSet(o));
    this.graph.run();
  }

  apply(w: Workload, from: number, to: number): void {
    const o: [Order, number][] = [];
    for (let k = from; k < to; k++) {
      o.push([[w.oldCustomer[k]!, [w.updId[k]!, w.oldAmount[k]!]], -1]);
      o.push([[w.newCustomer[k]!, [w.updId[k]!, w.newAmount[k]!]], 1]);
    }
    this.orders.sendData(new MultiSet(o));
    this.graph.run();
  }

  totals(): RegionTotals {
    return this.view.totals('db-ivm');
  }
}
