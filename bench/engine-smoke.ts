/**
 * Engine smoke benchmark (not a unit test): orders ⋈ customers GROUP BY region with count(*) and
 * sum(amount), rendered from MIR onto the dataflow engine and maintained in an index arrangement.
 * Hydrates 1e6 orders and 1e4 customers, then applies 1e5 updates (retract + insert of one order
 * each) in batches of 1000, one timestamp per batch. Prints hydration time and updates/s, and
 * checks the final index contents against a from-scratch evaluation.
 *
 *   npm exec -- node bench/engine-smoke.ts [orders] [updates] [batch]
 *
 * OPS=1 prints time per operator; PROFILE=file.cpuprofile writes a CPU profile of the update phase.
 * Also runs a hand-written maintenance loop over the same updates and prints the ratio (the machine
 * is shared: compare same-run ratios, not absolute rates across runs). bench/README.md's `engine`
 * suite is the recorded benchmark.
 */
import { ArrangeOp, InputOp, UpdateBatch, Worker } from '../src/dataflow/index.ts';
import { RenderContext } from '../src/compute/index.ts';
import { Mir, col } from '../src/expr/index.ts';
import { T } from '../src/repr/index.ts';
import { type RegionTotals, diffTotals, expectedTotals, generate } from './engine/workload.ts';

const orders = Number(process.argv[2] ?? 1_000_000);
const updates = Number(process.argv[3] ?? 100_000);
const batchSize = Number(process.argv[4] ?? 1000);
const I4 = T.int4;

const w = generate({ orders, customers: 10_000, regions: 1000, updates, seed: 42 });
const worker = new Worker({ budget: 65_536, sliceMs: 50, profile: process.env['OPS'] !== undefined });
const ctx = new RenderContext(worker, 0);
const ordersIn = new InputOp(worker, 'orders');
const customersIn = new InputOp(worker, 'customers');
ctx.collections.set('orders', { oks: ordersIn.output, errs: [] });
ctx.collections.set('customers', { oks: customersIn.output, errs: [] });
const plan = Mir.reduce(
  Mir.join([Mir.get('orders', [I4, I4, I4]), Mir.get('customers', [I4, I4])], [[col(1, I4), col(3, I4)]]),
  [col(4, I4)],
  [
    { func: 'count_star', expr: col(0, I4), distinct: false, type: T.int8 },
    { func: 'sum', expr: col(2, I4), distinct: false, type: T.int8 },
  ],
);
const view = ctx.render(plan);
const index = new ArrangeOp(worker, view.oks, [col(0, I4)], { dropNullKeys: false, name: 'index' });

const heap0 = process.memoryUsage().heapUsed;
let t0 = performance.now();
const cb = new UpdateBatch();
for (let i = 0; i < w.spec.customers; i++) cb.push([i, w.customerRegion[i]!], 0, 1);
customersIn.send(cb);
const ob = new UpdateBatch();
for (let i = 0; i < orders; i++) ob.push([i, w.orderCustomer[i]!, w.orderAmount[i]!], 0, 1);
ordersIn.send(ob);
ordersIn.advanceTo(1);
customersIn.advanceTo(1);
worker.runUntilIdle();
const hydrateMs = performance.now() - t0;
const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
console.log(`hydration: ${orders} orders + ${w.spec.customers} customers in ${hydrateMs.toFixed(0)} ms (${((orders + w.spec.customers) / hydrateMs * 1000 / 1e6).toFixed(2)} M rows/s), heap +${heapMb.toFixed(0)} MB`);

// PROFILE=file.cpuprofile profiles just the update phase.
const profileTo = process.env['PROFILE'];
const session = profileTo === undefined ? undefined : new (await import('node:inspector')).Session();
if (session !== undefined) {
  session.connect();
  await new Promise((r) => session.post('Profiler.enable', () => session.post('Profiler.start', r)));
}
if (worker.profile !== undefined) console.log('  hydration by operator:', [...worker.profile].map(([n, ms]) => `${n}: ${ms.toFixed(0)} ms`).join(', '));
worker.profile?.clear();
t0 = performance.now();
let time = 1;
for (let k = 0; k < updates; k += batchSize) {
  const b = new UpdateBatch();
  const end = Math.min(updates, k + batchSize);
  for (let j = k; j < end; j++) {
    const id = w.updId[j]!;
    b.push([id, w.oldCustomer[j]!, w.oldAmount[j]!], time, -1);
    b.push([id, w.newCustomer[j]!, w.newAmount[j]!], time, 1);
  }
  ordersIn.send(b);
  time++;
  ordersIn.advanceTo(time);
  customersIn.advanceTo(time);
  worker.runUntilIdle();
}
const updMs = performance.now() - t0;
if (worker.profile !== undefined) console.log('  updates by operator:', [...worker.profile].map(([n, ms]) => `${n}: ${ms.toFixed(0)} ms`).join(', '));
if (session !== undefined) {
  await new Promise<void>((resolve) => session.post('Profiler.stop', (_err, res) => {
    void import('node:fs').then((fs) => {
      fs.writeFileSync(profileTo!, JSON.stringify(res.profile));
      resolve();
    });
  }));
}
console.log(`updates: ${updates} in batches of ${batchSize}: ${updMs.toFixed(0)} ms → ${Math.round(updates / updMs * 1000).toLocaleString('en-US')} updates/s`);

const got: RegionTotals = new Map();
for (const [row, count] of index.arrangement.trace.readAt(time)) {
  if (count !== 1) throw new Error(`unexpected multiplicity ${count}`);
  got.set(row[0] as number, [Number(row[1]), Number(row[2])]);
}
const mismatch = diffTotals(got, expectedTotals(w, updates));
console.log(mismatch === undefined ? 'result: correct' : `result: WRONG: ${mismatch}`);
if (mismatch !== undefined) process.exitCode = 1;

// Baseline measured in the same run: a hand-written maintenance loop (join index by customer,
// invertible count/sum per region), the ceiling for this workload on this machine right now.
{
  const byCustomer = new Map<number, Map<number, number>>();
  const region = new Map<number, number>();
  const totals = new Map<number, [number, number]>();
  for (let i = 0; i < w.spec.customers; i++) region.set(i, w.customerRegion[i]!);
  const apply = (id: number, c: number, amt: number, d: number): void => {
    let m = byCustomer.get(c);
    if (m === undefined) byCustomer.set(c, (m = new Map()));
    if (d > 0) m.set(id, amt);
    else m.delete(id);
    const r = region.get(c)!;
    let t = totals.get(r);
    if (t === undefined) totals.set(r, (t = [0, 0]));
    t[0] += d;
    t[1] += d * amt;
  };
  for (let i = 0; i < orders; i++) apply(i, w.orderCustomer[i]!, w.orderAmount[i]!, 1);
  const b0 = performance.now();
  for (let j = 0; j < updates; j++) {
    apply(w.updId[j]!, w.oldCustomer[j]!, w.oldAmount[j]!, -1);
    apply(w.updId[j]!, w.newCustomer[j]!, w.newAmount[j]!, 1);
  }
  const baseMs = performance.now() - b0;
  const engineRate = updates / updMs * 1000;
  const baseRate = updates / baseMs * 1000;
  console.log(`baseline (hand-written loop): ${Math.round(baseRate).toLocaleString('en-US')} updates/s; engine/baseline = ${(engineRate / baseRate).toFixed(2)}`);
}
