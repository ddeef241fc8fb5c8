/**
 * A source's outputs and its reclocking. A source writes several shards — one per subsource (data),
 * one `errors` shard (rows `[dataShardId, message]`: a subsource is unreadable from the time its
 * error appears) and one `progress` shard (rows `[frontier]`: the upstream position up to which the
 * source has ingested) — always at the same timestamps, in *steps*: step t appends each shard's
 * updates at time t and moves every upper to t + 1.
 *
 * Reclocking: the progress shard's history is the binding upstream frontier ↔ Timestamp. It is
 * written FIRST in each step (the binding is minted before the data it describes), so after a crash
 * every other shard's upper is either the progress upper P (step done) or the previous step's upper R
 * (step not done), and the lagging shards can be completed by replaying upstream from the binding at
 * R - 1 up to the binding at P - 1, writing that replay at time P - 1 to the lagging shards only.
 * src/storage/README.md spells out the exactly-once argument.
 */
import type { PersistClient, Shard } from '../../persist/index.ts';
import { type Diff, type Frontier, type RelationDesc, type Row, type Timestamp, type Update, T, relationDesc } from '../../repr/index.ts';
import { SqlError, SqlState, type Logger } from '../../util/index.ts';

/** The errors shard's rows: which data shard is unreadable, and why (from the row's time on). */
export const ERRORS_DESC: RelationDesc = relationDesc([
  { name: 'shard_id', type: T.text, nullable: false },
  { name: 'error', type: T.text, nullable: false },
]);

export interface SourceShardIds {
  readonly progress: string;
  readonly errors: string;
  /** One data shard per subsource, in subsource order. */
  readonly data: readonly string[];
}

/** What recovery found in the shards. */
export type Recovery =
  /** Nothing written yet: create the slot and take the initial snapshot. */
  | { readonly kind: 'fresh' }
  /** The source finished (a load generator past UP TO): every output is closed, nothing more comes. */
  | { readonly kind: 'closed' }
  /** A snapshot was started but never completed: its partial data cannot be retracted. */
  | { readonly kind: 'snapshotInterrupted' }
  | {
    readonly kind: 'resume';
    /** Stream upstream from here (every shard has everything before it). */
    readonly frontier: bigint;
    /** Present when a step was interrupted: upstream in [frontier, until) belongs at `time`, for the lagging shards. */
    readonly replay: { readonly until: bigint; readonly time: Timestamp } | undefined;
    /** Data shard indexes whose subsource is in an error state, with the message. */
    readonly errored: ReadonlyMap<number, string>;
    /** The progress upper: the next step's time is at least this. */
    readonly upper: Timestamp;
  };

export interface Step {
  /** The step's time; >= the progress upper. */
  readonly time: Timestamp;
  /** The new upstream frontier (undefined: unchanged). */
  readonly frontier: bigint | undefined;
  /** Updates per data shard index (shards not listed only advance). */
  readonly data: ReadonlyMap<number, readonly (readonly [Row, Diff])[]>;
  /** Errors that become visible at `time`: [data shard index, message]. */
  readonly errors: readonly (readonly [number, string])[];
}

export class SourceOutputs {
  readonly progress: Shard;
  readonly errors: Shard;
  readonly data: readonly Shard[];
  readonly #logger: Logger;
  /** The frontier bound at progress upper - 1 (undefined before the first binding). */
  #frontier: bigint | undefined;

  private constructor(progress: Shard, errors: Shard, data: readonly Shard[], logger: Logger) {
    this.progress = progress;
    this.errors = errors;
    this.data = data;
    this.#logger = logger;
  }

  static async open(persist: PersistClient, ids: SourceShardIds, logger: Logger): Promise<SourceOutputs> {
    const [progress, errors, ...data] = await Promise.all([ids.progress, ids.errors, ...ids.data].map((id) => persist.open(id)));
    return new SourceOutputs(progress!, errors!, data, logger);
  }

  get frontier(): bigint | undefined {
    return this.#frontier;
  }

  /** The progress shard's upper: every output is complete below it once the current step finishes. */
  upper(): Timestamp {
    return asTime(this.progress.upper(), this.progress.id);
  }

