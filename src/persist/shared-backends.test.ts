/**
 * Runs the persist conformance suite against the shared (scale-out) backends: PostgreSQL consensus
 * (a real PostgreSQL started by test/harness/postgres.ts) and an S3-compatible blob (s3rver, an
 * S3-compatible server from npm, in this process), in every pairing with the embedded backends.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../../test/harness/postgres.ts';
import type { Blob } from './blob.ts';
import type { PersistBackends } from './client.ts';
import { corruptFsConsensusHead, persistConformance, type StoreEnv } from './conformance.ts';
import type { Consensus } from './consensus.ts';
import { FsBlob } from './fs-blob.ts';
import { FsConsensus } from './fs-consensus.ts';
import { escapeKey } from './fs-util.ts';
import { openBackends } from './index.ts';
import { PgConsensus } from './pg-consensus.ts';
import { S3Blob, parseS3Url } from './s3-blob.ts';

let postgres: PostgresServer;
let s3: S3rver;
let s3Endpoint: string;
let s3Dir: string;
const BUCKET = 'tributary-test';
const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

beforeAll(async () => {
  s3Dir = await mkdtemp(join(tmpdir(), 'tributary-s3rver-'));
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const [pgServer, addr] = await Promise.all([startPostgres(), s3.run()]);
  postgres = pgServer;
  s3Endpoint = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  await postgres?.stop();
  await s3?.close();
  if (s3Dir !== undefined) await rm(s3Dir, { recursive: true, force: true });
});

let storeCounter = 0;

type ConsensusKind = 'pg' | 'fs';
type BlobKind = 's3' | 'fs';

/** One store: a fresh consensus table and/or data directory and/or bucket prefix. */
async function createStore(consensusKind: ConsensusKind, blobKind: BlobKind): Promise<StoreEnv> {
  const n = `${process.pid}_${++storeCounter}`;
  const table = `consensus_${n}`;
  const pgUrl = `${postgres.connectionString}?table=${table}`;
  const prefix = `store-${n}/`;
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-persist-shared-'));
  const opened: (Blob | Consensus)[] = [];
  const newBlob = async (): Promise<Blob> =>
    blobKind === 's3'
      ? new S3Blob({ bucket: BUCKET, prefix, endpoint: s3Endpoint, credentials: S3_CREDENTIALS })
      : FsBlob.open(join(dataDir, 'blob'));
  const newConsensus = async (): Promise<Consensus> =>
    consensusKind === 'pg' ? PgConsensus.open({ url: pgUrl, poolSize: 2 }) : FsConsensus.open(join(dataDir, 'consensus'));
  const backends = async (): Promise<PersistBackends> => {
    const b: PersistBackends = { blob: await newBlob(), consensus: await newConsensus() };
    opened.push(b.blob, b.consensus);
    return b;
  };
  const admin = await backends();
  return {
    backends,
    async corruptBlob(key, mutate) {
      if (blobKind === 's3') {
        const v = await admin.blob.get(key);
        if (v === undefined) throw new Error(`no blob ${key}`);
        await admin.blob.set(key, mutate(v));
      } else {
        const path = join(dataDir, 'blob', escapeKey(key));
        await writeFile(path, mutate(await readFile(path)));
      }
    },
    async corruptConsensusHead(key, mutate) {
      if (consensusKind === 'fs') {
        await corruptFsConsensusHead(join(dataDir, 'consensus'), key, mutate);
        return;
      }
      const c = new pg.Client({ connectionString: postgres.connectionString });
      await c.connect();
      try {
        const r = await c.query<{ seqno: string; data: Buffer }>(`SELECT seqno, data FROM ${table} WHERE key = $1 ORDER BY seqno DESC LIMIT 1`, [key]);
        const row = r.rows[0];
        if (row === undefined) throw new Error(`no consensus key ${key}`);
        await c.query(`UPDATE ${table} SET data = $3 WHERE key = $1 AND seqno = $2`, [key, row.seqno, Buffer.from(mutate(row.data))]);
      } finally {
        await c.end();
      }
    },
    describeBlob: (key) => admin.blob.describe(key),
    async cleanup() {
      if (consensusKind === 'pg') await (admin.consensus as PgConsensus).dropTable().catch(() => undefined);
      for (const b of opened) await b.close().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

persistConformance({ name: 'postgres consensus + fs blob', propertyRuns: 8, foreverAppends: 100, create: () => createStore('pg', 'fs') });
persistConformance({ name: 'postgres consensus + s3 blob', propertyRuns: 5, foreverAppends: 100, create: () => createStore('pg', 's3') });
persistConformance({ name: 'fs consensus + s3 blob', propertyRuns: 5, foreverAppends: 100, create: () => createStore('fs', 's3') });

describe('shared backends through openBackends', () => {
  it('opens PostgreSQL consensus + S3 blob from URLs', async () => {
    const table = `consensus_urls_${process.pid}`;
    const location = {
      backend: 'shared' as const,
      consensus: { postgres: `${postgres.connectionString}?table=${table}` },
      blob: { s3: { ...parseS3Url(`s3://${BUCKET}/urls-${process.pid}?endpoint=${encodeURIComponent(s3Endpoint)}`), credentials: S3_CREDENTIALS } },
    };
    const b = await openBackends(location);
    expect(b.consensus.name).toContain(table);
    expect(b.blob.name).toContain(`s3://${BUCKET}/urls-${process.pid}/`);
    await b.blob.set('k', new Uint8Array([7]));
    expect(await b.blob.get('k')).toEqual(new Uint8Array([7]));
    await (b.consensus as PgConsensus).dropTable();
    await b.blob.close();
    await b.consensus.close();
  });

  it('rejects malformed URLs with a clear message', async () => {
    expect(() => parseS3Url('http://bucket/x')).toThrow(/s3:\/\/bucket/);
    await expect(PgConsensus.open({ url: 'mysql://x/y' })).rejects.toThrow(/postgres:\/\//);
    await expect(PgConsensus.open({ url: `${postgres.connectionString}?table=bad-name` })).rejects.toThrow(/table name/);
  });
});
