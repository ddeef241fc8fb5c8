/**
 * Trace: the indexed history behind an arrangement. key → entry of (val, time, diff) updates.
 * Entries are append-only between consolidations: an insert is a push onto three parallel arrays;
 * an entry is consolidated (times advanced to `since`, sorted by val identity and time, equal
 * (val, time) merged, zeros dropped) when it has doubled in length since its last consolidation
 * and saw a retraction (only retractions or compaction can shrink it). Reads are correct on
 * unconsolidated entries too, because every reader sums diffs.
 *
 * Invariant: for every time t >= since, the multiset of (val, diff) with time <= t summed per val
 * equals the arranged collection's contents at t.
 */
import type { Row } from '../repr/index.ts';
import { KeyedMap, type PackedKey, hashRow, packKey, rowsIdentical, unpackKey } from './keys.ts';

export class TraceEntry {
  readonly key: Row;
  vals: Row[] = [];
  times: number[] = [];
  diffs: number[] = [];
  /** Length right after the last consolidation. */
  clean = 0;
  /** A retraction arrived since the last consolidation. */
  retracted = false;
  constructor(key: Row) {
    this.key = key;
  }
  get length(): number {
    return this.vals.length;
  }
}

export class Trace {
  readonly arity: number;
  readonly entries: KeyedMap<TraceEntry>;
  /** Compaction frontier: history before it may be (and lazily is) advanced to it. */
  since = 0;
  /** Number of (val, time, diff) records held. */
  records = 0;

  constructor(arity: number) {
    this.arity = arity;
    this.entries = new KeyedMap(arity);
  }

  /** The entry for a key in packed form (see keys.ts). */
  get(key: PackedKey): TraceEntry | undefined {
    return this.entries.get(key);
  }

  insert(key: PackedKey, val: Row, time: number, diff: number): void {
    let e = this.entries.get(key);
    if (e === undefined) {
      e = new TraceEntry(unpackKey(key, this.arity));
      this.entries.set(key, e);
    }
    e.vals.push(val);
    e.times.push(time);
    e.diffs.push(diff);
    this.records++;
    if (diff < 0) e.retracted = true;
    // Insert-only growth cannot cancel anything: count it as clean so the first retraction after
    // a big snapshot does not pay for consolidating the whole entry.
    if (!e.retracted) e.clean = e.vals.length;
    else if (e.vals.length >= 2 * e.clean + 8) this.consolidate(e);
  }

