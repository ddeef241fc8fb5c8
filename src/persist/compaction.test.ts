/** The merge policy: size-tiered windows, and since-driven merges of batches below since. */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../repr/index.ts';
import { defaultCompactionConfig, pickMerge } from './compaction.ts';
import type { BatchDesc } from './state.ts';

const t = (n: number): Timestamp => n as Timestamp;
const batch = (count: number, maxTime: number): BatchDesc => ({
  key: `b${count}-${maxTime}`, lower: 0 as Timestamp, upper: (maxTime + 1) as Timestamp, since: 0 as Timestamp,
  count, bytes: count * 10, minTime: 0 as Timestamp, maxTime: maxTime as Timestamp,
});

describe('pickMerge', () => {
  const cfg = defaultCompactionConfig;

  it('size-tiered: more than maxBatches merges the lightest window', () => {
    const batches = [batch(1000, 1), ...Array.from({ length: 8 }, (_, i) => batch(i === 5 ? 1 : 50, i + 2))];
    expect(pickMerge(batches, cfg, t(0))).toEqual({ start: 3, end: 7 }); // the first of the lightest windows
  });

  it('since-driven: a small table rewritten in place is consolidated once since passes', () => {
    const batches = [batch(1000, 1), batch(2000, 2), batch(2000, 3), batch(2000, 9)];
    expect(pickMerge(batches, cfg, t(3))).toEqual({ start: 0, end: 3 });
    expect(pickMerge(batches, cfg, t(9))).toEqual({ start: 0, end: 4 });
    expect(pickMerge(batches, cfg, t(1))).toBeUndefined();
    expect(pickMerge(batches, cfg, 'closed')).toBeUndefined();
  });

  it('since-driven: a big base batch is not rewritten for a trickle of small appends', () => {
    const batches = [batch(1_000_000, 1), batch(1, 2), batch(3, 3), batch(2, 4)];
    expect(pickMerge(batches, cfg, t(10))).toEqual({ start: 1, end: 4 });
    expect(pickMerge([batch(1_000_000, 1), batch(1, 2)], cfg, t(10))).toBeUndefined();
    expect(pickMerge([batch(5, 1)], cfg, t(10))).toBeUndefined();
  });
});
