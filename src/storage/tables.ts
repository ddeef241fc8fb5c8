/**
 * Tables: collections whose only writer is the adapter. Each table is one persist shard; a write at
 * timestamp t appends its updates with time t and advances the shard's upper to t + 1. Appends to one
 * table are serialized here (compare-and-append needs the expected upper). Tables whose data did not
 * change are advanced lazily (`advanceAll`) so reads never wait on an idle table.
 */
import type { PersistClient, Shard } from '../persist/index.ts';
import type { GlobalId } from '../expr/index.ts';
import { type Diff, type Frontier, type Row, type Timestamp, type Update } from '../repr/index.ts';
import { SqlError, SqlState, invariant } from '../util/index.ts';

interface TableState {
  readonly shard: Shard;
  /** Serializes appends: each append starts after the previous one settled. */
  chain: Promise<void>;
}

export class TableController {
  readonly #persist: PersistClient;
  readonly #tables = new Map<GlobalId, TableState>();

  constructor(persist: PersistClient) {
    this.#persist = persist;
  }

  /** Registers a table backed by `shardId` (creating the shard if new). */
  async openTable(id: GlobalId, shardId: string): Promise<void> {
    const shard = await this.#persist.open(shardId);
    this.#tables.set(id, { shard, chain: Promise.resolve() });
  }

  has(id: GlobalId): boolean {
    return this.#tables.has(id);
  }

  upper(id: GlobalId): Frontier {
    return this.#get(id).shard.upper();
  }

  since(id: GlobalId): Frontier {
    return this.#get(id).shard.since();
  }

  /** Largest upper over all tables (restart: the oracle starts past it). */
  maxUpper(): number {
    let m = 0;
    for (const t of this.#tables.values()) {
      const u = t.shard.upper();
      if (u !== 'closed' && u > m) m = u;
    }
    return m;
  }

  /**
   * Appends `updates` to table `id` at time `at` and advances its upper to at + 1; resolves once durable.
   * `at` must be >= the table's upper (the oracle guarantees it: write timestamps only grow).
   */
  append(id: GlobalId, updates: readonly (readonly [Row, Diff])[], at: Timestamp): Promise<void> {
    const state = this.#get(id);
    const run = async (): Promise<void> => {
      const upper = state.shard.upper();
      invariant(upper !== 'closed', `append to closed table ${id}`);
      if (upper > at) throw new SqlError(SqlState.internalError, `internal error: write at ${at} to table ${id} whose upper is already ${upper}`);
      const batch: Update[] = updates.map(([row, diff]) => [row, at, diff] as const);
      const r = await state.shard.compareAndAppend(batch, upper, (at + 1) as Timestamp);
      if (!r.ok) throw new SqlError(SqlState.internalError, `internal error: table ${id} upper moved concurrently to ${String(r.currentUpper)}`);
    };
    const result = state.chain.then(run);
    state.chain = result.catch(() => undefined);
    return result;
  }

  /** Advances every table's upper to at least `to` with empty appends, so reads below `to` are complete. */
  async advanceAll(to: Timestamp): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const [id, state] of this.#tables) {
      const u = state.shard.upper();
      if (u === 'closed' || u >= to) continue;
      const run = async (): Promise<void> => {
        const upper = state.shard.upper();
        if (upper === 'closed' || upper >= to) return;
        const r = await state.shard.compareAndAppend([], upper, to);
        if (!r.ok) throw new SqlError(SqlState.internalError, `internal error: table ${id} upper moved concurrently`);
      };
      const result = state.chain.then(run);
      state.chain = result.catch(() => undefined);
      pending.push(result);
    }
    await Promise.all(pending);
  }

  #advanceTarget = 0;
  #advancing: Promise<void> | undefined;

  /**
   * Like advanceAll, but coalesces: while one advance is in flight, later requests merge into one
   * follow-up to the largest target. Used after every write so joins and subscribes over several
   * tables see the write promptly without one round of appends per write.
   */
  advanceAllSoon(to: Timestamp): void {
    if (to <= this.#advanceTarget) return;
    this.#advanceTarget = to;
    if (this.#advancing !== undefined) return;
    const loop = async (): Promise<void> => {
      let done = 0;
      while (done < this.#advanceTarget) {
        done = this.#advanceTarget;
        await this.advanceAll(done as Timestamp);
      }
    };
    this.#advancing = loop().catch(() => undefined).finally(() => {
      this.#advancing = undefined;
    });
  }

  /** Resolves when no coalesced advance is in flight. */
  async settled(): Promise<void> {
    while (this.#advancing !== undefined) await this.#advancing;
  }

  /** Lets the shard compact history before `since`. */
  async allowCompaction(id: GlobalId, since: Timestamp): Promise<void> {
    const state = this.#tables.get(id);
    if (state === undefined) return;
    const current = state.shard.since();
    if (current !== 'closed' && since > current) await state.shard.downgradeSince(since);
  }

  async snapshot(id: GlobalId, asOf: Timestamp): Promise<Update[]> {
    return this.#get(id).shard.snapshot(asOf);
  }

  async drop(id: GlobalId): Promise<void> {
    const state = this.#tables.get(id);
    if (state === undefined) return;
    this.#tables.delete(id);
    await state.chain;
    await state.shard.drop();
  }

  ids(): GlobalId[] {
    return [...this.#tables.keys()];
  }

  #get(id: GlobalId): TableState {
    const s = this.#tables.get(id);
    if (s === undefined) throw new SqlError(SqlState.internalError, `internal error: unknown table ${id}`);
    return s;
  }
}
