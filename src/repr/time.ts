/**
 * The time vocabulary (docs/formalism.md): Timestamp, Diff, Frontier, Update.
 * A collection's contents at time t are the rows whose diffs, summed over updates with time <= t,
 * are non-zero.
 */
import type { Row } from './row.ts';

/** Integer milliseconds since the Unix epoch on the one user timeline. */
export type Timestamp = number & { readonly __brand: 'Timestamp' };
/** An integer multiplicity change. */
export type Diff = number;
/** The least time at which updates may still arrive; 'closed' means none ever will. */
export type Frontier = Timestamp | 'closed';
export type Update = readonly [row: Row, time: Timestamp, diff: Diff];

export const MIN_TIMESTAMP = 0 as Timestamp;
/** The largest timestamp we hand out (keeps arithmetic on times exact in a double). */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER as Timestamp;

export function ts(n: number): Timestamp {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`invalid timestamp ${n}`);
  return n as Timestamp;
}

/** True iff time `t` is not yet complete under `frontier` (i.e. t >= frontier). */
export function frontierLessEqual(frontier: Frontier, t: Timestamp): boolean {
  return frontier !== 'closed' && frontier <= t;
}

/** Orders frontiers: 'closed' is after every timestamp. */
export function compareFrontier(a: Frontier, b: Frontier): number {
  if (a === b) return 0;
  if (a === 'closed') return 1;
  if (b === 'closed') return -1;
  return a - b;
}

export function minFrontier(a: Frontier, b: Frontier): Frontier {
  return compareFrontier(a, b) <= 0 ? a : b;
}

export function maxFrontier(a: Frontier, b: Frontier): Frontier {
  return compareFrontier(a, b) >= 0 ? a : b;
}

export function formatFrontier(f: Frontier): string {
  return f === 'closed' ? '[]' : `[${f}]`;
}
