/**
 * Tributary's engine on the benchmark: the view is written as MIR, exactly as the SQL front end
 * lowers `SELECT c.region, count(*), sum(o.amount) FROM orders o JOIN customers c ON o.customer = c.id
 * GROUP BY c.region`, rendered by compute's RenderContext onto a dataflow Worker, fed through two
 * InputOps and observed by a CaptureOp. Each batch is one timestamp: send, advance the inputs'
 * frontier past it, run the worker until idle (the view is then complete for that time).
 */
import { type AggregateExpr, Mir, col, lit } from '../../src/expr/index.ts';
import { CaptureOp, InputOp, UpdateBatch, Worker } from '../../src/dataflow/index.ts';
import { RenderContext } from '../../src/compute/index.ts';
import { type Row, T } from '../../src/repr/index.ts';
import type { EngineSystem } from './system.ts';
import { ObservedView } from './view.ts';
import type { RegionTotals, Workload } from './workload.ts';

const I4 = T.int4;

/** The benchmark view in MIR: join columns are orders(0 id, 1 customer, 2 amount) ++ customers(3 id, 4 region). */
export function benchmarkPlan() {
  const orders = Mir.get('orders', [I4, I4, I4]);
  const customers = Mir.get('customers', [I4, I4]);
  const aggs: AggregateExpr[] = [
    { func: 'count_star', expr: lit(null, I4), distinct: false, type: T.int8 },
    { func: 'sum', expr: col(2, I4), distinct: false, type: T.int8 },
  ];
  return Mir.reduce(Mir.join([orders, customers], [[col(1, I4), col(3, I4)]]), [col(4, I4)], aggs);
}

export class TributarySystem implements EngineSystem {
  readonly info = 'MIR rendered by compute RenderContext on one dataflow Worker; output observed by a CaptureOp';
  private readonly worker = new Worker();
  private readonly orders: InputOp;
  private readonly customers: InputOp;
  private readonly view = new ObservedView();
  private errors = 0;
  private time = 0;

  constructor() {
    const w = this.worker;
    const ctx = new RenderContext(w, 0);
    this.orders = new InputOp(w, 'orders');
    this.customers = new InputOp(w, 'customers');
    ctx.collections.set('orders', { oks: this.orders.output, errs: [] });
    ctx.collections.set('customers', { oks: this.customers.output, errs: [] });
    const out = ctx.render(benchmarkPlan());
    new CaptureOp(w, out.oks, { onBatch: (b) => this.observe(b) });
    for (const e of out.errs) new CaptureOp(w, e, { onBatch: (b) => (this.errors += b.length) });
  }

  load(wl: Workload): void {
    const c = new UpdateBatch();
    for (let i = 0; i < wl.customerRegion.length; i++) c.push([i, wl.customerRegion[i]!], 0, 1);
    const o = new UpdateBatch();
    for (let i = 0; i < wl.orderCustomer.length; i++) o.push([i, wl.orderCustomer[i]!, wl.orderAmount[i]!], 0, 1);
    this.customers.send(c);
    this.orders.send(o);
    this.step();
  }

  apply(wl: Workload, from: number, to: number): void {
    const t = this.time;
    const b = new UpdateBatch();
    for (let k = from; k < to; k++) {
      const id = wl.updId[k]!;
      b.push([id, wl.oldCustomer[k]!, wl.oldAmount[k]!], t, -1);
      b.push([id, wl.newCustomer[k]!, wl.newAmount[k]!], t, 1);
    }
    this.orders.send(b);
    this.step();
  }

  /** Closes the current timestamp and runs the dataflow until the view reflects it. */
  private step(): void {
    this.time++;
    this.orders.advanceTo(this.time);
    this.customers.advanceTo(this.time);
    this.worker.runUntilIdle();
  }

  private observe(b: UpdateBatch): void {
    for (let i = 0; i < b.length; i++) {
      const row: Row = b.rows[i]!;
      this.view.add(Number(row[0]), Number(row[1]), Number(row[2]), b.diffs[i]!);
    }
  }

  totals(): RegionTotals {
    if (this.errors > 0) throw new Error(`tributary: ${this.errors} updates on the view's errors collection`);
    return this.view.totals('tributary');
  }
}
