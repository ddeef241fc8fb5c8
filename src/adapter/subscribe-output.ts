/**
 * SUBSCRIBE output rows: turns the consolidated updates of complete timestamps into Materialize's
 * row layouts (src/adapter/src/active_compute_sink.rs): `mz_timestamp, [mz_progressed,] mz_diff, cols`
 * for plain and WITHIN TIMESTAMP ORDER BY output, and one row per key and timestamp
 * (`mz_timestamp, [mz_progressed,] mz_state, key..., values...`) for ENVELOPE UPSERT / DEBEZIUM.
 * Pure: the stream hands it whole timestamps, so a key's changes at one time are always seen together.
 */
import { compareByOrder } from '../dataflow/index.ts';
import { type Datum, Numeric, type Row, type Update, compareDatum, compareRows } from '../repr/index.ts';
import type { SubscribeOutput } from '../sql/index.ts';
import { assertNever } from '../util/index.ts';

/**
 * Output rows for `updates` (all of whose timestamps are complete), in timestamp order. `arity` is
 * the relation's column count; `progress` adds the mz_progressed column (false on data rows).
 */
export function subscribeRows(updates: readonly Update[], output: SubscribeOutput, arity: number, progress: boolean): Row[] {
  const out: Row[] = [];
  const head = (time: number): Datum[] => (progress ? [Numeric.fromBigInt(BigInt(time)), false] : [Numeric.fromBigInt(BigInt(time))]);
  switch (output.kind) {
    case 'diffs':
      for (const [row, time, diff] of updates) out.push([...head(time), BigInt(diff), ...row]);
      return out;
    case 'withinTimestampOrderBy': {
      // Order columns index [mz_diff, ...row]; ties fall back to the row, then the diff (as Materialize).
      const keyed = updates.map(([row, time, diff]) => ({ time, diff, ext: [BigInt(diff), ...row] as Row, row }));
      keyed.sort((a, b) => a.time - b.time || compareByOrder(output.order, a.ext, b.ext) || compareRows(a.row, b.row) || a.diff - b.diff);
      for (const u of keyed) out.push([...head(u.time), ...u.ext]);
      return out;
    }
    case 'upsert': case 'debezium':
      return envelopeRows(updates, output.kind, output.key, arity, head);
    default:
      return assertNever(output, 'subscribe output');
  }
}

function envelopeRows(updates: readonly Update[], kind: 'upsert' | 'debezium', key: readonly number[], arity: number, head: (time: number) => Datum[]): Row[] {
  const debezium = kind === 'debezium';
  const isKey = new Array<boolean>(arity).fill(false);
  for (const k of key) isKey[k] = true;
  const compareKey = (a: Row, b: Row): number => {
    for (const k of key) {
      const c = compareDatum(a[k]!, b[k]!);
      if (c !== 0) return c;
    }
    return 0;
  };
  const sorted = updates.slice().sort((a, b) => a[1] - b[1] || compareKey(a[0], b[0]) || a[2] - b[2]);
  const values = (row: Row | undefined): Datum[] => {
    const v: Datum[] = [];
    for (let i = 0; i < arity; i++) if (!isKey[i]) v.push(row === undefined ? null : row[i]!);
    return v;
  };
  const out: Row[] = [];
  for (let i = 0; i < sorted.length;) {
    const [first, time] = sorted[i]!;
    let j = i + 1;
    while (j < sorted.length && sorted[j]![1] === time && compareKey(sorted[j]![0], first) === 0) j++;
    const group = sorted.slice(i, j);
    i = j;
    const keyDatums = key.map((k) => first[k]!);
    const g0 = group[0]!;
    const g1 = group[1];
    let state: string;
    let before: Row | undefined;
    let after: Row | undefined;
    if (group.length === 1 && g0[2] === 1) {
      state = debezium ? 'insert' : 'upsert';
      after = g0[0];
    } else if (group.length === 1 && g0[2] === -1) {
      state = 'delete';
      before = g0[0];
    } else if (group.length === 2 && g0[2] === -1 && g1 !== undefined && g1[2] === 1) {
      state = 'upsert';
      before = g0[0];
      after = g1[0];
    } else {
      // Several rows for one key at one time (or a multiplicity other than one): not a key.
      state = 'key_violation';
    }
    const row: Datum[] = [...head(time), state, ...keyDatums];
    if (debezium) row.push(...values(before));
    row.push(...values(after));
    out.push(row);
  }
  return out;
}

/** The number of output columns after mz_timestamp and mz_progressed (the width of a progress row's NULLs). */
export function subscribeWidth(output: SubscribeOutput, arity: number): number {
  switch (output.kind) {
    case 'diffs': case 'withinTimestampOrderBy': return 1 + arity;
    case 'upsert': return 1 + arity;
    case 'debezium': return 1 + output.key.length + 2 * (arity - output.key.length);
    default: return assertNever(output, 'subscribe output');
  }
}
