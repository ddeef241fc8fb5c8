/**
 * RowSetFinishing: what a one-shot read does after reading: sort by `order` (remaining ties broken
 * by the full row in compareRows order), then offset, limit, then project.
 */
import type { RowSetFinishing } from '../expr/index.ts';
import { rowComparator } from '../dataflow/index.ts';
import type { Datum, Row } from '../repr/index.ts';

export function applyFinishing(rows: readonly Row[], finishing: RowSetFinishing): Row[] {
  const sorted = rows.slice().sort(rowComparator(finishing.order));
  const start = Math.min(finishing.offset, sorted.length);
  const end = finishing.limit === undefined ? sorted.length : Math.min(sorted.length, start + finishing.limit);
  const out: Row[] = [];
  const p = finishing.project;
  for (let i = start; i < end; i++) {
    const r = sorted[i]!;
    const o: Datum[] = new Array(p.length);
    for (let j = 0; j < p.length; j++) o[j] = r[p[j]!] ?? null;
    out.push(o);
  }
  return out;
}

/** Expands (row, count) pairs into rows; a negative count is an internal error. */
export function expandCounts(counted: readonly (readonly [Row, number])[]): Row[] {
  const out: Row[] = [];
  for (const [r, c] of counted) {
    if (c < 0) throw new Error(`internal error: negative multiplicity ${c} for a row in a peek`);
    for (let i = 0; i < c; i++) out.push(r);
  }
  return out;
}
