/**
 * A subscriber that falls too far behind: once more than MAX_BUFFERED_ROWS rows wait to be sent, the
 * stream stops buffering, drops its dataflow and fails the next FETCH with a clear error (53400)
 * instead of growing without bound.
 */
import { describe, expect, it } from 'vitest';
import { type Update, ts } from '../repr/index.ts';
import { SqlError } from '../util/index.ts';
import { MAX_BUFFERED_ROWS, SubscribeStream } from './subscribe.ts';

function updates(n: number, at: number): Update[] {
  const out: Update[] = new Array<Update>(n);
  for (let i = 0; i < n; i++) out[i] = [[i], ts(at), 1];
  return out;
}

describe('SubscribeStream backpressure', () => {
  it('a reader that keeps up gets every row; one that falls behind gets an error, and the dataflow is dropped', async () => {
    let closed = 0;
    const s = new SubscribeStream('t1-sub', { asOf: ts(10), snapshot: true, progress: false, arity: 1, onClose: () => closed++ });
    s.accept({ lower: ts(10), upper: ts(11), updates: updates(3, 10) });
    const first = await s.fetch(0, 0);
    expect(first.rows.map((r) => r[2])).toEqual([0, 1, 2]);
    expect(closed).toBe(0);

    // Nobody reads while more than the limit piles up.
    s.accept({ lower: ts(11), upper: ts(12), updates: updates(MAX_BUFFERED_ROWS / 2, 11) });
    expect(closed).toBe(0);
    s.accept({ lower: ts(12), upper: ts(13), updates: updates(MAX_BUFFERED_ROWS / 2 + 1, 12) });
    expect(closed).toBe(1);
    expect(s.available).toBe(0);

    const err = await s.fetch(0, 0).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).code).toBe('53400');
    expect((err as SqlError).message).toBe('subscribe fell too far behind: its client is not reading fast enough');
    // Later batches are ignored; the stream is over.
    s.accept({ lower: ts(13), upper: ts(14), updates: updates(1, 13) });
    expect(await s.fetch(0, 0)).toEqual({ rows: [], done: true });
  });
});
