/**
 * Storage for builtin relations: one ephemeral persist shard each (`ephemeral/builtin-<id>`: in memory, rebuilt at every start), written only by the
 * coordinator. `sync` appends the consolidated difference between the desired rows and the shard's
 * current contents, so the shards stay exact across restarts without being rewritten.
 * The live relations are re-synced every tick: a relation whose rows come out exactly as last time
 * (the usual case) is recognised by a datum-wise comparison and costs no diff, only an empty append.
 */
import type { GlobalId } from '../../expr/index.ts';
import type { PersistClient, Shard } from '../../persist/index.ts';
import { type Diff, type Frontier, type Row, type Timestamp, relationDesc, rowKey } from '../../repr/index.ts';
import { SqlError, SqlState } from '../../util/index.ts';
import type { CatalogItem } from '../catalog.ts';
import type { CatalogModel } from './model.ts';
import type { BuiltinRelation } from './relations.ts';

interface Open {
  readonly shard: Shard;
  readonly item: CatalogItem;
  /** Current contents by row key (mirrors the shard). */
  contents: Map<string, [Row, Diff]>;
  /** The rows the last sync derived, in derivation order (a cheap "nothing changed" test). */
  lastRows: readonly Row[] | undefined;
}

/** Datum-wise equality of two derivations (same rows in the same order). */
function sameRows(a: readonly Row[], b: readonly Row[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return false;
    // Primitives (bigint included) by value; other datums (arrays, jsonb, bytes) only when identical,
    // else the full diff decides.
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}

export class BuiltinStore {
  readonly #persist: PersistClient;
  readonly #open = new Map<GlobalId, Open>();
  /** Serializes writes: each starts after the previous settled, in call order (like table appends). */
  #chain: Promise<void> = Promise.resolve();

  #enqueue(run: () => Promise<void>): Promise<void> {
    const result = this.#chain.then(run);
    this.#chain = result.catch(() => undefined);
    return result;
  }

  constructor(persist: PersistClient) {
    this.#persist = persist;
  }

  item(r: BuiltinRelation): CatalogItem | undefined {
    return this.#open.get(r.id)?.item;
  }

  async open(r: BuiltinRelation): Promise<void> {
    const shardId = `ephemeral/builtin-${r.id}`;
    const shard = await this.#persist.open(shardId);
    const contents = new Map<string, [Row, Diff]>();
    const upper = shard.upper();
    if (upper !== 'closed' && upper > 0) {
      for (const [row, , diff] of await shard.snapshot((upper - 1) as Timestamp)) contents.set(rowKey(row), [row, diff]);
    }
    const item: CatalogItem = {
      id: r.id, oid: r.oid, name: { database: 'materialize', schema: r.schema, item: r.name }, kind: 'table',
      desc: relationDesc(r.columns), createSql: `-- builtin ${r.schema}.${r.name}`, shardId, dependsOn: [],
    };
    this.#open.set(r.id, { shard, item, contents, lastRows: undefined });
  }

  sync(relations: readonly BuiltinRelation[], model: CatalogModel, at: number): Promise<void> {
    return this.#enqueue(() => this.#sync(relations, model, at));
  }

  async #sync(relations: readonly BuiltinRelation[], model: CatalogModel, at: number): Promise<void> {
    await Promise.all(relations.map(async (r) => {
      const o = this.#open.get(r.id);
      if (o === undefined) return;
      const rows = r.rows(model);
      if (o.lastRows !== undefined && sameRows(rows, o.lastRows)) {
        const upper = o.shard.upper();
        if (upper === 'closed' || upper > at) return;
        const res = await o.shard.compareAndAppend([], upper, (at + 1) as Timestamp);
        if (!res.ok) throw new SqlError(SqlState.internalError, `internal error: builtin ${r.name} was written concurrently`);
        return;
      }
      const desired = new Map<string, [Row, Diff]>();
      for (const row of rows) {
        const k = rowKey(row);
        const e = desired.get(k);
        if (e) e[1] += 1;
        else desired.set(k, [row, 1]);
      }
      const updates: (readonly [Row, Timestamp, Diff])[] = [];
      for (const [k, [row, d]] of desired) {
        const cur = o.contents.get(k)?.[1] ?? 0;
        if (d !== cur) updates.push([row, at as Timestamp, d - cur]);
      }
      for (const [k, [row, d]] of o.contents) if (!desired.has(k)) updates.push([row, at as Timestamp, -d]);
      const upper = o.shard.upper();
      if (upper === 'closed') return;
      if (upper > at) throw new SqlError(SqlState.internalError, `internal error: builtin ${r.name} is already at ${upper}, past ${at}`);
      const res = await o.shard.compareAndAppend(updates, upper, (at + 1) as Timestamp);
      if (!res.ok) throw new SqlError(SqlState.internalError, `internal error: builtin ${r.name} was written concurrently`);
      o.contents = desired;
      o.lastRows = rows;
    }));
  }

  advance(to: number): Promise<void> {
    return this.#enqueue(() => this.#advance(to));
  }

  async #advance(to: number): Promise<void> {
    await Promise.all([...this.#open.values()].map(async (o) => {
      const upper = o.shard.upper();
      if (upper === 'closed' || upper >= to) return;
      await o.shard.compareAndAppend([], upper, to as Timestamp);
    }));
  }

  upper(id: GlobalId): Frontier {
    return this.#open.get(id)?.shard.upper() ?? ('closed' as const);
  }

  since(id: GlobalId): Frontier {
    return this.#open.get(id)?.shard.since() ?? ('closed' as const);
  }
}
