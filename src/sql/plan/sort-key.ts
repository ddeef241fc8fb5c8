/**
 * Sort keys for types whose datum order is not their SQL order: jsonb datums are canonical text,
 * but jsonb sorts by PostgreSQL's btree rules (numbers numerically, kinds and sizes first). ORDER BY
 * and array comparisons sort or compare `sortKeyExpr(e)` instead of `e`; the key is a hidden value,
 * never output.
 */
import type { MirScalarExpr } from '../../expr/index.ts';
import { type ScalarType, arrayOf, scalar } from '../../repr/index.ts';
import { mkCall } from './fold.ts';

const KEY: ScalarType = scalar('record');

/** Whether values of `t` need a sort key (jsonb, arrays of jsonb). */
export function needsSortKey(t: ScalarType): boolean {
  return t.name === 'jsonb' || (t.name === 'array' && t.elem !== undefined && needsSortKey(t.elem));
}

/** `e`, or its sort key when its datums do not order as its SQL values do. */
export function sortKeyExpr(e: MirScalarExpr): MirScalarExpr {
  if (e.type.name === 'jsonb') return mkCall('jsonb_sort_key', [e], KEY);
  if (e.type.name === 'array' && e.type.elem?.name === 'jsonb') return mkCall('jsonb_array_sort_key', [e], arrayOf(KEY));
  return e;
}

/** Whether values of `t` group by a key other than their datum (jsonb, arrays of jsonb). */
export function needsGroupKey(t: ScalarType): boolean {
  return t.name === 'jsonb' || (t.name === 'array' && t.elem?.name === 'jsonb');
}

/**
 * `e` as a grouping key: jsonb datums keep a number's scale (`1.0`), but jsonb equality is by value,
 * so GROUP BY, DISTINCT, set operations and partitions group by the text with the scale normalized
 * (the group outputs that text; PostgreSQL outputs whichever member it met first).
 */
export function groupKeyExpr(e: MirScalarExpr): MirScalarExpr {
  if (e.type.name === 'jsonb') return mkCall('jsonb_group_key', [e], e.type);
  if (e.type.name === 'array' && e.type.elem?.name === 'jsonb') return mkCall('jsonb_array_group_key', [e], e.type);
  return e;
}
