/**
 * @electric-sql/d2ts on the benchmark: keyed streams, an inner join, then groupBy with its count
 * and sum aggregates. d2ts has versions and frontiers: each batch is one version, closed by
 * advancing the inputs' frontier past it before run().
 */
import {
  D2, MessageType, MultiSet, type Message, type RootStreamBuilder, groupBy, groupByOperators, join, map, output,
} from '@electric-sql/d2ts';
import type { EngineSystem } from './system.ts';
import { ObservedView } from './view.ts';
import type { RegionTotals, Workload } from './workload.ts';

type Order = [customer: number, [id: number, amount: number]];
type Customer = [id: number, region: number];
type Joined = [number, [[number, number] | null, number | null]];
interface Group { region: number; n: number; total: number }
interface Sale { region: number; amount: number }

export class D2tsSystem implements EngineSystem {
  readonly info = '@electric-sql/d2ts: join + groupBy(count, sum), one version per batch';
  private readonly graph = new D2({ initialFrontier: 0 });
  private readonly orders: RootStreamBuilder<Order>;
  private readonly customers: RootStreamBuilder<Customer>;
  private readonly view = new ObservedView();
  private version = 0;

  constructor() {
    const g = this.graph;
    this.orders = g.newInput<Order>();
    this.customers = g.newInput<Customer>();
    this.orders.pipe(
      join(this.customers, 'inner'),
      map((j: Joined): Sale => ({ region: j[1][1]!, amount: j[1][0]![1] })),
      groupBy((r: Sale) => ({ region: r.region }), {
        n: groupByOperators.count<Sale>(),
        total: groupByOperators.sum((r: Sale) => r.amount),
      }),
      output((msg: Message<[string, Group]>) => {
        if (msg.type !== MessageType.DATA) return;
        for (const [[, v], m] of msg.data.collection.getInner()) this.view.add(v.region, v.n, v.total, m);
      }),
    );
    g.finalize();
  }

  load(w: Workload): void {
    const c: [Customer, number][] = [];
    for (let i = 0; i < w.customerRegion.length; i++) c.push([[i, w.customerRegion[i]!], 1]);
    const o: [Order, number][] = [];
    for (let i = 0; i < w.orderCustomer.length; i++) o.push([[w.orderCustomer[i]!, [i, w.orderAmount[i]!]], 1]);
    this.customers.sendData(this.version, new MultiSet(c));
    this.orders.sendData(this.version, new MultiSet(o));
    this.closeVersion();
  }

  apply(w: Workload, from: number, to: number): void {
    const o: [Order, number][] = [];
    for (let k = from; k < to; k++) {
      o.push([[w.oldCustomer[k]!, [w.updId[k]!, w.oldAmount[k]!]], -1]);
      o.push([[w.newCustomer[k]!, [w.updId[k]!, w.newAmount[k]!]], 1]);
    }
    this.orders.sendData(this.version, new MultiSet(o));
    this.closeVersion();
  }

  /** Closes the current version and runs the graph until its output for that version is complete. */
  private closeVersion(): void {
    this.version++;
    this.orders.sendFrontier(this.version);
    this.customers.sendFrontier(this.version);
    this.graph.run();
  }

  totals(): RegionTotals {
    return this.view.totals('d2ts');
  }
}
