/** Runs the persist conformance suite against the memory and local-filesystem backends. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corruptFsConsensusHead, persistConformance } from './conformance.ts';
import { FsBlob } from './fs-blob.ts';
import { FsConsensus } from './fs-consensus.ts';
import { escapeKey } from './fs-util.ts';
import { MemoryStore } from './memory.ts';

persistConformance({
  name: 'memory',
  propertyRuns: 60,
  foreverAppends: 2000,
  async create() {
    const store = new MemoryStore();
    return {
      backends: async () => store,
      async corruptBlob(key, mutate) {
        const v = store.blob.values.get(key);
        if (v === undefined) throw new Error(`no blob ${key}`);
        store.blob.values.set(key, mutate(v));
      },
      describeBlob: (key) => store.blob.describe(key),
      cleanup: async () => undefined,
    };
  },
});

persistConformance({
  name: 'fs',
  propertyRuns: 15,
  foreverAppends: 300,
  async create() {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-persist-'));
    const blobDir = join(dataDir, 'blob');
    const consensusDir = join(dataDir, 'consensus');
    return {
      backends: async () => ({ blob: await FsBlob.open(blobDir), consensus: await FsConsensus.open(consensusDir) }),
      async corruptBlob(key, mutate) {
        const path = join(blobDir, escapeKey(key));
        await writeFile(path, mutate(await readFile(path)));
      },
      corruptConsensusHead: (key, mutate) => corruptFsConsensusHead(consensusDir, key, mutate),
      describeBlob: (key) => `file ${join(blobDir, escapeKey(key))}`,
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  },
});
