/**
 * Turns one upstream table's values into subsource rows: COPY fields (the snapshot selects exactly
 * the subsource's columns) and pgoutput tuples (all upstream columns, mapped by name through the
 * latest relation message, which is also where incompatible schema changes are detected). Unchanged
 * TOAST values in an update's new tuple are taken from its old tuple (REPLICA IDENTITY FULL).
 */
import type { Datum, Row } from '../../../repr/index.ts';
import { type ValueDecoder, decoderFor } from './decode.ts';
import { ingestErrors } from './errors.ts';
import { type RelationColumn, type TupleData, UNCHANGED_TOAST } from './protocol.ts';
import type { PurifiedTable } from './purify.ts';

/** A row could not be produced; the message is the subsource's definite error. */
export class RowError extends Error {}

export class TableDecoder {
  readonly table: PurifiedTable;
  readonly qualifiedName: string;
  readonly #decoders: readonly ValueDecoder[];
  /** For each subsource column, its position in the upstream tuple (from the relation message). */
  #positions: readonly number[] | undefined;

  constructor(table: PurifiedTable) {
    this.table = table;
    this.qualifiedName = `${table.schema}.${table.name}`;
    this.#decoders = table.columns.map((c) => (c.asText ? (t: string): Datum => t : decoderFor(c.type, c.typeOid)));
  }

  /** Decodes a COPY line's fields (already split and unescaped). */
  fromCopy(fields: readonly (string | null)[], n: number): Row {
    const cols = this.table.columns;
    if (n !== cols.length) throw new RowError(`unexpected number of columns while parsing COPY output (${n}, expected ${cols.length})`);
    const row = new Array<Datum>(cols.length);
    for (let i = 0; i < cols.length; i++) row[i] = this.#decode(i, fields[i]!);
    return row;
  }

  /**
   * Adopts a relation message's column layout. Returns the definite error text if the change is
   * incompatible: a subsource column is gone, renamed, or changed type. Added columns are ignored.
   */
  bindRelation(columns: readonly RelationColumn[]): string | undefined {
    const positions: number[] = [];
    for (const c of this.table.columns) {
      const at = columns.findIndex((rc) => rc.name === c.name);
      const why = at < 0 ? `column ${c.name} was dropped or renamed`
        : columns[at]!.typeOid !== c.typeOid || columns[at]!.typmod !== c.typmod ? `column ${c.name} changed type` : undefined;
      if (why !== undefined) return ingestErrors.altered(this.qualifiedName, this.table.oid, why);
      positions.push(at);
    }
    this.#positions = positions;
    return undefined;
  }

  /** The new row of an insert/update; `old` fills unchanged TOAST values. */
  fromTuple(tuple: TupleData, old?: TupleData): Row {
    const positions = this.#positions;
    if (positions === undefined) throw new RowError(`internal error: change to ${this.qualifiedName} before its relation message`);
    const cols = this.table.columns;
    const row = new Array<Datum>(cols.length);
    for (let i = 0; i < cols.length; i++) {
      const p = positions[i]!;
      let v = tuple[p];
      if (v === UNCHANGED_TOAST) {
        v = old?.[p];
        if (v === undefined || v === UNCHANGED_TOAST) throw new RowError(ingestErrors.missingToast(this.qualifiedName, cols[i]!.name));
      }
      if (v === undefined) throw new RowError(`tuple of ${this.qualifiedName} has ${tuple.length} columns, expected at least ${p + 1}`);
      row[i] = this.#decode(i, v);
    }
    return row;
  }

  #decode(i: number, text: string | null): Datum {
    if (text === null) return null;
    try {
      return this.#decoders[i]!(text);
    } catch (err) {
      throw new RowError(ingestErrors.decode(this.qualifiedName, this.table.columns[i]!.name, err instanceof Error ? err.message : String(err)));
    }
  }
}
