/**
 * Compaction policy (pure): which adjacent batches to merge next. Merging forwards times to the
 * shard's since and consolidates, so a collection with a stable row count stays small however long
 * it is updated. Size-tiered: when there are more than `maxBatches` batches, merge the window of
 * `window` adjacent batches with the fewest updates, so small recent batches merge with each other
 * first and every update is rewritten O(log n) times. `maxMergeUpdates` bounds one merge's work.
 *
 * Since-driven merges: when no size-tiered merge is due, adjacent batches whose times all lie at or
 * below `since` are merged once the smaller ones add up to at least half the largest — merging
 * consolidates them to the live contents, so a small table rewritten over and over shrinks back to
 * about its live size once `since` passes, while a big base batch is not rewritten for a trickle of
 * small appends (those merge among themselves first).
 */
import type { Frontier, Timestamp } from '../repr/index.ts';
import type { BatchDesc } from './state.ts';

export interface CompactionConfig {
  /** Compact when a shard has more batches than this. */
  readonly maxBatches: number;
  /** How many adjacent batches one merge takes. */
  readonly window: number;
  /** Skip merges whose inputs hold more updates than this (bounds a merge's time and memory). */
  readonly maxMergeUpdates: number;
}

export const defaultCompactionConfig: CompactionConfig = { maxBatches: 8, window: 4, maxMergeUpdates: 500_000 };

/** Half-open index range [start, end) of batches to merge, or undefined if none is due. */
export function pickMerge(batches: readonly BatchDesc[], cfg: CompactionConfig, since: Frontier = 0 as Timestamp): { start: number; end: number } | undefined {
  if (batches.length <= cfg.maxBatches) return since === 'closed' ? undefined : pickSinceMerge(batches, cfg, since);
  for (let w = Math.min(cfg.window, batches.length); w >= 2; w--) {
    let best: { start: number; total: number } | undefined;
    let total = 0;
    for (let i = 0; i < batches.length; i++) {
      total += batches[i]!.count;
      if (i >= w) total -= batches[i - w]!.count;
      if (i >= w - 1 && total <= cfg.maxMergeUpdates && (best === undefined || total < best.total)) best = { start: i - w + 1, total };
    }
    if (best !== undefined) return { start: best.start, end: best.start + w };
  }
  return undefined;
}

/** A run of ≥ 2 adjacent batches entirely at or below `since` worth consolidating (see the header). */
function pickSinceMerge(batches: readonly BatchDesc[], cfg: CompactionConfig, since: number): { start: number; end: number } | undefined {
  let i = 0;
  while (i < batches.length) {
    if (batches[i]!.maxTime > since) {
      i++;
      continue;
    }
    let j = i;
    while (j < batches.length && batches[j]!.maxTime <= since) j++;
    const found = worthMerging(batches, i, j, cfg);
    if (found !== undefined) return found;
    i = j;
  }
  return undefined;
}

function worthMerging(batches: readonly BatchDesc[], start: number, end: number, cfg: CompactionConfig): { start: number; end: number } | undefined {
  if (end - start < 2) return undefined;
  let largest = start;
  let total = 0;
  for (let k = start; k < end; k++) {
    total += batches[k]!.count;
    if (batches[k]!.count > batches[largest]!.count) largest = k;
  }
  const big = batches[largest]!.count;
  if (total - big >= big / 2 && total <= cfg.maxMergeUpdates) return { start, end };
  // Not worth rewriting the largest: try the smaller batches on either side of it.
  return worthMerging(batches, start, largest, cfg) ?? worthMerging(batches, largest + 1, end, cfg);
}
