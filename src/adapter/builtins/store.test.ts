/** BuiltinStore: each sync leaves the shard holding exactly the derived rows, whether or not they changed. */
import { describe, expect, it } from 'vitest';
import { openPersist } from '../../persist/index.ts';
import { type Row, T, type Timestamp, relationDesc } from '../../repr/index.ts';
import { Catalog } from '../catalog.ts';
import { CatalogModel } from './model.ts';
import type { BuiltinRelation } from './relations.ts';
import { BuiltinStore } from './store.ts';

describe('BuiltinStore.sync', () => {
  it('appends only differences, advances the upper when nothing changed, and follows later changes', async () => {
    const persist = await openPersist({ backend: 'memory' });
    const store = new BuiltinStore(persist);
    let rows: Row[] = [['a', 1n], ['b', 2n]];
    const r: BuiltinRelation = {
      id: 's9999', oid: 99999, schema: 'mz_internal', name: 'test_live',
      columns: relationDesc([{ name: 'k', type: T.text, nullable: false }, { name: 'v', type: T.int8, nullable: true }]).columns,
      rows: () => rows.map((x) => [...x]),
    } as unknown as BuiltinRelation;
    await store.open(r);
    const model = new CatalogModel(new Catalog(), []);
    const shard = await persist.open('ephemeral/builtin-s9999');
    const contents = async (at: number): Promise<string[]> =>
      (await shard.snapshot(at as Timestamp)).filter(([, , d]) => d !== 0).map(([row, , d]) => `${String(row[0])}=${String(row[1])}x${d}`).sort();

    await store.sync([r], model, 1);
    expect(store.upper('s9999')).toBe(2);
    expect(await contents(1)).toEqual(['a=1x1', 'b=2x1']);

    // Same rows (fresh arrays, equal datums): only the upper moves.
    await store.sync([r], model, 5);
    expect(store.upper('s9999')).toBe(6);
    expect(await contents(5)).toEqual(['a=1x1', 'b=2x1']);

    rows = [['a', 1n], ['b', 3n], ['c', null]];
    await store.sync([r], model, 7);
    expect(store.upper('s9999')).toBe(8);
    expect(await contents(7)).toEqual(['a=1x1', 'b=3x1', 'c=nullx1']);
    expect(await contents(5)).toEqual(['a=1x1', 'b=2x1']);

    rows = [];
    await store.sync([r], model, 9);
    expect(await contents(9)).toEqual([]);
  });
});
