/**
 * Rows and their canonical encoding. `rowKey` is injective: two rows are equal iff their keys are
 * equal strings, so Maps keyed by it consolidate correctly (a hash may bucket, never decide equality).
 */
import { type Datum, Interval, Numeric, PgArray, compareDatum } from './datum.ts';

export type Row = readonly Datum[];

/**
 * The canonical identity of a row as a JavaScript string. Each datum is written as a one-character
 * tag followed by a self-delimiting payload, so concatenations cannot collide.
 * Numerics are normalized first (1.0 and 1.00 are the same value and the same key).
 */
export function rowKey(row: Row): string {
  let out = '';
  for (let i = 0; i < row.length; i++) out += datumKey(row[i]!);
  return out;
}

export function datumKey(d: Datum): string {
  if (d === null) return 'N';
  switch (typeof d) {
    case 'boolean': return d ? 'T' : 'F';
    case 'number': return Object.is(d, -0) ? 'd0;' : `d${d};`;
    case 'bigint': return `i${d};`;
    case 'string': return `s${d.length}:${d}`;
    default:
      if (d instanceof Numeric) {
        if (d.special) return `n${d.special};`;
        const n = d.normalize();
        return `n${n.coef}e${n.scale};`;
      }
      if (d instanceof Interval) return `v${d.months},${d.days},${d.micros};`;
      if (d instanceof Uint8Array) {
        let s = `b${d.length}:`;
        for (let i = 0; i < d.length; i++) s += String.fromCharCode(d[i]!);
        return s;
      }
      if (d instanceof PgArray) {
        let s = `a${d.dims.length}`;
        for (const dim of d.dims) s += `,${dim.length},${dim.lower}`;
        return `${s}[${rowKey(d.elems)}]`;
      }
      return `r${d.length}[${rowKey(d)}]`;
  }
}

/** Lexicographic order of rows by compareDatum (NULLs last). */
export function compareRows(a: Row, b: Row): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareDatum(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
