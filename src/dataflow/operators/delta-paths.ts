/**
 * General delta join: n >= 3 inputs joined on different keys (a.x = b.x AND b.y = c.y). Each input
 * has a path: its changes look up the other inputs one after another, each through an arrangement
 * of that input keyed by the columns connecting it to the rows gathered so far. Output rows are the
 * inputs' rows in input order, at the max of their times (and `lower`), diff = the product.
 *
 * Exactly-once: a combination is produced by the path of the input whose row arrived last. An input
 * arranged by several keys has one primary arrangement (whose 'before' listener runs its path) and
 * secondary ones filled synchronously by the primary's 'after' listener (`SecondaryArrangeOp`), so
 * all of an input's arrangements change at one instant with respect to the other inputs' arrivals.
 * All arrangements must be distinct objects. Compaction: every arrangement of input i is held at
 * the least upper of the other inputs' primaries.
 */
import type { MirScalarExpr } from '../../expr/index.ts';
import type { Row } from '../../repr/index.ts';
import { invariant } from '../../util/index.ts';
import { Arrangement, type ArrangementListener } from '../arrangement.ts';
import { UpdateBatch } from '../batch.ts';
import { type PackedKey, packedHasNull } from '../keys.ts';
import { KeyFn } from '../scalar.ts';
import { Operator, Stream, type Worker } from '../worker.ts';

/** Another arrangement of the same rows under other keys, updated in the primary's 'after' phase. */
export class SecondaryArrangeOp extends Operator {
  readonly arrangement: Arrangement;
  private readonly primary: Arrangement;
  private readonly keyFn: KeyFn;
  private readonly listener: ArrangementListener;

  /** `lower`: history at times >= lower is kept distinguishable until the join sets its holds (`releaseInitialHold`). */
  constructor(worker: Worker, primary: Arrangement, keys: readonly MirScalarExpr[], lower: number, name = 'arrange secondary') {
    super(worker, name);
    invariant(keys.every((k) => k.kind === 'column'), `${name}: secondary keys must be columns (they cannot fail)`);
    this.primary = primary;
    this.keyFn = new KeyFn(keys);
    this.arrangement = new Arrangement(name, keys.length);
    this.arrangement.setHold(this, lower);
    const existing = new UpdateBatch();
    primary.trace.forEachUpdate((_k, row, time, diff) => existing.push(row, time, diff));
    this.insert(existing);
    this.arrangement.advance(primary.frontier);
    this.listener = {
      onBatch: (_keys, batch) => this.insert(batch),
      onFrontier: () => this.arrangement.advance(primary.frontier),
    };
    primary.addListener(this.listener, 'after');
  }

  releaseInitialHold(): void {
    this.arrangement.releaseHold(this);
  }

  private insert(batch: UpdateBatch): void {
    if (batch.length === 0) return;
    const keys: PackedKey[] = [];
    const kept = new UpdateBatch();
    for (let i = 0; i < batch.length; i++) {
      const k = this.keyFn.applyPacked(batch.rows[i]!);
      if (packedHasNull(k, this.keyFn.arity)) continue;
      keys.push(k);
      kept.push(batch.rows[i]!, batch.times[i]!, batch.diffs[i]!);
    }
    this.arrangement.insert(keys, kept);
  }

  run(): boolean {
    return false;
  }

  override drop(): void {
    super.drop();
    this.primary.removeListener(this.listener);
  }
}

/** One lookup of a path: input `input` through `arrangement`, keyed by `key` over the gathered row. */
export interface DeltaStage {
  readonly input: number;
  readonly arrangement: Arrangement;
  readonly key: readonly MirScalarExpr[];
}

interface CompiledStage {
  readonly arrangement: Arrangement;
  readonly key: KeyFn;
}

interface CompiledPath {
  readonly stages: readonly CompiledStage[];
  /** Output column c = gathered column perm[c]. */
  readonly perm: readonly number[];
}

export class DeltaPathsJoinOp extends Operator {
  readonly output: Stream;
  private readonly primaries: readonly Arrangement[];
  /** All arrangements of each input (primary first). */
  private readonly byInput: readonly (readonly Arrangement[])[];
  private readonly paths: readonly CompiledPath[];
  private readonly lower: number;
  private readonly listeners: ArrangementListener[] = [];
  private initial: UpdateBatch | undefined;

