import { describe, expect, it } from 'vitest';
import { type Row, type Timestamp, type Update, Numeric } from '../repr/index.ts';
import { subscribeRows, subscribeWidth } from './subscribe-output.ts';

const u = (row: Row, time: number, diff: number): Update => [row, time as Timestamp, diff];
/** Rows with mz_timestamp as a plain number, for readable expectations. */
const plain = (rows: readonly Row[]): unknown[][] => rows.map((r) => r.map((d) => (d instanceof Numeric ? Number(d.toString()) : typeof d === 'bigint' ? Number(d) : d)));

describe('subscribeRows', () => {
  // Table t (a int, b text): key a.
  const updates: Update[] = [
    u([1, 'x'], 5, 1), // insert of key 1
    u([2, 'y'], 5, -1), u([2, 'z'], 5, 1), // update of key 2
    u([3, 'w'], 5, -1), // delete of key 3
    u([4, 'p'], 5, 1), u([4, 'q'], 5, 1), // two rows for key 4: not a key
    u([1, 'x'], 7, -1), // later: delete of key 1
  ];

  it('ENVELOPE UPSERT: one row per key and time with mz_state', () => {
    expect(plain(subscribeRows(updates, { kind: 'upsert', key: [0] }, 2, false))).toEqual([
      [5, 'upsert', 1, 'x'],
      [5, 'upsert', 2, 'z'],
      [5, 'delete', 3, null],
      [5, 'key_violation', 4, null],
      [7, 'delete', 1, null],
    ]);
  });

  it('ENVELOPE DEBEZIUM: before and after values', () => {
    expect(plain(subscribeRows(updates, { kind: 'debezium', key: [0] }, 2, true))).toEqual([
      [5, false, 'insert', 1, null, 'x'],
      [5, false, 'upsert', 2, 'y', 'z'],
      [5, false, 'delete', 3, 'w', null],
      [5, false, 'key_violation', 4, null, null],
      [7, false, 'delete', 1, 'x', null],
    ]);
  });

  it('a key of several columns keeps KEY order; values keep relation order', () => {
    const rows = [u([10, 'k', true], 1, 1)];
    expect(plain(subscribeRows(rows, { kind: 'upsert', key: [1, 0] }, 3, false))).toEqual([[1, 'upsert', 'k', 10, true]]);
    expect(plain(subscribeRows(rows, { kind: 'debezium', key: [2] }, 3, false))).toEqual([[1, 'insert', true, null, null, 10, 'k']]);
  });

  it('a multiplicity of two for one key is a key violation', () => {
    expect(plain(subscribeRows([u([1, 'x'], 3, 2)], { kind: 'upsert', key: [0] }, 2, false))).toEqual([[3, 'key_violation', 1, null]]);
  });

  it('WITHIN TIMESTAMP ORDER BY sorts each timestamp by the given columns (mz_diff is column 0)', () => {
    const rows = [u([1, 'a'], 2, 1), u([2, 'b'], 2, -1), u([3, 'c'], 2, 1), u([0, 'z'], 1, 1)];
    // ORDER BY mz_diff, a DESC
    const out = subscribeRows(rows, { kind: 'withinTimestampOrderBy', order: [{ column: 0, desc: false, nullsLast: true }, { column: 1, desc: true, nullsLast: false }] }, 2, false);
    expect(plain(out)).toEqual([[1, 1, 0, 'z'], [2, -1, 2, 'b'], [2, 1, 3, 'c'], [2, 1, 1, 'a']]);
  });

  it('plain diffs keep the given order', () => {
    expect(plain(subscribeRows([u([1], 4, -2)], { kind: 'diffs' }, 1, true))).toEqual([[4, false, -2, 1]]);
  });
});

describe('subscribeWidth', () => {
  it('counts the columns a progress row fills with NULL', () => {
    expect(subscribeWidth({ kind: 'diffs' }, 3)).toBe(4);
    expect(subscribeWidth({ kind: 'upsert', key: [0] }, 3)).toBe(4);
    expect(subscribeWidth({ kind: 'debezium', key: [0] }, 3)).toBe(6);
  });
});
