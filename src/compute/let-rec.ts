/**
 * WITH MUTUALLY RECURSIVE (MIR letRec), first version: the recursive expression is re-evaluated
 * from scratch (batch evaluation, batch-eval.ts) at every time its inputs change, and the
 * difference to the previous result is emitted. Correct for any recursion, but its cost per
 * changed time is proportional to the inputs' size, not to the change. An incremental
 * (iterative-scope) rendering can replace it without changing the plan.
 *
 * Inputs arrive on one stream as rows tagged with their input's position: [tag, ...row].
 */
import { TimeOrderedOp, type Stream, type Worker, errorRow } from '../dataflow/index.ts';
import type { GlobalId, MirRelationExpr } from '../expr/index.ts';
import { type Row, rowKey } from '../repr/index.ts';
import { type Multiset, evaluateMir } from './batch-eval.ts';

type Counted = Map<string, [Row, number]>;

function add(m: Counted, row: Row, d: number): void {
  const k = rowKey(row);
  const cur = m.get(k);
  if (cur === undefined) m.set(k, [row, d]);
  else {
    cur[1] += d;
    if (cur[1] === 0) m.delete(k);
  }
}

export class LetRecOp extends TimeOrderedOp {
  private readonly expr: MirRelationExpr;
  private readonly inputIds: readonly GlobalId[];
  private readonly contents: Counted[];
  private lastOks: Counted = new Map();
  private lastErrs: Counted = new Map();
  private dirty = false;

  constructor(worker: Worker, tagged: Stream, expr: MirRelationExpr, inputIds: readonly GlobalId[], name = 'letRec') {
    super(worker, tagged, name);
    this.expr = expr;
    this.inputIds = inputIds;
    this.contents = inputIds.map(() => new Map());
  }

  override run(): boolean {
    // Never slice within a time: each finish re-evaluates everything.
    return super.run(Number.MAX_SAFE_INTEGER);
  }

  protected apply(row: Row, _time: number, diff: number): void {
    // Tag -1 is the tick at asOf that forces a first evaluation (a recursion may read no input).
    const tag = row[0] as number;
    if (tag >= 0) add(this.contents[tag]!, row.slice(1), diff);
    this.dirty = true;
  }

  protected finish(time: number): void {
    if (!this.dirty) return;
    this.dirty = false;
    const collections = new Map<GlobalId, Multiset>();
    this.inputIds.forEach((id, i) => collections.set(id, [...this.contents[i]!.values()]));
    let oks: Multiset;
    let errs: Multiset;
    try {
      ({ oks, errs } = evaluateMir(this.expr, { collections }));
    } catch (err) {
      oks = [];
      errs = [[errorRow(err), 1]];
    }
    this.lastOks = this.emitDiff(this.lastOks, oks, time, false);
    this.lastErrs = this.emitDiff(this.lastErrs, errs, time, true);
  }

  private emitDiff(last: Counted, next: Multiset, time: number, errors: boolean): Counted {
    const now: Counted = new Map();
    for (const [r, d] of next) add(now, r, d);
    const into = errors ? this.errs : this.out;
    for (const [k, [r, d]] of now) {
      const prev = last.get(k)?.[1] ?? 0;
      if (d !== prev) into.push(r, time, d - prev);
    }
    for (const [k, [r, d]] of last) if (!now.has(k)) into.push(r, time, -d);
    return now;
  }
}
