/**
 * Builtin catalog relations (pg_catalog, information_schema, mz_catalog, mz_internal): real relations
 * whose contents are derived from the catalog. Each is a stored collection (a persist shard with the
 * id `s<N>`); after every catalog change the coordinator calls `sync`, which appends the difference
 * between the relations' new and old contents at a fresh timestamp, so SQL reads, joins and
 * subscribes over them like any table.
 *
 * `CatalogFunctionBinder` (functions.ts) binds the catalog- and session-dependent SQL functions
 * (pg_table_is_visible, pg_get_indexdef, 'name'::regclass, current_setting, ...) for the planner.
 */
import type { GlobalId } from '../../expr/index.ts';
import type { PersistClient } from '../../persist/index.ts';
import type { Row } from '../../repr/index.ts';
import type { Catalog, CatalogItem } from '../catalog.ts';
import { CatalogModel } from './model.ts';
import { BUILTIN_RELATIONS, type BuiltinRelation } from './relations.ts';
import { BuiltinStore } from './store.ts';

export type { BuiltinRelation };
export { CatalogFunctionBinder, type SessionFacts } from './functions.ts';

/** Relations whose contents follow running components, re-synced every tick. */
const LIVE_RELATIONS = new Set(['mz_internal.mz_source_statuses', 'mz_internal.mz_frontiers']);

export class BuiltinCatalog {
  readonly #store: BuiltinStore;
  readonly #byName = new Map<string, BuiltinRelation>();
  readonly #byId = new Map<GlobalId, BuiltinRelation>();
  readonly #live = BUILTIN_RELATIONS.filter((r) => LIVE_RELATIONS.has(`${r.schema}.${r.name}`));
  /** The model the live relations derive from, rebuilt only when the catalog changed (they sync every tick). */
  #liveModel: { readonly catalog: Catalog; readonly generation: number; readonly model: CatalogModel } | undefined;

  constructor(persist: PersistClient) {
    this.#store = new BuiltinStore(persist);
    for (const r of BUILTIN_RELATIONS) {
      this.#byName.set(`${r.schema}.${r.name}`, r);
      this.#byId.set(r.id, r);
    }
  }

  /** The catalog item for `schema.name` if it names a builtin relation. */
  resolve(schema: string, name: string): CatalogItem | undefined {
    const r = this.#byName.get(`${schema}.${name}`);
    return r === undefined ? undefined : this.#store.item(r);
  }

  get(id: GlobalId): CatalogItem | undefined {
    const r = this.#byId.get(id);
    return r === undefined ? undefined : this.#store.item(r);
  }

  all(): readonly BuiltinRelation[] {
    return BUILTIN_RELATIONS;
  }

  /** Opens every builtin relation's shard (at boot). */
  async open(): Promise<void> {
    for (const r of BUILTIN_RELATIONS) await this.#store.open(r);
  }

  /** Appends, at time `at`, the changes that make every builtin relation match `catalog`. */
  async sync(catalog: Catalog, at: number): Promise<void> {
    await this.#store.sync(BUILTIN_RELATIONS, new CatalogModel(catalog, BUILTIN_RELATIONS), at);
  }

  /**
   * The rows builtin relations `ids` would hold for `catalog` (not the stored ones): a transaction
   * block's reads see its own uncommitted DDL this way (adapter/transaction.ts).
   */
  rowsFor(catalog: Catalog, ids: Iterable<GlobalId>): Map<GlobalId, Row[]> {
    const out = new Map<GlobalId, Row[]>();
    let model: CatalogModel | undefined;
    for (const id of ids) {
      const r = this.#byId.get(id);
      if (r === undefined) continue;
      model ??= new CatalogModel(catalog, BUILTIN_RELATIONS);
      out.set(id, r.rows(model));
    }
    return out;
  }

  /** Like sync, for the relations whose rows change without a catalog change (statuses). */
  async syncLive(catalog: Catalog, at: number): Promise<void> {
    const m = this.#liveModel;
    const model = m !== undefined && m.catalog === catalog && m.generation === catalog.generation ? m.model : new CatalogModel(catalog, BUILTIN_RELATIONS);
    this.#liveModel = { catalog, generation: catalog.generation, model };
    await this.#store.sync(this.#live, model, at);
  }

  upper(id: GlobalId): ReturnType<BuiltinStore['upper']> {
    return this.#store.upper(id);
  }

  since(id: GlobalId): ReturnType<BuiltinStore['since']> {
    return this.#store.since(id);
  }

  /** Advances every builtin shard's upper (like tables: time passes for them too). */
  async advance(to: number): Promise<void> {
    await this.#store.advance(to);
  }
}