  /**
   * Consolidates one entry (and deletes it when it becomes empty). Rows are bucketed by a 32-bit
   * hash and merged only when rowsIdentical confirms equality (no string keys on this hot path).
   */
  consolidate(e: TraceEntry): void {
    const n = e.vals.length;
    if (n <= 24) {
      this.consolidateSmall(e);
      return;
    }
    const since = this.since;
    const times = e.times;
    const vals = e.vals;
    const hashes = new Float64Array(n);
    const idx: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      hashes[i] = hashRow(vals[i]!);
      idx[i] = i;
      if (times[i]! < since) times[i] = since;
    }
    idx.sort((a, b) => hashes[a]! - hashes[b]! || times[a]! - times[b]!);
    const outVals: Row[] = [];
    const outTimes: number[] = [];
    const outDiffs: number[] = [];
    const diffs = e.diffs;
    let i = 0;
    while (i < n) {
      // A run of equal hashes: usually one row, merge by true equality within it.
      let j = i + 1;
      while (j < n && hashes[idx[j]!] === hashes[idx[i]!]) j++;
      if (j - i === 1) {
        const a = idx[i]!;
        if (diffs[a] !== 0) {
          outVals.push(vals[a]!);
          outTimes.push(times[a]!);
          outDiffs.push(diffs[a]!);
        }
      } else {
        const done = new Uint8Array(j - i);
        for (let x = i; x < j; x++) {
          if (done[x - i]) continue;
          const a = idx[x]!;
          let d = diffs[a]!;
          for (let y = x + 1; y < j; y++) {
            const b = idx[y]!;
            if (!done[y - i] && times[b] === times[a] && rowsIdentical(vals[a]!, vals[b]!)) {
              d += diffs[b]!;
              done[y - i] = 1;
            }
          }
          if (d !== 0) {
            outVals.push(vals[a]!);
            outTimes.push(times[a]!);
            outDiffs.push(d);
          }
        }
      }
      i = j;
    }
    this.records += outVals.length - n;
    e.vals = outVals;
    e.times = outTimes;
    e.diffs = outDiffs;
    e.clean = outVals.length;
    e.retracted = false;
    if (outVals.length === 0) this.entries.delete(packKey(e.key));
  }

  /** Quadratic in-place merge for small entries: no hashing, sorting or scratch arrays. */
  private consolidateSmall(e: TraceEntry): void {
    const since = this.since;
    const vals = e.vals;
    const times = e.times;
    const diffs = e.diffs;
    let n = vals.length;
    for (let i = 0; i < n; i++) if (times[i]! < since) times[i] = since;
    let w = 0;
    for (let i = 0; i < n; i++) {
      let d = diffs[i]!;
      if (d === 0) continue;
      const v = vals[i]!;
      const t = times[i]!;
      for (let j = i + 1; j < n; j++) {
        if (diffs[j] !== 0 && times[j] === t && rowsIdentical(v, vals[j]!)) {
          d += diffs[j]!;
          diffs[j] = 0;
        }
      }
      if (d !== 0) {
        vals[w] = v;
        times[w] = t;
        diffs[w] = d;
        w++;
      }
    }
    const before = n;
    n = w;
    vals.length = n;
    times.length = n;
    diffs.length = n;
    this.records += n - before;
    e.clean = n;
    e.retracted = false;
    if (n === 0) this.entries.delete(packKey(e.key));
  }

  /** Advances the compaction frontier (never backwards). */
  advanceSince(since: number): void {
    if (since > this.since) this.since = since;
  }

  /** Consolidates every entry (maintenance; O(size)). */
  consolidateAll(): void {
    for (const e of [...this.entries.values()]) this.consolidate(e);
  }

  /** The contents at `asOf` (requires since <= asOf) as (row, count) with non-zero counts; optionally one key. */
  readAt(asOf: number, key?: Row): [Row, number][] {
    const out: [Row, number][] = [];
    const one = (e: TraceEntry): void => {
      // Bucket by hash, confirm with rowsIdentical: no string key per row.
      const buckets = new Map<number, number | number[]>();
      const start = out.length;
      for (let i = 0; i < e.vals.length; i++) {
        if (e.times[i]! > asOf) continue;
        const v = e.vals[i]!;
        const h = hashRow(v);
        const b = buckets.get(h);
        let found = -1;
        if (b !== undefined) {
          if (typeof b === 'number') {
            if (rowsIdentical(out[b]![0], v)) found = b;
          } else {
            for (const j of b) if (rowsIdentical(out[j]![0], v)) { found = j; break; }
          }
        }
        if (found >= 0) {
          out[found]![1] += e.diffs[i]!;
          continue;
        }
        const idx = out.length;
        out.push([v, e.diffs[i]!]);
        if (b === undefined) buckets.set(h, idx);
        else if (typeof b === 'number') buckets.set(h, [b, idx]);
        else b.push(idx);
      }
      // Drop rows whose diffs cancelled.
      let w = start;
      for (let r = start; r < out.length; r++) if (out[r]![1] !== 0) out[w++] = out[r]!;
      out.length = w;
    };
    if (key !== undefined) {
      const e = this.entries.get(packKey(key));
      if (e !== undefined) one(e);
    } else {
      for (const e of this.entries.values()) one(e);
    }
    return out;
  }

  /** Every update as (key, val, time, diff) — a snapshot for a new reader. */
  forEachUpdate(f: (key: Row, val: Row, time: number, diff: number) => void): void {
    for (const e of this.entries.values()) {
      for (let i = 0; i < e.vals.length; i++) f(e.key, e.vals[i]!, e.times[i]!, e.diffs[i]!);
    }
  }

  /** Rough heap footprint: per record three array slots plus the row's datums. */
  estimateBytes(): number {
    let bytes = 0;
    for (const e of this.entries.values()) {
      bytes += 64 + e.key.length * 16;
      for (let i = 0; i < e.vals.length; i++) bytes += 24 + 16 + e.vals[i]!.length * 16;
    }
    return bytes;
  }

  clear(): void {
    this.entries.clear();
    this.records = 0;
  }
}
