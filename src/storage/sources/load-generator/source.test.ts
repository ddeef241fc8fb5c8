import { describe, expect, it } from 'vitest';
import { MemoryStore, type PersistClient, openPersistWith } from '../../../persist/index.ts';
import type { Row, Timestamp } from '../../../repr/index.ts';
import { silentLogger } from '../../../util/index.ts';
import { generateTicks, nextStepUntil } from './generators.ts';
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

async function contents(persist: PersistClient, shardId: string): Promise<{ upper: number; rows: [bigint, number][] }> {
  const shard = await persist.open(shardId);
  const upper = shard.upper();
  if (upper === 'closed' || upper === 0) return { upper: 0, rows: [] };
  const rows = (await shard.snapshot((upper - 1) as Timestamp)).map(([r, , d]) => [r[0] as bigint, d] as [bigint, number]);
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

  it('then one tick per interval, and nothing from UP TO on while time moves on', async () => {
    const persist = await openPersistWith(new MemoryStore());
    const handle = await startLoadGenerator(config(3, 6), persist, silentLogger);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const later = await contents(persist, 'd');
      expect(later.rows).toEqual([[1n, 1], [2n, 1], [3n, 1], [4n, 1], [5n, 1], [6n, 1]]);
      await new Promise((r) => setTimeout(r, 100));
      expect((await contents(persist, 'd')).upper).toBeGreaterThan(later.upper);
      expect(handle.status().offset).toBe(6n);
    } finally {
      await handle.stop();
    }
    // A restart resumes after UP TO: nothing more is produced.
    const again = await startLoadGenerator(config(3, 6), persist, silentLogger);
    await new Promise((r) => setTimeout(r, 100));
    await again.stop();
    expect((await contents(persist, 'd')).rows.length).toBe(6);
  });
});
