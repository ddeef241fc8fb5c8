/**
 * SUBSCRIBE: a dataflow whose output changes stream to the client in timestamp order — the snapshot
 * at `asOf` first (unless SNAPSHOT = false), then every closed timestamp's changes, with progress rows
 * when asked. Rows have Materialize's layouts (subscribe-output.ts): mz_timestamp, [mz_progressed,]
 * mz_diff, columns...; or with an ENVELOPE, mz_state and the key and value columns.
 * The stream is consumed by a plain SUBSCRIBE statement, a cursor (FETCH with timeout) or COPY.
 * A consumer that falls too far behind gets an error instead of unbounded buffering.
 */
import { type GlobalId, type MirRelationExpr, dependsOn } from '../expr/index.ts';
import { type Datum, Numeric, type Row, type Timestamp, type Update } from '../repr/index.ts';
import type { SubscribeOutput } from '../sql/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import type { RowStream } from './session-api.ts';
import { subscribeRows, subscribeWidth } from './subscribe-output.ts';

/** Materialize's greatest mz_timestamp (u64::MAX): the time of a constant query's rows. */
const MAX_TIMESTAMP = Numeric.fromBigInt(18446744073709551615n);

/** True iff a SUBSCRIBE's query reads nothing and does not ask for mz_now(): it has no timeline. */
export function isTimeless(plan: MirRelationExpr): boolean {
  if (dependsOn(plan).size > 0) return false;
  const mentionsMzNow = (v: unknown): boolean => {
    if (v === null || typeof v !== 'object') return false;
    if (Array.isArray(v)) return v.some(mentionsMzNow);
    if ((v as { kind?: unknown }).kind === 'mzNow') return true;
    return Object.values(v).some(mentionsMzNow);
  };
  return !mentionsMzNow(plan);
}

/** Rows buffered for one subscription beyond which the subscriber is considered too slow. */
export const MAX_BUFFERED_ROWS = 1_000_000;

export interface SubscribeOptions {
  readonly asOf: Timestamp;
  readonly snapshot: boolean;
  readonly progress: boolean;
  /** UP TO: the stream ends once its upper reaches this time. */
  readonly upTo?: number;
  /** Number of the relation's columns. */
  readonly arity: number;
  /** How updates become rows (default: mz_diff rows). */
  readonly output?: SubscribeOutput;
  /**
   * A constant query without AS OF has no timeline: like Materialize, report every row (and
   * progress row) at the greatest timestamp, 18446744073709551615.
   */
  readonly timeless?: boolean;
  /** Called once when the stream ends or is closed, to drop the dataflow. */
  readonly onClose: () => void;
}

export type SubscribeBatch =
  | { readonly lower: Timestamp; readonly upper: Timestamp | 'closed'; readonly updates: readonly Update[] }
  | { readonly error: SqlError };

export class SubscribeStream implements RowStream {
  readonly id: GlobalId;
  readonly #opts: SubscribeOptions;
  #rows: Row[] = [];
  #head = 0;
  #done = false;
  #error: SqlError | undefined;
  #closed = false;
  #lastProgress: number | undefined;
  #waiter: (() => void) | undefined;

  readonly #output: SubscribeOutput;
  /** Columns after mz_timestamp and mz_progressed (all NULL in a progress row). */
  readonly #width: number;

  constructor(id: GlobalId, opts: SubscribeOptions) {
    this.id = id;
    this.#opts = opts;
    this.#output = opts.output ?? { kind: 'diffs' };
    this.#width = subscribeWidth(this.#output, opts.arity);
    if (opts.progress) this.#pushProgress(opts.asOf);
  }

  /** Feeds a SubscribeResponse batch from compute. */
  accept(batch: SubscribeBatch): void {
    if (this.#closed || this.#done) return;
    if ('error' in batch) {
      const e = batch.error;
      this.#error = /^2[123]/.test(e.code) && !e.message.startsWith('Evaluation error: ')
        ? new SqlError(e.code, `Evaluation error: ${e.message}`, { detail: e.detail, hint: e.hint })
        : e;
      this.#finish();
      return;
    }
    const { asOf, snapshot } = this.#opts;
    const updates = snapshot ? batch.updates : batch.updates.filter((u) => u[1] > asOf);
    for (const row of subscribeRows(updates, this.#output, this.#opts.arity, this.#opts.progress)) {
      if (this.#opts.timeless === true) (row as Datum[])[0] = MAX_TIMESTAMP;
      this.#rows.push(row);
    }
    if (batch.upper === 'closed' || (this.#opts.upTo !== undefined && batch.upper >= this.#opts.upTo)) {
      this.#finish();
      return;
    }
    if (this.#opts.progress) this.#pushProgress(batch.upper);
    if (this.#rows.length - this.#head > MAX_BUFFERED_ROWS) {
      this.#error = new SqlError(SqlState.configLimitExceeded, 'subscribe fell too far behind: its client is not reading fast enough', {
        detail: `more than ${MAX_BUFFERED_ROWS} rows were waiting to be sent`,
        hint: 'Read the results faster (e.g. FETCH larger batches), or subscribe to a narrower query.',
      });
      this.#rows = [];
      this.#head = 0;
      this.#finish();
      return;
    }
    this.#wake();
  }

  #pushProgress(upper: number): void {
    if (this.#lastProgress !== undefined && upper <= this.#lastProgress) return;
    this.#lastProgress = upper;
    const out: Datum[] = [this.#opts.timeless === true ? MAX_TIMESTAMP : Numeric.fromBigInt(BigInt(upper)), true];
    for (let i = 0; i < this.#width; i++) out.push(null);
    this.#rows.push(out);
  }

  #finish(): void {
    this.#done = true;
    this.#opts.onClose();
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  get available(): number {
    return this.#rows.length - this.#head;
  }

  #take(max: number): Row[] {
    const end = max <= 0 ? this.#rows.length : Math.min(this.#rows.length, this.#head + max);
    const out = this.#rows.slice(this.#head, end);
    this.#head = end;
    if (this.#head > 4096 && this.#head * 2 > this.#rows.length) {
      this.#rows = this.#rows.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  /**
   * Waits until at least one row is available (or the stream ended, or `timeoutMs` passed), then
   * returns up to `max` rows (all available for max <= 0).
   */
  async fetch(max: number, timeoutMs?: number, signal?: AbortSignal): Promise<{ rows: Row[]; done: boolean }> {
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    while (this.available === 0 && !this.#done && !this.#closed) {
      const remaining = deadline === undefined ? undefined : deadline - Date.now();
      if (remaining !== undefined && remaining <= 0) break;
      await this.#waitForChange(remaining, signal);
    }
    const rows = this.#take(max);
    if (rows.length === 0 && this.#error !== undefined) {
      const e = this.#error;
      this.#error = undefined;
      throw e;
    }
    return { rows, done: this.available === 0 && this.#done && this.#error === undefined };
  }

  /** Resolves at the next accepted batch, end of stream, timeout or cancel (rejects on cancel). */
  #waitForChange(timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.#waiter === wake) this.#waiter = undefined;
      };
      const wake = (): void => {
        cleanup();
        resolve();
      };
      const onAbort = (): void => {
        cleanup();
        reject(new SqlError(SqlState.queryCanceled, 'canceling statement due to user request'));
      };
      this.#waiter = wake;
      if (timeoutMs !== undefined) timer = setTimeout(wake, timeoutMs);
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  next(max: number): Promise<{ readonly rows: readonly Row[]; readonly done: boolean }> {
    return this.fetch(max);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#done) {
      this.#done = true;
      this.#opts.onClose();
    }
    this.#wake();
  }
}
