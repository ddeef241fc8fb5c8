/**
 * DuckDB recomputing the view per batch (the "just recompute" baseline): base tables in an
 * in-memory DuckDB; each batch applies its updates (one UPDATE ... FROM over the batch's final
 * values per order) and re-runs the join + group-by. DuckDB's memory is native, so the figure to
 * compare is the process RSS, not the JS heap.
 */
import { type DuckDBConnection, DuckDBInstance, type DuckDBPreparedStatement, version } from '@duckdb/node-api';
import type { EngineSystem } from './system.ts';
import type { RegionTotals, Workload } from './workload.ts';

const VIEW = 'SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN customers c ON o.customer = c.id GROUP BY c.region';

export async function createDuckDb(): Promise<EngineSystem> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const threads = (await conn.runAndReadAll(`SELECT current_setting('threads')`)).getRows()[0]![0];
  await conn.run('CREATE TABLE customers (id INTEGER, region INTEGER)');
  await conn.run('CREATE TABLE orders (id INTEGER, customer INTEGER, amount INTEGER)');
  await conn.run('CREATE TABLE batch (id INTEGER, customer INTEGER, amount INTEGER)');
  const update = await conn.prepare('UPDATE orders SET customer = $1, amount = $2 WHERE id = $3');
  return new DuckDbSystem(instance, conn, update, `DuckDB ${version()} in-process, ${String(threads)} threads, recompute after each batch`);
}

class DuckDbSystem implements EngineSystem {
  readonly info: string;
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;
  private readonly update: DuckDBPreparedStatement;
  private view: RegionTotals = new Map();

  constructor(instance: DuckDBInstance, conn: DuckDBConnection, update: DuckDBPreparedStatement, info: string) {
    this.instance = instance;
    this.conn = conn;
    this.update = update;
    this.info = info;
  }

  async load(w: Workload): Promise<void> {
    const c = this.conn;
    const ac = await c.createAppender('customers');
    for (let i = 0; i < w.customerRegion.length; i++) {
      ac.appendInteger(i);
      ac.appendInteger(w.customerRegion[i]!);
      ac.endRow();
    }
    ac.closeSync();
    const ao = await c.createAppender('orders');
    for (let i = 0; i < w.orderCustomer.length; i++) {
      ao.appendInteger(i);
      ao.appendInteger(w.orderCustomer[i]!);
      ao.appendInteger(w.orderAmount[i]!);
      ao.endRow();
    }
    ao.closeSync();
    await this.recompute();
  }

  async apply(w: Workload, from: number, to: number): Promise<void> {
    const c = this.conn;
    if (to - from === 1) {
      const u = this.update;
      u.bindInteger(1, w.newCustomer[from]!);
      u.bindInteger(2, w.newAmount[from]!);
      u.bindInteger(3, w.updId[from]!);
      await u.run();
    } else {
      // An order may change twice in one batch: only its last value reaches the table.
      const last = new Map<number, number>();
      for (let k = from; k < to; k++) last.set(w.updId[k]!, k);
      await c.run('DELETE FROM batch');
      const a = await c.createAppender('batch');
      for (const [id, k] of last) {
        a.appendInteger(id);
        a.appendInteger(w.newCustomer[k]!);
        a.appendInteger(w.newAmount[k]!);
        a.endRow();
      }
      a.closeSync();
      await c.run('UPDATE orders SET customer = batch.customer, amount = batch.amount FROM batch WHERE orders.id = batch.id');
    }
    await this.recompute();
  }

  private async recompute(): Promise<void> {
    const rows = (await this.conn.runAndReadAll(VIEW)).getRows();
    const view: RegionTotals = new Map();
    for (const [region, n, total] of rows) view.set(Number(region), [Number(n), Number(total)]);
    this.view = view;
  }

  totals(): RegionTotals {
    return this.view;
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
