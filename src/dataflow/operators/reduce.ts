/**
 * Reduce: groups by key expressions and maintains one output row per group,
 * key ++ aggregate results. With no aggregates it is DISTINCT. Per-group state is the aggregate
 * state of aggregates.ts plus the group's total multiplicity; a group with multiplicity <= 0 has no
 * output row. An input row whose key or aggregate input fails to evaluate contributes an error
 * (with its diff) instead of contributing to the group. An empty key over an empty input yields no
 * row: the SQL layer adds the default row for global aggregates itself.
 */
import type { AggregateExpr, MirScalarExpr } from '../../expr/index.ts';
import type { Datum, Row } from '../../repr/index.ts';
import { errorRow } from '../errors.ts';
import { KeyedMap, type PackedKey, packKey, rowsIdentical, unpackKey } from '../keys.ts';
import { KeyFn } from '../scalar.ts';
import type { Stream, Worker } from '../worker.ts';
import { type Agg, type AggPlan, planAggregate } from './aggregates.ts';
import { TimeOrderedOp } from './time-ordered.ts';

class Group {
  readonly key: Row;
  count = 0;
  readonly aggs: Agg[];
  output: Row | null = null;
  /** The error the group's aggregates raised on output (e.g. a NULL jsonb_object_agg key), if any. */
  error: Row | null = null;
  touched = false;
  constructor(key: Row, aggs: Agg[]) {
    this.key = key;
    this.aggs = aggs;
  }
}

export class ReduceOp extends TimeOrderedOp {
  private readonly keyFn: KeyFn;
  private readonly plans: readonly AggPlan[];
  private readonly groups: KeyedMap<Group>;
  private touched: Group[] = [];
  private readonly args: Datum[];

  constructor(worker: Worker, input: Stream, groupKey: readonly MirScalarExpr[], aggregates: readonly AggregateExpr[], name = 'reduce') {
    super(worker, input, name);
    this.keyFn = new KeyFn(groupKey);
    this.groups = new KeyedMap(groupKey.length);
    this.plans = aggregates.map(planAggregate);
    this.args = new Array(aggregates.length).fill(null);
  }

  get groupCount(): number {
    return this.groups.size;
  }

  protected apply(row: Row, time: number, diff: number): void {
    let key: PackedKey;
    const plans = this.plans;
    const args = this.args;
    try {
      key = this.keyFn.applyPacked(row);
      for (let i = 0; i < plans.length; i++) {
        const f = plans[i]!.arg;
        args[i] = f === undefined ? null : f(row);
      }
    } catch (e) {
      this.errs.push(errorRow(e), time, diff);
      return;
    }
    let g = this.groups.get(key);
    if (g === undefined) {
      g = new Group(unpackKey(key, this.keyFn.arity), plans.map((p) => p.create()));
      this.groups.set(key, g);
    }
    if (!g.touched) {
      g.touched = true;
      this.touched.push(g);
    }
    g.count += diff;
    try {
      for (let i = 0; i < plans.length; i++) g.aggs[i]!.add(args[i]!, diff);
    } catch (e) {
      this.errs.push(errorRow(e), time, diff);
    }
  }

  protected finish(time: number): void {
    const touched = this.touched;
    this.touched = [];
    for (const g of touched) {
      g.touched = false;
      let next: Row | null = null;
      let error: Row | null = null;
      if (g.count > 0) {
        try {
          const r: Datum[] = g.key.slice();
          for (const a of g.aggs) r.push(a.result());
          next = r;
        } catch (e) {
          error = errorRow(e);
        }
      }
      // An output-time error is part of the group's state: it is retracted when its cause goes.
      if (!rowsIdentical(g.error, error)) {
        if (g.error !== null) this.errs.push(g.error, time, -1);
        if (error !== null) this.errs.push(error, time, 1);
        g.error = error;
      }
      if (!rowsIdentical(g.output, next)) {
        if (g.output !== null) this.out.push(g.output, time, -1);
        if (next !== null) this.out.push(next, time, 1);
        g.output = next;
      }
      if (g.count === 0 && g.error === null && g.aggs.every((a) => a.isEmpty())) this.groups.delete(packKey(g.key));
    }
  }
}
