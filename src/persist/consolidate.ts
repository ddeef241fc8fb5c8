/**
 * Consolidation of update lists: the contents at a time (snapshot) and the canonical form of a batch
 * (diffs summed per (row, time), zeros dropped). Rows are identified exactly as `rowKey` does
 * (numerics normalized, -0 = 0, NaN = NaN, intervals field by field); a 32-bit hash only picks the
 * bucket in an open-addressing table and `rowsEqual` decides — no per-row strings or Map entries,
 * which is what makes consolidating a million rows take milliseconds, not seconds.
 */
import { type Datum, Interval, Numeric, PgArray, type Row, type Timestamp, type Update } from '../repr/index.ts';

/**
 * The contents at `asOf` of the union of `parts`: each row once, at time asOf, non-zero diff.
 * `owned`: the caller hands over the update tuples (freshly decoded), so they are reused and
 * mutated instead of copied — a million fewer allocations for a million-row snapshot.
 */
export function contentsAt(parts: readonly (readonly Update[])[], asOf: Timestamp, owned = false): Update[] {
  const table = new UpdateTable(estimate(parts));
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const u = part[i]!;
      if (u[1] > asOf) continue;
      if (owned) table.addOwned(u as Entry, asOf);
      else table.add(u[0], asOf, u[2]);
    }
  }
  return table.result();
}

type Entry = [Row, Timestamp, number];

/**
 * contentsAt for the common shape of a big compacted batch plus a few small ones: `base` (owned
 * tuples) holds each row at most once, all at times <= asOf. Only `others` go into a hash table;
 * base rows are probed against it and forwarded in place, so the big batch is never inserted.
 */
export function contentsAtWithBase(base: readonly Update[], others: readonly (readonly Update[])[], asOf: Timestamp): Update[] {
  const table = new UpdateTable(estimate(others));
  for (const part of others) {
    for (let i = 0; i < part.length; i++) {
      const u = part[i]!;
      if (u[1] <= asOf) table.addOwned(u as Entry, asOf);
    }
  }
  const out = base as Entry[];
  let n = 0;
  for (let i = 0; i < out.length; i++) {
    const u = out[i]!;
    u[1] = asOf;
    if (table.size > 0) {
      const e = table.lookup(u[0], asOf);
      if (e !== undefined) {
        u[2] += e[2];
        e[2] = 0; // consumed: dropped from the table's result below
      }
    }
    if (u[2] !== 0) out[n++] = u;
  }
  out.length = n;
  for (const e of table.result()) out.push(e as Entry);
  return out;
}

/**
 * Sums diffs per (row, time) after forwarding every time to at least `since`, drops zero sums.
 * The result is what a compacted batch stores; contents at every time >= since are unchanged.
 */
export function consolidateBatch(parts: readonly (readonly Update[])[], since: Timestamp): Update[] {
  const c = new BatchConsolidator(estimate(parts), since);
  for (const part of parts) c.addAll(part, 0, part.length);
  return c.result();
}

/** consolidateBatch in pieces, so a big merge can yield to the event loop between them. */
export class BatchConsolidator {
  private readonly table: UpdateTable;
  private readonly since: Timestamp;
  constructor(expected: number, since: Timestamp) {
    this.table = new UpdateTable(expected);
    this.since = since;
  }

  addAll(updates: readonly Update[], from: number, to: number): void {
    const since = this.since;
    for (let i = from; i < to; i++) {
      const u = updates[i]!;
      this.table.add(u[0], u[1] < since ? since : u[1], u[2]);
    }
  }

  result(): Update[] {
    return this.table.result();
  }
}

