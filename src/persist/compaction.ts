/**
 * Compaction policy (pure): which adjacent batches to merge next. Merging forwards times to the
 * shard's since and consolidates, so a collection with a stable row count stays small however long
 * it is updated. Size-tiered: when there are more than `maxBatches` batches, merge the window of
 * `window` adjacent batches with the fewest updates, so small recent batches merge with each other
 * first and every update is rewritten O(log n) times. `maxMergeUpdates` bounds one merge's work.
 */
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
export function pickMerge(batches: readonly BatchDesc[], cfg: CompactionConfig): { start: number; end: number } | undefined {
  if (batches.length <= cfg.maxBatches) return undefined;
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
