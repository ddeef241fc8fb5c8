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

/** A Map from keys (rows) to values with the injective key identity described above. */
export class KeyedMap<V> {
  private readonly prim = new Map<Primitive, V>();
  private readonly enc = new Map<string, V>();

  get size(): number {
    return this.prim.size + this.enc.size;
  }

  get(key: Row): V | undefined {
    if (key.length === 1) {
      const d = key[0]!;
      if (isPrimitive(d)) return this.prim.get(d);
    }
    return this.enc.get(rowKey(key));
  }

  set(key: Row, v: V): void {
    if (key.length === 1) {
      const d = key[0]!;
      if (isPrimitive(d)) {
        this.prim.set(d, v);
        return;
      }
    }
    this.enc.set(rowKey(key), v);
  }

  delete(key: Row): void {
    if (key.length === 1) {
      const d = key[0]!;
      if (isPrimitive(d)) {
        this.prim.delete(d);
        return;
      }
    }
    this.enc.delete(rowKey(key));
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