function estimate(parts: readonly (readonly Update[])[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** Open-addressing hash table of (row, time) → summed diff, in first-seen order. */
class UpdateTable {
  private slots: Int32Array;
  private mask: number;
  /** Hash of entry i (pre-sized typed array: pushing a million numbers costs copies and GC). */
  private hashes: Int32Array;
  private readonly out: Entry[];
  private count = 0;
  /** The free slot `find` stopped at when it returned -1. */
  private pending = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.hashes = new Int32Array(cap / 2);
    this.out = new Array<Entry>(Math.min(expected, cap / 2));
  }

  add(row: Row, time: Timestamp, diff: number): void {
    const h = mix(hashRow(row), time);
    const at = this.find(h, row, time);
    if (at >= 0) this.out[at]![2] += diff;
    else this.insert(h, [row, time, diff]);
  }

  /** Like add, but keeps `u` itself (time overwritten) as the entry when the row is new. */
  addOwned(u: Entry, time: Timestamp): void {
    const h = mix(hashRow(u[0]), time);
    const at = this.find(h, u[0], time);
    if (at >= 0) {
      this.out[at]![2] += u[2];
    } else {
      u[1] = time;
      this.insert(h, u);
    }
  }

  get size(): number {
    return this.count;
  }

  lookup(row: Row, time: Timestamp): Entry | undefined {
    const at = this.find(mix(hashRow(row), time), row, time);
    return at >= 0 ? this.out[at] : undefined;
  }

  /** Index of the entry for (row, time), or -1 (leaving the free slot in `pending`). */
  private find(h: number, row: Row, time: Timestamp): number {
    let s = h & this.mask;
    for (;;) {
      const at = this.slots[s]!;
      if (at < 0) break;
      const e = this.out[at]!;
      if (this.hashes[at] === h && e[1] === time && rowsEqual(e[0], row)) return at;
      s = (s + 1) & this.mask;
    }
    this.pending = s;
    return -1;
  }

  private insert(h: number, e: Entry): void {
    const i = this.count++;
    this.slots[this.pending] = i;
    this.hashes[i] = h;
    this.out[i] = e;
    if (this.count * 2 > this.slots.length) this.grow();
  }

  private grow(): void {
    const cap = this.slots.length * 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    const hashes = new Int32Array(cap / 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    for (let i = 0; i < this.count; i++) {
      let s = this.hashes[i]! & this.mask;
      while (this.slots[s]! >= 0) s = (s + 1) & this.mask;
      this.slots[s] = i;
    }
  }

  result(): Update[] {
    const out = this.out;
    out.length = this.count;
    for (let i = 0; i < out.length; i++) {
      if (out[i]![2] === 0) return out.filter((u) => u[2] !== 0);
    }
    return out;
  }
}

// --- row hashing and equality (the identity rowKey defines) ---------------------------------------

const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h ^ (h >>> 15)) | 0;
}

function hashNumber(h: number, d: number): number {
  if ((d | 0) === d) return mix(h, d); // also maps -0 to 0
  if (d !== d) return mix(h, 0x7ff80000);
  f64[0] = d;
  return mix(mix(h, f64Words[0]!), f64Words[1]!);
}

function hashString(h: number, s: string): number {
  h = mix(h, s.length);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

export function hashRow(row: Row): number {
  let h = row.length;
  for (let i = 0; i < row.length; i++) h = hashDatum(h, row[i]!);
  return h;
}

function hashDatum(h: number, d: Datum): number {
  if (d === null) return mix(h, 0x51ed27);
  switch (typeof d) {
    case 'boolean': return mix(h, d ? 0x3a7 : 0x3a8);
    case 'number': return hashNumber(mix(h, 1), d);
    // Number() of a large bigint rounds: equal bigints still hash equal, which is all a hash owes.
    case 'bigint': return hashNumber(mix(h, 2), Number(d));
    case 'string': return hashString(mix(h, 3), d);
    default: break;
  }
  if (d instanceof Uint8Array) {
    h = mix(h, 4 + d.length * 16);
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i]!, 0x01000193);
    return h;
  }
  if (d instanceof Numeric) {
    if (d.special !== undefined) return hashString(mix(h, 5), d.special);
    const n = d.normalize();
    return hashNumber(hashNumber(mix(h, 6), Number(n.coef)), n.scale);
  }
  if (d instanceof Interval) return hashNumber(hashNumber(hashNumber(mix(h, 7), d.months), d.days), Number(d.micros));
  if (d instanceof PgArray) {
    h = mix(h, 8 + d.dims.length * 16);
    for (const dim of d.dims) h = mix(mix(h, dim.length), dim.lower);
    for (let i = 0; i < d.elems.length; i++) h = hashDatum(h, d.elems[i]!);
    return h;
  }
  const rec = d as readonly Datum[];
  h = mix(h, 9 + rec.length * 16);
  for (let i = 0; i < rec.length; i++) h = hashDatum(h, rec[i]!);
  return h;
}

export function rowsEqual(a: Row, b: Row): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!datumEquals(a[i]!, b[i]!)) return false;
  return true;
}

function datumEquals(a: Datum, b: Datum): boolean {
  if (a === b) return true; // includes 0 === -0
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return typeof a === 'number' && typeof b === 'number' && a !== a && b !== b; // NaN = NaN
  }
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a instanceof Numeric) {
    if (!(b instanceof Numeric) || a.special !== b.special) return false;
    return a.special !== undefined || a.compare(b) === 0;
  }
  if (a instanceof Interval) return b instanceof Interval && a.months === b.months && a.days === b.days && a.micros === b.micros;
  if (a instanceof PgArray) {
    if (!(b instanceof PgArray) || a.dims.length !== b.dims.length) return false;
    for (let i = 0; i < a.dims.length; i++) {
      if (a.dims[i]!.length !== b.dims[i]!.length || a.dims[i]!.lower !== b.dims[i]!.lower) return false;
    }
    return rowsEqual(a.elems, b.elems);
  }
  if (b instanceof Uint8Array || b instanceof Numeric || b instanceof Interval || b instanceof PgArray) return false;
  return rowsEqual(a as readonly Datum[], b as readonly Datum[]);
}
