/**
 * persist: durable shards of (row, time, diff) updates with since/upper frontiers, over two small
 * interfaces — Blob (immutable batch files) and Consensus (versioned compare-and-set state) — with
 * memory and local-filesystem backends. The only public face of src/persist/.
 */
import { join } from 'node:path';
import { silentLogger, type Logger } from '../util/index.ts';
import type { PersistClient } from './api.ts';
import { type PersistBackends, type PersistConfig, PersistClientImpl } from './client.ts';
import { FsBlob } from './fs-blob.ts';
import { FsConsensus } from './fs-consensus.ts';
import { MemoryStore } from './memory.ts';

export type { AppendResult, PersistClient, Shard, ShardBatch } from './api.ts';
export type { Blob } from './blob.ts';
export type { CasResult, Consensus, VersionedData } from './consensus.ts';
export type { CompactionConfig } from './compaction.ts';
export type { PersistBackends, PersistConfig } from './client.ts';
export { PersistError, FENCED_SQLSTATE } from './errors.ts';
export { MemoryBlob, MemoryConsensus, MemoryStore } from './memory.ts';
export { FsBlob } from './fs-blob.ts';
export { FsConsensus } from './fs-consensus.ts';

export type PersistLocation = { backend: 'memory' } | { backend: 'fs'; dataDir: string };

/** The Blob and Consensus of the embedded backends: `<dataDir>/blob` and `<dataDir>/consensus`. */
export async function openBackends(location: PersistLocation): Promise<PersistBackends> {
  switch (location.backend) {
    case 'memory':
      return new MemoryStore();
    case 'fs':
      return {
        blob: await FsBlob.open(join(location.dataDir, 'blob')),
        consensus: await FsConsensus.open(join(location.dataDir, 'consensus')),
      };
  }
}

/** Opens a persist client (a new epoch: fences earlier clients of the same data directory). */
export async function openPersist(location: PersistLocation, logger: Logger = silentLogger): Promise<PersistClient> {
  return PersistClientImpl.start(await openBackends(location), { logger });
}

/** Opens a client over explicit backends (shared memory stores in tests, future Postgres/S3). */
export async function openPersistWith(backends: PersistBackends, config: PersistConfig = {}): Promise<PersistClient> {
  return PersistClientImpl.start(backends, config);
}
