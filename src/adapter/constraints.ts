/**
 * PRIMARY KEY / UNIQUE enforcement for table writes. A table's keys are in its RelationDesc (planned
 * from CREATE TABLE). A write is checked against the table's contents at the latest completed write,
 * minus the rows it removes, plus writes already buffered in the transaction; the caller holds the
 * write lock (or buffers in a write transaction), so no other write interleaves. Rows with a NULL in
 * a key's columns never conflict (PostgreSQL's rule). Errors match PostgreSQL: 23505 with
 * `Key (a)=(1) already exists.` as detail.
 */
import { Mir } from '../expr/index.ts';
import { type Diff, type Row, formatText, rowKey } from '../repr/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import type { CatalogItem } from './catalog.ts';
import type { Coordinator } from './coordinator.ts';

/** True iff writes to the table need a uniqueness check (and so must read before writing). */
export function hasUniqueKeys(item: CatalogItem): boolean {
  return (item.desc?.keys?.length ?? 0) > 0;
}

/** Throws 23505 if adding `added` (after removing `removed`) would duplicate a key of the table. */
export async function checkUnique(
  coord: Coordinator, item: CatalogItem, removed: readonly Row[], added: readonly Row[],
  pending: readonly (readonly [Row, Diff])[] = [], signal?: AbortSignal, opts: { readonly createdInBlock?: boolean } = {},
): Promise<void> {
  const desc = item.desc;
  const keys = desc?.keys ?? [];
  if (desc === undefined || keys.length === 0 || added.length === 0) return;
  const n = desc.columns.length;
  const existing = opts.createdInBlock === true ? [] : await coord.runQuery(Mir.get(item.id, desc.columns.map((c) => c.type)), { order: [], offset: 0, project: [...Array(n).keys()] }, coord.oracle.readTs(), signal);
  keys.forEach((key, k) => {
    const project = (r: Row): string | undefined => (key.some((c) => r[c] === null) ? undefined : rowKey(key.map((c) => r[c]!)));
    const counts = new Map<string, number>();
    const bump = (r: Row, d: number): void => {
      const kk = project(r);
      if (kk !== undefined) counts.set(kk, (counts.get(kk) ?? 0) + d);
    };
    for (const r of existing) bump(r, 1);
    for (const [r, d] of pending) bump(r, d);
    for (const r of removed) bump(r, -1);
    for (const r of added) {
      const kk = project(r);
      if (kk === undefined) continue;
      const c = counts.get(kk) ?? 0;
      if (c > 0) {
        const cols = key.map((i) => desc.columns[i]!.name).join(', ');
        const vals = key.map((i) => formatText(r[i]!, desc.columns[i]!.type) ?? 'null').join(', ');
        throw new SqlError(SqlState.uniqueViolation, `duplicate key value violates unique constraint "${desc.keyNames?.[k] ?? `${item.name.item}_key`}"`, {
          detail: `Key (${cols})=(${vals}) already exists.`,
        });
      }
      counts.set(kk, c + 1);
    }
  });
}
