/**
 * Key identity for hash maps keyed by rows. A one-column key whose datum is a JS primitive
 * (number, bigint, string, boolean) is used as the Map key itself (SameValueZero equality agrees
 * with compareDatum: 0 = -0, NaN = NaN, and values of different JS types never collide); every other
 * key uses the injective string rowKey() in a separate Map, so the two spaces cannot collide.
 * Nothing here hashes: equality is always decided by the full key.
 */
import { type Datum, type Row, datumKey, rowKey } from '../repr/index.ts';

type Primitive = number | bigint | string | boolean;

export function isPrimitive(d: Datum): d is Primitive {
  const t = typeof d;
  return t === 'number' || t === 'string' || t === 'bigint' || t === 'boolean';
}

/** True iff some datum of the key is NULL (NULL join keys never match). */
export function hasNull(key: Row): boolean {
  for (let i = 0; i < key.length; i++) if (key[i] === null) return true;
  return false;
}

/** Identity equality of datums (the rowKey notion: numerics compare normalized). */
export function datumsIdentical(a: Datum, b: Datum): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') {
    // 0 and -0 and NaN: treat as rowKey does.
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  return datumKey(a) === datumKey(b);
}

export function rowsIdentical(a: Row | null, b: Row | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!datumsIdentical(a[i]!, b[i]!)) return false;
  return true;
}

/**
 * A key in packed form: for one-column keys the datum itself (no array per lookup), otherwise the
 * key row. Which form a value is in follows from the key's arity, never from its runtime type
 * (a one-column key may itself be a record, i.e. an array).
 */
export type PackedKey = Datum | Row;

export function packKey(key: Row): PackedKey {
  return key.length === 1 ? key[0]! : key;
}

export function unpackKey(k: PackedKey, arity: number): Row {
  return arity === 1 ? [k as Datum] : (k as Row);
}

export function packedHasNull(k: PackedKey, arity: number): boolean {
  return arity === 1 ? k === null : hasNull(k as Row);
}

/** A Map from keys of one arity (in packed form) to values, with the injective identity above. */
export class KeyedMap<V> {
  readonly arity: number;
  private readonly prim = new Map<Primitive, V>();
  private readonly enc = new Map<string, V>();

  constructor(arity: number) {
    this.arity = arity;
  }

  get size(): number {
    return this.prim.size + this.enc.size;
  }

  private encode(k: PackedKey): string {
    return this.arity === 1 ? datumKey(k as Datum) : rowKey(k as Row);
  }

  get(k: PackedKey): V | undefined {
    if (this.arity === 1 && isPrimitive(k as Datum)) return this.prim.get(k as Primitive);
    return this.enc.get(this.encode(k));
  }

  set(k: PackedKey, v: V): void {
    if (this.arity === 1 && isPrimitive(k as Datum)) this.prim.set(k as Primitive, v);
    else this.enc.set(this.encode(k), v);
  }

  delete(k: PackedKey): void {
    if (this.arity === 1 && isPrimitive(k as Datum)) this.prim.delete(k as Primitive);
    else this.enc.delete(this.encode(k));
  }

  *values(): IterableIterator<V> {
    yield* this.prim.values();
    yield* this.enc.values();
  }

  clear(): void {
    this.prim.clear();
    this.enc.clear();
  }
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x9e3779b1);
  return (h << 13) | (h >>> 19);
}

function hashString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * A 32-bit hash of a row, consistent with rowsIdentical (identical rows hash equal). Only for
 * bucketing: callers must confirm equality with rowsIdentical.
 */
export function hashRow(row: Row): number {
  let h = 0x811c9dc5 ^ row.length;
  for (let i = 0; i < row.length; i++) {
    const d = row[i]!;
    switch (typeof d) {
      case 'number':
        if ((d | 0) === d) h = mix(h, d);
        else if (d === 0 || Number.isNaN(d)) h = mix(h, 0x7ff8);
        else {
          f64[0] = d;
          h = mix(mix(h, u32[0]!), u32[1]!);
        }
        break;
      case 'string': h = mix(hashString(h, d), 0x5bd1e995); break;
      case 'boolean': h = mix(h, d ? 0x1234567 : 0x7654321); break;
      case 'bigint': h = mix(h, Number(BigInt.asIntN(32, d)) ^ 0x3c6ef372); break;
      default: h = d === null ? mix(h, 0x6a09e667) : mix(hashString(h, datumKey(d)), 0x510e527f);
    }
  }
  return h >>> 0;
}

/** a ++ b as a new row (Array.prototype.concat is an order of magnitude slower in V8). */
export function concatRows(a: Row, b: Row): Row {
  const n = a.length;
  const m = b.length;
  const out: Datum[] = new Array(n + m);
  for (let i = 0; i < n; i++) out[i] = a[i]!;
  for (let i = 0; i < m; i++) out[n + i] = b[i]!;
  return out;
}
