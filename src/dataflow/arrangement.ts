/**
 * Arrangement: a Trace plus its upper (frontier), listeners and compaction holds. One arrangement
 * can serve many readers (joins in several dataflows, peeks): it is shared, never copied.
 *
 * Listeners see every inserted batch synchronously, either just before it enters the trace or just
 * after. A binary join registers as a 'before' listener on its left input and an 'after' listener on
 * its right input, so each pair (l, r) is produced exactly once — when the later of the two
 * arrives — even when both sides are the same arrangement (self-join).
 *
 * Compaction: since = max(since, min over holds). Readers hold the times they may still read at.
 */
import type { PackedKey } from './keys.ts';
import { invariant } from '../util/index.ts';
import type { UpdateBatch } from './batch.ts';
import { Trace } from './trace.ts';

export interface ArrangementListener {
  /** A batch arranged under `keys[i]` (packed keys, parallel to the batch). */
  onBatch(keys: readonly PackedKey[], batch: UpdateBatch): void;
  /** The arrangement's upper advanced. */
  onFrontier(): void;
}

export class Arrangement {
  readonly name: string;
  readonly trace: Trace;
  readonly keyArity: number;
  frontier = 0;
  private readonly before: ArrangementListener[] = [];
  private readonly after: ArrangementListener[] = [];
  private readonly holds = new Map<object, number>();

  constructor(name: string, keyArity: number) {
    this.name = name;
    this.keyArity = keyArity;
    this.trace = new Trace(keyArity);
  }

  get since(): number {
    return this.trace.since;
  }

  addListener(l: ArrangementListener, phase: 'before' | 'after'): void {
    (phase === 'before' ? this.before : this.after).push(l);
  }

  removeListener(l: ArrangementListener): void {
    for (const list of [this.before, this.after]) {
      const i = list.indexOf(l);
      if (i >= 0) list.splice(i, 1);
    }
  }

  get listenerCount(): number {
    return this.before.length + this.after.length;
  }

  /** Sets `owner`'s compaction hold: the arrangement keeps history distinguishable at times >= t. */
  setHold(owner: object, t: number): void {
    this.holds.set(owner, t);
    this.recomputeSince();
  }

  releaseHold(owner: object): void {
    this.holds.delete(owner);
    this.recomputeSince();
  }

  private recomputeSince(): void {
    let min = Infinity;
    for (const t of this.holds.values()) min = Math.min(min, t);
    // Without holds nobody can read history, but keep since finite so times stay meaningful.
    if (min === Infinity) min = this.frontier === Infinity ? this.trace.since : this.frontier;
    this.trace.advanceSince(min);
  }

  insert(keys: readonly PackedKey[], batch: UpdateBatch): void {
    if (batch.length === 0) return;
    for (const l of this.before) l.onBatch(keys, batch);
    const trace = this.trace;
    for (let i = 0; i < batch.length; i++) trace.insert(keys[i]!, batch.rows[i]!, batch.times[i]!, batch.diffs[i]!);
    for (const l of this.after) l.onBatch(keys, batch);
  }

  advance(frontier: number): void {
    if (frontier === this.frontier) return;
    invariant(frontier > this.frontier, `arrangement ${this.name}: upper went backwards`);
    this.frontier = frontier;
    for (const l of this.before) l.onFrontier();
    for (const l of this.after) l.onFrontier();
    if (this.holds.size === 0) this.recomputeSince();
  }
}
