/**
 * persist: durable shards of (row, time, diff) updates with since/upper frontiers, over two small
 * interfaces — Blob (immutable batch files) and Consensus (versioned compare-and-set state) — with
 * memory, local-filesystem, PostgreSQL (Consensus) and S3-compatible (Blob) backends. The only public
 * face of src/persist/.
 */
import { join } from 'node:path';
import { silentLogger, type Logger } from '../util/index.ts';
import type { PersistClient } from './api.ts';
import { type PersistBackends, type PersistConfig, PersistClientImpl } from './client.ts';
import { FsBlob } from './fs-blob.ts';
import { FsConsensus } from './fs-consensus.ts';
import { MemoryStore } from './memory.ts';
import { PgConsensus } from './pg-consensus.ts';
import { S3Blob, type S3BlobOptions } from './s3-blob.ts';

export type { AppendResult, PersistClient, Shard, ShardBatch, SnapshotAndHistory } from './api.ts';
export type { Blob } from './blob.ts';
export type { CasResult, Consensus, VersionedData } from './consensus.ts';
export type { CompactionConfig } from './compaction.ts';
export type { PersistBackends, PersistConfig } from './client.ts';
export { PersistError, FENCED_SQLSTATE } from './errors.ts';
export { MemoryBlob, MemoryConsensus, MemoryStore } from './memory.ts';
export { FsBlob } from './fs-blob.ts';
export { FsConsensus, currentLogPath, logEntries } from './fs-consensus.ts';
export { PgConsensus, type PgConsensusOptions } from './pg-consensus.ts';
export { S3Blob, type S3BlobOptions, parseS3Url } from './s3-blob.ts';

/**
 * Where a store lives. `shared`: each half chosen separately — Consensus in PostgreSQL (`postgres`:
 * a postgres:// URL, `?table=` optional) or a local directory, Blob in an S3-compatible bucket or a
 * local directory — so several processes (or machines) can share one store; fencing keeps one writer.
 */
export type PersistLocation =
  | { backend: 'memory' }
  | { backend: 'fs'; dataDir: string }
  | {
    backend: 'shared';
    consensus: { readonly postgres: string } | { readonly dir: string };
    blob: { readonly s3: S3BlobOptions } | { readonly dir: string };
  };

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
    case 'shared': {
      const c = location.consensus;
      const consensus = 'postgres' in c ? await PgConsensus.open({ url: c.postgres }) : await FsConsensus.open(c.dir);
      const b = location.blob;
      const blob = 's3' in b ? new S3Blob(b.s3) : await FsBlob.open(b.dir);
      return { blob, consensus };
    }
  }
}

/** Opens a persist client (a new epoch: fences earlier clients of the same store). */
export async function openPersist(location: PersistLocation, logger: Logger = silentLogger, config: Omit<PersistConfig, 'logger'> = {}): Promise<PersistClient> {
  return PersistClientImpl.start(await openBackends(location), { ...config, logger });
}

/** Opens a client over explicit backends (shared memory stores in tests, future Postgres/S3). */
export async function openPersistWith(backends: PersistBackends, config: PersistConfig = {}): Promise<PersistClient> {
  return PersistClientImpl.start(backends, config);
}
export { RoutingPersistClient, EPHEMERAL_PREFIX } from './routing.ts';