  /** The least upper over all outputs. */
  minUpper(): Timestamp {
    let m = this.upper();
    for (const s of [this.errors, ...this.data]) m = Math.min(m, asTime(s.upper(), s.id)) as Timestamp;
    return m;
  }

  /**
   * Reads the shards' durable state and says where ingestion resumes. `initialFrontier` is the
   * upstream position before the first binding, for sources whose first step is an ordinary step
   * (a load generator: offset 0): a first step interrupted after its binding is then replayed like
   * any other. Without it (PostgreSQL, whose first binding completes the snapshot) data shards with
   * no step yet behind a binding mean the snapshot was interrupted.
   */
  async recover(opts: { readonly initialFrontier?: bigint } = {}): Promise<Recovery> {
    const all = [this.progress, this.errors, ...this.data];
    // A shard whose last write had an unknown outcome refreshes its state in its next operation.
    await Promise.all(all.map((s) => s.downgradeSince(s.since())));
    if (this.progress.upper() === 'closed') {
      // A close runs progress first, after the last step completed everywhere: finish it.
      await this.close();
      return { kind: 'closed' };
    }
    const p = this.upper();
    const others = [this.errors, ...this.data];
    const r = others.reduce<number>((m, s) => Math.min(m, asTime(s.upper(), s.id)), p) as Timestamp;
    if (p === 0) {
      this.#frontier = undefined;
      // A snapshot that wrote no chunk yet left only its since behind: it can simply start over.
      return others.every((s) => s.upper() === 0) ? { kind: 'fresh' } : { kind: 'snapshotInterrupted' };
    }
    for (const s of others) {
      const u = s.upper();
      if (u !== p && u !== r) throw internal(`source shard ${s.id} has upper ${String(u)}, expected ${r} or ${p}`);
    }
    const initial = opts.initialFrontier;
    if (r === 0 && initial === undefined) return { kind: 'snapshotInterrupted' };
    const fp = await this.#bindingAt((p - 1) as Timestamp);
    const fr = r === p ? fp : r === 0 ? initial! : await this.#bindingAt((r - 1) as Timestamp);
    const errored = new Map<number, string>();
    const idIndex = new Map(this.data.map((s, i) => [s.id, i]));
    for (const [row, , diff] of r === 0 ? [] : await this.errors.snapshot((r - 1) as Timestamp)) {
      const i = idIndex.get(row[0] as string);
      if (i !== undefined && diff > 0) errored.set(i, row[1] as string);
    }
    this.#frontier = fr;
    const replay = fp > fr ? { until: fp, time: (p - 1) as Timestamp } : undefined;
    if (r < p && replay === undefined) {
      // The interrupted step carried no new binding: it only advanced uppers. Finish it now.
      await this.#advanceLagging(p);
    }
    return { kind: 'resume', frontier: fr, replay, errored, upper: p };
  }

