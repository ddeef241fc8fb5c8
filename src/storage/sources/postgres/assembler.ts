/**
 * Assembles pgoutput messages into committed upstream transactions: each transaction's row changes
 * per subsource ((row, +1) inserts, (row, -1) retractions) and the definite errors it causes
 * (TRUNCATE, incompatible schema change, missing old row, undecodable value). Once a subsource has
 * an error, its later changes are dropped: an errored subsource is unreadable, never silently wrong.
 */
import type { Diff, Row } from '../../../repr/index.ts';
import { assertNever } from '../../../util/index.ts';
import { ingestErrors } from './errors.ts';
import type { Lsn, PgOutputMessage, TupleData } from './protocol.ts';
import { RowError, type TableDecoder } from './table-decoder.ts';

export interface CommittedTxn {
  /** LSN of the commit record; the transaction is replayed by a START_REPLICATION at or below it. */
  readonly commitLsn: Lsn;
  /** LSN just past the commit record: the upstream frontier once this transaction is ingested. */
  readonly endLsn: Lsn;
  readonly data: Map<number, [Row, Diff][]>;
  readonly errors: [number, string][];
  readonly rows: number;
}

interface OpenTxn {
  readonly data: Map<number, [Row, Diff][]>;
  readonly errors: [number, string][];
  rows: number;
}

export class TransactionAssembler {
  readonly #decoders: readonly TableDecoder[];
  readonly #byOid: ReadonlyMap<number, number>;
  /** Subsource index → error text: shared with the source, which seeds it from the durable errors. */
  readonly #errored: Map<number, string>;
  #open: OpenTxn | undefined;

  constructor(decoders: readonly TableDecoder[], errored: Map<number, string>) {
    this.#decoders = decoders;
    this.#byOid = new Map(decoders.map((d, i) => [d.table.oid, i]));
    this.#errored = errored;
  }

  get inTransaction(): boolean {
    return this.#open !== undefined;
  }

  /** Feeds one message; returns the transaction it completes, if any. */
  handle(msg: PgOutputMessage): CommittedTxn | undefined {
    switch (msg.kind) {
      case 'begin':
        this.#open = { data: new Map(), errors: this.#open?.errors ?? [], rows: 0 };
        return undefined;
      case 'commit': {
        const t = this.#txn(msg.kind);
        this.#open = undefined;
        return { commitLsn: msg.commitLsn, endLsn: msg.endLsn, data: t.data, errors: t.errors, rows: t.rows };
      }
      case 'relation': {
        const i = this.#live(msg.oid);
        if (i === undefined) return undefined;
        const err = this.#decoders[i]!.bindRelation(msg.columns);
        if (err !== undefined) this.#fail(i, err);
        return undefined;
      }
      case 'insert': {
        const i = this.#live(msg.relOid);
        if (i !== undefined) this.#change(i, (push) => push(this.#decoders[i]!.fromTuple(msg.newTuple), 1));
        return undefined;
      }
      case 'update': {
        const i = this.#live(msg.relOid);
        if (i === undefined) return undefined;
        const old = msg.old;
        if (old === undefined || msg.keyOnly) {
          this.#fail(i, ingestErrors.missingOldRow(msg.relOid));
          return undefined;
        }
        this.#change(i, (push) => {
          const d = this.#decoders[i]!;
          const before = d.fromTuple(old);
          const after = d.fromTuple(msg.newTuple, old);
          push(before, -1);
          push(after, 1);
        });
        return undefined;
      }
      case 'delete': {
        const i = this.#live(msg.relOid);
        if (i === undefined) return undefined;
        if (msg.keyOnly) {
          this.#fail(i, ingestErrors.missingOldRow(msg.relOid));
          return undefined;
        }
        const old: TupleData = msg.old;
        this.#change(i, (push) => push(this.#decoders[i]!.fromTuple(old), -1));
        return undefined;
      }
      case 'truncate':
        for (const oid of msg.relOids) {
          const i = this.#live(oid);
          if (i !== undefined) this.#fail(i, ingestErrors.truncated(this.#decoders[i]!.qualifiedName));
        }
        return undefined;
      case 'other':
        return undefined;
      default:
        return assertNever(msg, 'pgoutput message');
    }
  }

  /** Drops a half-received transaction (the connection was lost mid-transaction). */
  reset(): void {
    this.#open = undefined;
  }

  /** The subsource index of a relation this source ingests and that is not errored. */
  #live(oid: number): number | undefined {
    const i = this.#byOid.get(oid);
    return i === undefined || this.#errored.has(i) ? undefined : i;
  }

  #txn(what: string): OpenTxn {
    if (this.#open === undefined) throw new Error(`pgoutput: ${what} message outside a transaction`);
    return this.#open;
  }

  #change(i: number, produce: (push: (row: Row, diff: Diff) => void) => void): void {
    const t = this.#txn('change');
    const staged: [Row, Diff][] = [];
    try {
      produce((row, diff) => staged.push([row, diff]));
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      this.#fail(i, err.message);
      return;
    }
    let list = t.data.get(i);
    if (list === undefined) t.data.set(i, (list = []));
    for (const u of staged) list.push(u);
    t.rows += staged.length;
  }

  #fail(i: number, message: string): void {
    this.#errored.set(i, message);
    // pgoutput sends relation messages inside transactions; should one come outside, its error waits for the next commit.
    this.#open ??= { data: new Map(), errors: [], rows: 0 };
    this.#open.errors.push([i, message]);
  }
}
