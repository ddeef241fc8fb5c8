/**
 * Read holds: claims that keep `since` from advancing past a time while a read, a transaction or a
 * dataflow still needs it. Compaction of every collection follows the least hold.
 */
import type { Timestamp } from '../repr/index.ts';

export class ReadHolds {
  readonly #holds = new Map<number, Timestamp>();
  #next = 1;

  /** Takes a hold at `t`; returns its handle. */
  acquire(t: Timestamp): number {
    const id = this.#next++;
    this.#holds.set(id, t);
    return id;
  }

  release(handle: number): void {
    this.#holds.delete(handle);
  }

  /** The least held time, or undefined when nothing is held. */
  least(): Timestamp | undefined {
    let m: Timestamp | undefined;
    for (const t of this.#holds.values()) if (m === undefined || t < m) m = t;
    return m;
  }

  get size(): number {
    return this.#holds.size;
  }
}