  /**
   * Writes one step: the progress binding first, then every other shard. In `replay` mode the
   * binding is already durable and only shards still below `time + 1` are written.
   */
  async writeStep(step: Step, mode: 'normal' | 'replay'): Promise<void> {
    const t = step.time;
    const next = (t + 1) as Timestamp;
    if (mode === 'normal') {
      const p = this.upper();
      if (t < p) throw internal(`source step at ${t} below progress upper ${p}`);
      const binding: Update[] = [];
      if (step.frontier !== undefined && step.frontier !== this.#frontier) {
        if (this.#frontier !== undefined) binding.push([[this.#frontier], t, -1]);
        binding.push([[step.frontier], t, 1]);
      }
      await append(this.progress, binding, p, next);
      if (step.frontier !== undefined) this.#frontier = step.frontier;
    } else if (step.frontier !== undefined) {
      this.#frontier = step.frontier;
    }
    const errorsByShard: Update[] = step.errors.map(([i, msg]) => [[this.data[i]!.id, msg], t, 1] as const);
    const writes: Promise<void>[] = [];
    const writeOne = (shard: Shard, updates: readonly Update[]): void => {
      const u = asTime(shard.upper(), shard.id);
      if (u >= next) {
        if (mode === 'normal') throw internal(`source shard ${shard.id} is already at ${u}, ahead of step ${t}`);
        return;
      }
      writes.push(append(shard, updates, u, next));
    };
    writeOne(this.errors, errorsByShard);
    this.data.forEach((shard, i) => {
      const rows = step.data.get(i);
      writeOne(shard, rows === undefined ? [] : rows.map(([row, diff]) => [row, t, diff] as const));
    });
    await settle(writes);
  }

  /** Whether the source has finished: its progress shard is closed (see `close`). */
  closed(): boolean {
    return this.progress.upper() === 'closed';
  }

  /**
   * Finishes the source: every output's upper becomes the empty frontier, so readers and SUBSCRIBEs
   * know no update will ever come. Call only after the last step completed on every output. The
   * progress shard closes first; recovery completes a close it finds begun.
   */
  async close(): Promise<void> {
    const p = this.progress.upper();
    if (p !== 'closed') await append(this.progress, [], p, 'closed');
    await settle([this.errors, ...this.data].flatMap((s) => {
      const u = s.upper();
      return u === 'closed' ? [] : [append(s, [], u, 'closed')];
    }));
    this.#logger.info({ progress: this.progress.id }, 'source: outputs closed');
  }

  /**
   * Initial snapshot, part 1: makes every data shard unreadable below `snapshotTime` (since is moved
   * there, ahead of the upper), so the chunks written next at earlier times are never seen partially.
   */
  async beginSnapshot(snapshotTime: Timestamp): Promise<void> {
    await Promise.all(this.data.map((s) => s.downgradeSince(snapshotTime)));
  }

  /** Part 2 (repeated): appends a chunk of one table's snapshot at the shard's current upper. */
  async writeSnapshotChunk(index: number, rows: readonly Row[], snapshotTime: Timestamp): Promise<void> {
    const shard = this.data[index]!;
    const u = asTime(shard.upper(), shard.id);
    if (u + 1 >= snapshotTime) throw internal(`snapshot of ${shard.id} needs more chunk times than are left below ${snapshotTime}`);
    await append(shard, rows.map((r) => [r, u, 1] as const), u, (u + 1) as Timestamp);
  }

  /** Part 3: the snapshot becomes visible at `snapshotTime` on every output, bound to `frontier`. */
  async finishSnapshot(snapshotTime: Timestamp, frontier: bigint, errors: readonly (readonly [number, string])[]): Promise<void> {
    const next = (snapshotTime + 1) as Timestamp;
    const errorRows: Update[] = errors.map(([i, msg]) => [[this.data[i]!.id, msg], snapshotTime, 1] as const);
    await Promise.all([
      append(this.errors, errorRows, asTime(this.errors.upper(), this.errors.id), next),
      ...this.data.map((s) => append(s, [], asTime(s.upper(), s.id), next)),
    ]);
    // Progress last: its binding is what marks the snapshot complete (recovery checks it).
    await append(this.progress, [[[frontier], snapshotTime, 1]], asTime(this.progress.upper(), this.progress.id), next);
    this.#frontier = frontier;
  }

  async #bindingAt(t: Timestamp): Promise<bigint> {
    const rows = await this.progress.snapshot(t);
    const live = rows.filter((u) => u[2] > 0);
    if (live.length !== 1 || typeof live[0]![0][0] !== 'bigint') {
      throw new SqlError(SqlState.dataCorrupted, `source progress shard ${this.progress.id} holds ${live.length} bindings at ${t}, expected 1`);
    }
    return live[0]![0][0];
  }

  async #advanceLagging(p: Timestamp): Promise<void> {
    await Promise.all([this.errors, ...this.data].filter((s) => s.upper() !== p).map((s) => append(s, [], asTime(s.upper(), s.id), p)));
    this.#logger.info({ upper: p }, 'source: completed an interrupted upper advance');
  }
}

/** Waits for every write, then reports the first failure: recovery must see settled shards. */
async function settle(writes: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

async function append(shard: Shard, updates: readonly Update[], expected: Timestamp, next: Frontier): Promise<void> {
  const r = await shard.compareAndAppend(updates, expected, next);
  if (!r.ok) throw internal(`source shard ${shard.id} moved concurrently: expected upper ${expected}, found ${String(r.currentUpper)}`);
}

function asTime(f: Timestamp | 'closed', id: string): Timestamp {
  if (f === 'closed') throw internal(`source shard ${id} is closed`);
  return f;
}

function internal(msg: string): SqlError {
  return new SqlError(SqlState.internalError, `internal error: ${msg}`);
}
