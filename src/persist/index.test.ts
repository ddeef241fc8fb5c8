/** The public entry point: openPersist on both embedded backends. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../repr/index.ts';
import { openPersist } from './index.ts';

describe('openPersist', () => {
  it('memory: each open is a fresh store', async () => {
    const a = await openPersist({ backend: 'memory' });
    await (await a.open('x')).compareAndAppend([[['v'], 0 as Timestamp, 1]], 0 as Timestamp, 1 as Timestamp);
    const b = await openPersist({ backend: 'memory' });
    expect(await b.list()).toEqual([]);
    expect(await a.list()).toEqual(['x']);
    await a.close();
    await b.close();
  });

  it('fs: lays out blob/ and consensus/ and survives a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-persist-open-'));
    try {
      const a = await openPersist({ backend: 'fs', dataDir });
      await (await a.open('u1')).compareAndAppend([[[1, 'one'], 5 as Timestamp, 1]], 0 as Timestamp, 10 as Timestamp);
      await a.close();
      expect((await readdir(dataDir)).sort()).toEqual(['blob', 'consensus']);
      const b = await openPersist({ backend: 'fs', dataDir });
      expect(b.epoch).toBe(a.epoch + 1);
      const s = await b.open('u1');
      expect(s.upper()).toBe(10);
      expect(await s.snapshot(9 as Timestamp)).toEqual([[[1, 'one'], 9, 1]]);
      await b.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