  /** `paths[i]` = the stages of input i's path, visiting every other input once. */
  constructor(worker: Worker, primaries: readonly Arrangement[], paths: readonly (readonly DeltaStage[])[], arities: readonly number[], lower: number, name = 'delta join') {
    super(worker, name);
    const n = primaries.length;
    invariant(paths.length === n && arities.length === n, `${name}: one path and arity per input`);
    this.primaries = primaries;
    this.lower = lower;
    this.output = new Stream(worker, name);
    const byInput: Arrangement[][] = primaries.map((p) => [p]);
    const offsets: number[] = [];
    let off = 0;
    for (const a of arities) {
      offsets.push(off);
      off += a;
    }
    this.paths = paths.map((stages, i) => {
      const order = [i, ...stages.map((s) => s.input)];
      invariant(new Set(order).size === n, `${name}: path ${i} must visit every input once`);
      for (const s of stages) if (!byInput[s.input]!.includes(s.arrangement)) byInput[s.input]!.push(s.arrangement);
      const gatheredAt: number[] = [];
      let g = 0;
      for (const input of order) {
        gatheredAt[input] = g;
        g += arities[input]!;
      }
      const perm: number[] = [];
      for (let input = 0; input < n; input++) for (let c = 0; c < arities[input]!; c++) perm.push(gatheredAt[input]! + c);
      return { stages: stages.map((s) => ({ arrangement: s.arrangement, key: new KeyFn(s.key) })), perm };
    });
    this.byInput = byInput;
    invariant(new Set(byInput.flat()).size === byInput.flat().length, `${name}: arrangements must be distinct`);
    if (primaries.every((a) => a.trace.records > 0)) {
      const init = new UpdateBatch();
      primaries[0]!.trace.forEachUpdate((_k, row, time, diff) => this.walk(this.paths[0]!, 0, row, Math.max(time, lower), diff, init));
      this.initial = init;
    }
    primaries.forEach((a, i) => {
      const l: ArrangementListener = {
        onBatch: (_keys, batch) => this.onBatch(i, batch),
        onFrontier: () => this.activate(),
      };
      this.listeners.push(l);
      a.addListener(l, 'before');
    });
    this.updateHolds(true);
    this.activate();
  }

  private onBatch(i: number, batch: UpdateBatch): void {
    const out = new UpdateBatch();
    const path = this.paths[i]!;
    for (let u = 0; u < batch.length; u++) this.walk(path, 0, batch.rows[u]!, Math.max(batch.times[u]!, this.lower), batch.diffs[u]!, out);
    this.worker.charge(out.length);
    this.output.send(out);
  }

  private walk(path: CompiledPath, s: number, gathered: Row, time: number, diff: number, out: UpdateBatch): void {
    if (s === path.stages.length) {
      const perm = path.perm;
      const row: Row = new Array(perm.length);
      for (let c = 0; c < perm.length; c++) (row as unknown[])[c] = gathered[perm[c]!];
      out.push(row, time, diff);
      return;
    }
    const stage = path.stages[s]!;
    const key = stage.key.applyPacked(gathered);
    if (packedHasNull(key, stage.key.arity)) return;
    const e = stage.arrangement.trace.get(key);
    if (e === undefined) return;
    const vals = e.vals;
    const times = e.times;
    const diffs = e.diffs;
    for (let k = 0; k < vals.length; k++) {
      const t = times[k]! > time ? times[k]! : time;
      this.walk(path, s + 1, gathered.concat(vals[k]!), t, diff * diffs[k]!, out);
    }
  }

  private updateHolds(initial: boolean): void {
    const n = this.primaries.length;
    for (let i = 0; i < n; i++) {
      let others = Infinity;
      for (let j = 0; j < n; j++) if (j !== i) others = Math.min(others, this.primaries[j]!.frontier);
      for (const a of this.byInput[i]!) {
        if (others !== Infinity) a.setHold(this, Math.max(this.lower, others));
        else if (initial) a.setHold(this, this.lower);
      }
    }
  }

  run(): boolean {
    if (this.initial !== undefined) {
      this.output.send(this.initial);
      this.initial = undefined;
    }
    this.updateHolds(false);
    let f = Infinity;
    for (const a of this.primaries) f = Math.min(f, a.frontier);
    this.output.advance(f);
    return false;
  }

  override drop(): void {
    super.drop();
    this.primaries.forEach((a, i) => a.removeListener(this.listeners[i]!));
    for (const list of this.byInput) for (const a of list) a.releaseHold(this);
  }
}
