/**
 * The engine benchmark's workload (reference/peers-and-performance.md §3.2), deterministic from a
 * seed: orders(id, customer, amount) and customers(id, region = id % regions), then a chain of
 * updates, each moving one random order to a random customer with a new amount (retract the old
 * row, insert the new one). Every update is generated against the state left by the previous one,
 * so any prefix of the chain is a valid history, whichever way a system splits it into timestamps.
 *
 * Everything lives in typed arrays: the input costs no JS heap, so heap figures measure the system.
 */
import { mulberry32 } from '../../src/util/index.ts';

export interface WorkloadSpec {
  readonly orders: number;
  readonly customers: number;
  readonly regions: number;
  /** Length of the update chain (the batched phase takes a prefix, the single phase the rest). */
  readonly updates: number;
  readonly seed: number;
}

export const DEFAULT_SPEC: WorkloadSpec = { orders: 1_000_000, customers: 10_000, regions: 1000, updates: 200_000, seed: 42 };

export interface Workload {
  readonly spec: WorkloadSpec;
  /** Initial orders: order i has id i, customer orderCustomer[i], amount orderAmount[i]. */
  readonly orderCustomer: Int32Array;
  readonly orderAmount: Int32Array;
  /** customers: id i has region customerRegion[i]. */
  readonly customerRegion: Int32Array;
  /** Update k: order updId[k] goes from (oldCustomer, oldAmount) to (newCustomer, newAmount). */
  readonly updId: Int32Array;
  readonly oldCustomer: Int32Array;
  readonly oldAmount: Int32Array;
  readonly newCustomer: Int32Array;
  readonly newAmount: Int32Array;
}

/** The view's contents: per region, [count, sum]. */
export type RegionTotals = Map<number, readonly [number, number]>;

/** mulberry32: small, fast, good enough for workloads, and the reference's generator. */
export { mulberry32 };

export function generate(spec: WorkloadSpec): Workload {
  const rand = mulberry32(spec.seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const orderCustomer = new Int32Array(spec.orders);
  const orderAmount = new Int32Array(spec.orders);
  for (let i = 0; i < spec.orders; i++) {
    orderCustomer[i] = int(spec.customers);
    orderAmount[i] = 1 + int(1000);
  }
  const customerRegion = new Int32Array(spec.customers);
  for (let i = 0; i < spec.customers; i++) customerRegion[i] = i % spec.regions;

  const n = spec.updates;
  const w: Workload = {
    spec, orderCustomer, orderAmount, customerRegion,
    updId: new Int32Array(n), oldCustomer: new Int32Array(n), oldAmount: new Int32Array(n),
    newCustomer: new Int32Array(n), newAmount: new Int32Array(n),
  };
  const cust = orderCustomer.slice();
  const amt = orderAmount.slice();
  for (let k = 0; k < n; k++) {
    const o = int(spec.orders);
    w.updId[k] = o;
    w.oldCustomer[k] = cust[o]!;
    w.oldAmount[k] = amt[o]!;
    cust[o] = w.newCustomer[k] = int(spec.customers);
    amt[o] = w.newAmount[k] = 1 + int(1000);
  }
  return w;
}

/**
 * The view evaluated from scratch over the base tables after the first `applied` updates — the
 * independent answer every system's final state is checked against.
 */
export function expectedTotals(w: Workload, applied: number): RegionTotals {
  const cust = w.orderCustomer.slice();
  const amt = w.orderAmount.slice();
  for (let k = 0; k < applied; k++) {
    cust[w.updId[k]!] = w.newCustomer[k]!;
    amt[w.updId[k]!] = w.newAmount[k]!;
  }
  const count = new Float64Array(w.spec.regions);
  const sum = new Float64Array(w.spec.regions);
  for (let i = 0; i < cust.length; i++) {
    const r = w.customerRegion[cust[i]!]!;
    count[r]!++;
    sum[r]! += amt[i]!;
  }
  const out: RegionTotals = new Map();
  for (let r = 0; r < w.spec.regions; r++) if (count[r]! > 0) out.set(r, [count[r]!, sum[r]!]);
  return out;
}

/** Describes the first difference between two views, or undefined when they are equal. */
export function diffTotals(got: RegionTotals, want: RegionTotals): string | undefined {
  if (got.size !== want.size) return `${got.size} regions, expected ${want.size}`;
  for (const [r, [c, s]] of want) {
    const g = got.get(r);
    if (g === undefined) return `region ${r} missing (expected count ${c}, sum ${s})`;
    if (g[0] !== c || g[1] !== s) return `region ${r}: got count ${g[0]}, sum ${g[1]}; expected count ${c}, sum ${s}`;
  }
  return undefined;
}

/** An order-independent digest of a view, to compare systems across processes. */
export function digestTotals(t: RegionTotals): string {
  let h = 0;
  let n = 0;
  for (const [r, [c, s]] of [...t].sort((a, b) => a[0] - b[0])) {
    h = (Math.imul(h, 31) + r) | 0;
    h = (Math.imul(h, 31) + c) | 0;
    h = (Math.imul(h, 31) + (s % 2147483647)) | 0;
    n++;
  }
  return `${n}:${(h >>> 0).toString(16)}`;
}
