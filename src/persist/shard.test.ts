/** Shard behaviour under backend failures: determinate vs indeterminate errors and recovery. */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../repr/index.ts';
import type { CasResult, Consensus, Fence, VersionedData } from './consensus.ts';
import { PersistError, openPersistWith } from './index.ts';
import { MemoryStore } from './memory.ts';

const t = (n: number): Timestamp => n as Timestamp;

/** Wraps a Consensus; the next CAS on a shard key can be made to fail before or after it lands. */
class FaultyConsensus implements Consensus {
  readonly name = 'faulty';
  private readonly inner: Consensus;
  fail: 'before' | 'after' | undefined;
  constructor(inner: Consensus) {
    this.inner = inner;
  }
  head(key: string): Promise<VersionedData | undefined> {
    return this.inner.head(key);
  }
  async compareAndSet(key: string, expected: number | undefined, next: VersionedData, fence?: Fence): Promise<CasResult> {
    const mode = key.startsWith('shard/') ? this.fail : undefined;
    this.fail = undefined;
    if (mode === 'before') throw new Error('disk on fire');
    const res = await this.inner.compareAndSet(key, expected, next, fence);
    if (mode === 'after') throw new Error('connection reset');
    return res;
  }
  scan(key: string, from: number, limit?: number): Promise<VersionedData[]> {
    return this.inner.scan(key, from, limit);
  }
  truncate(key: string, upTo: number): Promise<number> {
    return this.inner.truncate(key, upTo);
  }
  list(): Promise<string[]> {
    return this.inner.list();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('shard failures', () => {
  it('a failed state write is indeterminate, and the shard recovers the true state', async () => {
    const store = new MemoryStore();
    const consensus = new FaultyConsensus(store.consensus);
    const c = await openPersistWith({ blob: store.blob, consensus });
    const s = await c.open('f');
    await s.compareAndAppend([[['a'], t(0), 1]], t(0), t(1));

    consensus.fail = 'after'; // the write landed, the caller cannot know
    const err = await s.compareAndAppend([[['b'], t(1), 1]], t(1), t(2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PersistError);
    expect((err as PersistError).indeterminate).toBe(true);
    // Retrying with the old expectation reveals what happened instead of duplicating the write.
    expect(await s.compareAndAppend([[['b'], t(1), 1]], t(1), t(2))).toEqual({ ok: false, currentUpper: 2 });
    expect(s.upper()).toBe(2);

    consensus.fail = 'before'; // nothing landed
    const err2 = await s.compareAndAppend([[['c'], t(2), 1]], t(2), t(3)).catch((e: unknown) => e);
    expect((err2 as PersistError).indeterminate).toBe(true);
    expect(await s.compareAndAppend([[['c'], t(2), 1]], t(2), t(3))).toEqual({ ok: true });
    expect((await s.snapshot(t(2))).map((u) => u[0][0]).sort()).toEqual(['a', 'b', 'c']);
    await c.close();
  });
});
