/**
 * Materialized-view sink: writes a dataflow's output collection to the view's persist shard and
 * keeps it correct ("self-correcting"). Invariant: for every time t >= the shard's upper when the
 * sink started, the shard's contents at t equal the dataflow's output at t.
 *
 * The first write (and the first after someone else moved the upper) is a correction: the desired
 * contents at t0 = max(upper, asOf) minus what the shard holds at upper - 1, written at t0. After
 * that, each append carries the output changes of the newly closed times [upper, outputFrontier).
 * One append is in flight at a time; everything that closed meanwhile goes into the next one.
 * On an upper mismatch the sink re-reads the shard and corrects again, so a restarted or
 * concurrent writer never leaves duplicates.
 *
 * A materialized view uses two sinks: its rows go to the view's shard, its errors collection to the
 * errors shard beside it (controller.ts `errorsShardId`), which source imports read back as errors.
 */
import type { UpdateBatch } from '../dataflow/index.ts';
import type { GlobalId } from '../expr/index.ts';
import type { PersistClient, Shard } from '../persist/index.ts';
import { type Frontier, type Row, type Timestamp, type Update, rowKey } from '../repr/index.ts';
import { type Logger, toSqlError } from '../util/index.ts';

type Counted = Map<string, [Row, number]>;

function addTo(m: Counted, row: Row, d: number): void {
  const k = rowKey(row);
  const cur = m.get(k);
  if (cur === undefined) m.set(k, [row, d]);
  else {
    cur[1] += d;
    if (cur[1] === 0) m.delete(k);
  }
}

export class MvSink {
  readonly id: GlobalId;
  readonly shardId: string;
  private readonly asOf: number;
  private readonly persist: PersistClient;
  private readonly logger: Logger;
  private readonly onUpper: (upper: Frontier) => void;
  private shard: Shard | undefined;
  /** The shard's upper as last observed (Infinity = closed). */
  private upper = 0;
  /** The dataflow output's frontier. */
  private outFrontier = 0;
  /** Output accumulated through time t0 of the last write. */
  private readonly desired: Counted = new Map();
  /** Output updates not yet in `desired`. */
  private buffer: [Row, number, number][] = [];
  /** Shard contents at upper - 1 when they may differ from `desired`; undefined when in sync. */
  private persisted: Counted | undefined = new Map();
  private busy = false;
  private stopped = false;
  /** Whether `persisted` must be re-read before the next write (after a failed or lost append). */
  private needsReread = false;

  constructor(opts: { id: GlobalId; shardId: string; asOf: number; persist: PersistClient; logger: Logger; onUpper: (upper: Frontier) => void }) {
    this.id = opts.id;
    this.shardId = opts.shardId;
    this.asOf = opts.asOf;
    this.persist = opts.persist;
    this.logger = opts.logger;
    this.onUpper = opts.onUpper;
  }

  get currentUpper(): Frontier {
    return this.upper === Infinity ? 'closed' : (this.upper as Timestamp);
  }

  start(): void {
    this.busy = true;
    this.init()
      .catch((err: unknown) => this.logger.error({ err: toSqlError(err), sink: this.id }, 'compute: materialized view sink failed to start'))
      .finally(() => {
        this.busy = false;
        this.kick();
      });
  }

  stop(): void {
    this.stopped = true;
  }

  onBatch(batch: UpdateBatch): void {
    for (let i = 0; i < batch.length; i++) this.buffer.push([batch.rows[i]!, batch.times[i]!, batch.diffs[i]!]);
  }

  onFrontier(frontier: number): void {
    this.outFrontier = frontier;
    this.kick();
  }

  private async init(): Promise<void> {
    const shard = await this.persist.open(this.shardId);
    // Only a sink that knows the shard's contents may write (else it could duplicate them).
    await this.readPersisted(shard);
    this.shard = shard;
  }

  /** Reads the shard's contents at upper - 1 into `persisted`. */
  private async readPersisted(shard: Shard): Promise<void> {
    const u = shard.upper();
    this.upper = u === 'closed' ? Infinity : u;
    this.onUpper(u);
    const persisted: Counted = new Map();
    if (this.upper !== Infinity && this.upper > 0) {
      for (const [row, , diff] of await shard.snapshot((this.upper - 1) as Timestamp)) addTo(persisted, row, diff);
    }
    this.persisted = persisted;
  }

  private kick(): void {
    if (this.busy || this.stopped || this.shard === undefined) return;
    const f = this.outFrontier;
    if (f <= this.upper || f <= this.asOf) return;
    this.busy = true;
    let failed = false;
    this.write(f)
      .catch((err: unknown) => {
        failed = true;
        this.logger.error({ err: toSqlError(err), sink: this.id }, 'compute: materialized view append failed; retrying');
      })
      .finally(() => {
        this.busy = false;
        if (failed) setTimeout(() => this.kick(), 250).unref();
        else this.kick();
      });
  }

  private async write(f: number): Promise<void> {
    const shard = this.shard!;
    if (this.needsReread) {
      await this.readPersisted(shard);
      this.needsReread = false;
      if (f <= this.upper) return;
    }
    const u = this.upper;
    const t0 = Math.max(u, this.asOf);
    const out = new Map<string, [Row, number, number]>();
    const put = (row: Row, t: number, d: number): void => {
      const k = `${t}|${rowKey(row)}`;
      const cur = out.get(k);
      if (cur === undefined) out.set(k, [row, t, d]);
      else cur[2] += d;
    };
    const later: [Row, number, number][] = [];
    const rest: [Row, number, number][] = [];
    for (const upd of this.buffer) {
      const [row, t, d] = upd;
      if (t <= t0) {
        addTo(this.desired, row, d);
        if (this.persisted === undefined) put(row, t0, d);
      } else if (t < f) {
        later.push(upd);
        put(row, t, d);
      } else rest.push(upd);
    }
    this.buffer = rest;
    if (this.persisted !== undefined) {
      // Correction: desired(t0) - persisted, at t0.
      for (const [row, d] of this.desired.values()) put(row, t0, d);
      for (const [row, d] of this.persisted.values()) put(row, t0, -d);
    }
    const updates: Update[] = [];
    for (const [row, t, d] of out.values()) if (d !== 0) updates.push([row, t as Timestamp, d]);
    let res;
    try {
      res = await shard.compareAndAppend(updates, u as Timestamp, f === Infinity ? 'closed' : (f as Timestamp));
    } catch (err) {
      // The append may or may not have happened: keep the later updates and re-read before writing.
      this.buffer = later.concat(this.buffer);
      this.needsReread = true;
      throw err;
    }
    if (this.stopped) return;
    if (res.ok) {
      for (const [row, , d] of later) addTo(this.desired, row, d);
      this.persisted = undefined;
      this.upper = f;
      this.onUpper(this.currentUpper);
    } else {
      // Someone else wrote: keep the later updates for the next attempt and correct from the shard.
      this.buffer = later.concat(this.buffer);
      this.logger.info({ sink: this.id, expected: u, current: res.currentUpper }, 'compute: materialized view upper mismatch; correcting');
      this.needsReread = true;
      await this.readPersisted(shard);
      this.needsReread = false;
    }
  }
}
