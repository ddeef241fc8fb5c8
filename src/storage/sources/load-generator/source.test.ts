import { describe, expect, it } from 'vitest';
import { MemoryStore, type PersistClient, type Shard, openPersistWith } from '../../../persist/index.ts';
import type { Row, Timestamp } from '../../../repr/index.ts';
import { silentLogger } from '../../../util/index.ts';
import { generateTick, generateTicks, nextStepUntil } from './generators.ts';
import { type LoadGeneratorConfig, startLoadGenerator } from './source.ts';

const counterValues = (rows: Map<number, (readonly [Row, number])[]>): [bigint, number][] =>
  (rows.get(0) ?? []).map(([r, d]) => [r[0] as bigint, d]);

describe('AS OF / UP TO (pure)', () => {
  it('AS OF n puts ticks 0..n in the first step', () => {
    expect(nextStepUntil({ seed: 0, asOf: 3 }, 0n)).toBe(4n);
    expect(nextStepUntil({ seed: 0, asOf: 3 }, 4n)).toBe(5n);
    expect(nextStepUntil({ seed: 0 }, 0n)).toBe(1n);
    expect(counterValues(generateTicks('counter', { seed: 0, asOf: 3 }, 0n, 4n, 1000))).toEqual([[1n, 1], [2n, 1], [3n, 1], [4n, 1]]);
  });

  it('UP TO n drops ticks n and later', () => {
    expect(generateTicks('counter', { seed: 0, upTo: 2 }, 2n, 3n, 1000).size).toBe(0);
    // Ticks before AS OF happen at AS OF: with UP TO <= AS OF they never happen.
    expect(generateTicks('counter', { seed: 0, asOf: 5, upTo: 5 }, 0n, 6n, 1000).size).toBe(0);
    expect(counterValues(generateTicks('counter', { seed: 0, asOf: 2, upTo: 3 }, 0n, 3n, 1000))).toEqual([[1n, 1], [2n, 1], [3n, 1]]);
  });

  it('is deterministic: the same ticks give the same AUCTION rows', () => {
    const a = generateTicks('auction', { seed: 7, asOf: 5 }, 0n, 6n, 123_000);
    const b = generateTicks('auction', { seed: 7, asOf: 5 }, 0n, 6n, 123_000);
    expect(a).toEqual(b);
    expect(a.get(3)?.length).toBe(5); // one auction per tick 1..5
  });
});

/** A closed shard's contents are final: read them at the greatest timestamp. */
const END = 8_640_000_000_000_000 as Timestamp;

async function contents(persist: PersistClient, shardId: string): Promise<{ upper: number | 'closed'; rows: [bigint, number][] }> {
  const shard = await persist.open(shardId);
  const upper = shard.upper();
  if (upper === 0) return { upper: 0, rows: [] };
  const rows = (await shard.snapshot(upper === 'closed' ? END : (upper - 1) as Timestamp)).map(([r, , d]) => [r[0] as bigint, d] as [bigint, number]);
  rows.sort((x, y) => Number(x[0] - y[0]));
  return { upper, rows };
}

describe('a COUNTER source with AS OF and UP TO', () => {
  const config = (asOf: number, upTo: number, tickMs = 20): LoadGeneratorConfig => ({
    name: 'counter', generator: 'counter', tickMs, options: { seed: 0, asOf, upTo },
    shards: { progress: 'p', errors: 'e', data: ['d'] },
  });

  it('writes the ticks up to AS OF in its first step', async () => {
    const persist = await openPersistWith(new MemoryStore());
    // A long tick interval: only the first step (written at start) happens during the test.
    const handle = await startLoadGenerator(config(3, 100, 60_000), persist, silentLogger);
    try {
      let first = await contents(persist, 'd');
      for (let i = 0; i < 200 && first.rows.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 5));
        first = await contents(persist, 'd');
      }
      expect(first.rows).toEqual([[1n, 1], [2n, 1], [3n, 1], [4n, 1]]);
      expect(handle.status().offset).toBe(4n);
    } finally {
      await handle.stop();
    }
  });

  it('then one tick per interval until UP TO, where every output closes', async () => {
    const store = new MemoryStore();
    const persist = await openPersistWith(store);
    const handle = await startLoadGenerator(config(3, 6), persist, silentLogger);
    try {
      await waitFor(async () => (await contents(persist, 'p')).upper === 'closed');
      for (const id of ['p', 'e', 'd']) expect((await persist.open(id)).upper()).toBe('closed');
      expect((await contents(persist, 'd')).rows).toEqual([[1n, 1], [2n, 1], [3n, 1], [4n, 1], [5n, 1], [6n, 1]]);
      expect(handle.status().offset).toBe(6n);
      expect(handle.status().error).toBeUndefined();
    } finally {
      await handle.stop();
    }
    // A restart finds the source finished: nothing more is produced.
    const again = await startLoadGenerator(config(3, 6), await openPersistWith(store), silentLogger);
    await new Promise((r) => setTimeout(r, 100));
    await again.stop();
    expect(again.status().error).toBeUndefined();
  });

  it('UP TO at or before AS OF: no data, closed at once', async () => {
    const persist = await openPersistWith(new MemoryStore());
    const handle = await startLoadGenerator(config(5, 5), persist, silentLogger);
    await waitFor(async () => (await contents(persist, 'd')).upper === 'closed');
    await handle.stop();
    expect((await contents(persist, 'd')).rows).toEqual([]);
  });

  it('a restart completes a close that was interrupted after the progress shard', async () => {
    const store = new MemoryStore();
    const p1 = await openPersistWith(store);
    const progress = await p1.open('p');
    // The data shard's last write — its close — fails (the process dies after closing progress).
    const first = await startLoadGenerator(config(1, 2), failingPersist(p1, (id) => id === 'd' && progress.upper() === 'closed'), silentLogger);
    await waitFor(async () => first.status().error !== undefined);
    await first.stop();
    expect((await p1.open('p')).upper()).toBe('closed');
    expect((await p1.open('d')).upper()).not.toBe('closed');
    const p2 = await openPersistWith(store);
    const second = await startLoadGenerator(config(1, 2), p2, silentLogger);
    await second.stop();
    for (const id of ['p', 'e', 'd']) expect((await p2.open(id)).upper()).toBe('closed');
    expect((await contents(p2, 'd')).rows).toEqual([[1n, 1], [2n, 1]]);
  });
});

