/**
 * Row comparison by ORDER BY column orders (desc, NULLS FIRST/LAST), with ties broken by the full
 * row in compareRows order so results are deterministic. Shared by top-k and peek finishing.
 */
import type { ColumnOrder } from '../expr/index.ts';
import { type Datum, type Row, compareDatum, compareRows } from '../repr/index.ts';

export function compareByOrder(order: readonly ColumnOrder[], a: Row, b: Row): number {
  for (let i = 0; i < order.length; i++) {
    const o = order[i]!;
    const c = compareOrdered(a[o.column] ?? null, b[o.column] ?? null, o);
    if (c !== 0) return c;
  }
  return 0;
}

export function compareOrdered(x: Datum, y: Datum, o: ColumnOrder): number {
  if (x === null || y === null) {
    if (x === y) return 0;
    return (x === null) === o.nullsLast ? 1 : -1;
  }
  const c = compareDatum(x, y);
  return o.desc ? -c : c;
}

/** Order comparator with the full-row tie break. */
export function rowComparator(order: readonly ColumnOrder[]): (a: Row, b: Row) => number {
  return (a, b) => compareByOrder(order, a, b) || compareRows(a, b);
}