/**
 * A persist client whose shards fail `compareAndAppend` when `fail(shardId)` says so — the write does
 * not happen, as when the process dies before it: a deterministic stand-in for a crash mid-step.
 */
function failingPersist(inner: PersistClient, fail: (shardId: string) => boolean): PersistClient {
  return {
    epoch: inner.epoch,
    list: () => inner.list(),
    verify: () => inner.verify(),
    close: () => inner.close(),
    async open(id) {
      const shard = await inner.open(id);
      return new Proxy(shard, {
        get(target, prop, receiver) {
          if (prop === 'compareAndAppend') {
            return async (...args: Parameters<Shard['compareAndAppend']>) => {
              if (fail(id)) throw new Error(`injected failure appending to ${id}`);
              return target.compareAndAppend(...args);
            };
          }
          const v: unknown = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  };
}

async function waitFor(f: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function liveBindings(persist: PersistClient, shardId: string): Promise<bigint[]> {
  const shard = await persist.open(shardId);
  const upper = shard.upper();
  if (upper === 'closed' || upper === 0) return [];
  return (await shard.snapshot((upper - 1) as Timestamp)).filter(([, , d]) => d > 0).map(([r]) => r[0] as bigint);
}

describe('a load generator whose step is interrupted', () => {
  const counter = (tickMs: number): LoadGeneratorConfig => ({
    name: 'counter', generator: 'counter', tickMs, options: { seed: 0 },
    shards: { progress: 'p', errors: 'e', data: ['d'] },
  });

  it('replays its very first step after a crash that left only the binding', async () => {
    const store = new MemoryStore();
    // Process 1 dies after the first step's binding is durable, before its data is.
    const first = await startLoadGenerator(counter(60_000), failingPersist(await openPersistWith(store), (id) => id === 'd'), silentLogger);
    await waitFor(async () => first.status().error !== undefined);
    await first.stop();
    expect(first.status().error).toMatch(/injected failure/);
    const p1 = await openPersistWith(store);
    expect(await liveBindings(p1, 'p')).toEqual([1n]);
    expect((await contents(p1, 'd')).upper).toBe(0);

    // Process 2 resumes: the interrupted tick is completed, then ticks go on from offset 1.
    const p2 = await openPersistWith(store);
    const second = await startLoadGenerator(counter(10), p2, silentLogger);
    await waitFor(async () => (await contents(p2, 'd')).rows.length >= 3);
    await second.stop();
    expect(second.status().error).toBeUndefined();

    // Process 3 recovers cleanly (one live binding) and sees each value exactly once.
    const p3 = await openPersistWith(store);
    const third = await startLoadGenerator(counter(60_000), p3, silentLogger);
    await third.stop();
    expect(third.status().error).toBeUndefined();
    const bindings = await liveBindings(p3, 'p');
    expect(bindings.length).toBe(1);
    const { rows } = await contents(p3, 'd');
    const n = Number(bindings[0]!);
    expect(rows).toEqual(Array.from({ length: n }, (_, i) => [BigInt(i + 1), 1]));
  });

  it('completes a step that failed on some outputs before writing the next, in the same process', async () => {
    const store = new MemoryStore();
    const names = ['o', 'u', 'a', 'au', 'b'];
    let bidWrites = 0;
    // The third write to `bids` fails once; the other outputs took that step.
    const p = await openPersistWith(store);
    const persist = failingPersist(p, (id) => id === 'b' && ++bidWrites === 3);
    const config: LoadGeneratorConfig = { name: 'auction', generator: 'auction', tickMs: 10, options: { seed: 3 }, shards: { progress: 'p', errors: 'e', data: names } };
    const handle = await startLoadGenerator(config, persist, silentLogger);
    await waitFor(async () => (await contents(p, 'au')).rows.length >= 6);
    await handle.stop();
    const again = await startLoadGenerator({ ...config, tickMs: 60_000 }, p, silentLogger);
    await again.stop();
    expect(again.status().error).toBeUndefined();
    const auctions = (await contents(p, 'au')).rows.map(([id]) => id);
    // Every auction once, none missing, and exactly the bids each tick generates.
    expect(auctions).toEqual(Array.from({ length: auctions.length }, (_, i) => BigInt(i + 1)));
    const bids = (await contents(p, 'b')).rows;
    expect(bids.every(([, d]) => d === 1)).toBe(true);
    const expected = auctions.flatMap((o) => (generateTick('auction', { seed: 3 }, o, 0).get(4) ?? []).map(([r]) => r[0] as bigint)).sort((x, y) => Number(x - y));
    expect(bids.map(([id]) => id)).toEqual(expected);
  });
});
