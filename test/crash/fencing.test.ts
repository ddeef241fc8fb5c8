/**
 * Two processes on one store (issue 6): starting a second server fences the first. The first's
 * writes then fail with SQLSTATE 55000 and it shuts itself down; its writes never interleave with
 * the second's. Run on one data directory, on a shared PostgreSQL consensus + blob directory, and on
 * PostgreSQL consensus + an S3-compatible blob store (s3rver, in this process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Blob } from '../../src/persist/index.ts';
import { type PostgresServer, startPostgres } from '../harness/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

async function fencingScenario(start: (dataDir: string) => Promise<ServerProcess>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-fencing-'));
  const first = await start(dataDir);
  let second: ServerProcess | undefined;
  try {
    const a = await connect(first.url);
    await a.query('CREATE TABLE shared (id int, who text)');
    await a.query(`INSERT INTO shared VALUES (1, 'first')`);
    // Big enough to be stored as a batch in the blob store, not inline in the shard state.
    await a.query('CREATE TABLE bulk (id int, note text)');
    await a.query(`INSERT INTO bulk SELECT g, 'bulk row ' || g FROM generate_series(1, 500) g`);

    second = await start(dataDir);
    // The first process either rejects the write as fenced or has already shut down.
    const err = await a.query(`INSERT INTO shared VALUES (2, 'first, after the takeover')`)
      .then(() => undefined, (e: unknown) => e as Error & { code?: string; severity?: string });
    expect(err, 'a fenced process accepted a write').toBeDefined();
    if (err!.severity !== undefined) {
      // An ErrorResponse from the server (not a closed connection).
      expect(err!.code).toBe('55000');
      expect(err!.message).toMatch(/fenced/);
    }
    await a.end().catch(() => undefined);
    expect(await waitFor(() => first.exited(), 10_000), 'the fenced process kept running').toBe(true);
    expect(first.output()).toMatch(/fenced/);

    const b = await connect(second.url);
    await b.query(`INSERT INTO shared VALUES (3, 'second')`);
    const rows = (await b.query<{ id: number; who: string }>('SELECT id, who FROM shared ORDER BY id')).rows;
    expect(rows).toEqual([{ id: 1, who: 'first' }, { id: 3, who: 'second' }]);
    expect((await b.query<{ n: string }>('SELECT count(*) AS n FROM bulk')).rows).toEqual([{ n: '500' }]);
    await b.end();
  } finally {
    await second?.dispose();
    await first.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('fencing between two server processes', () => {
  let postgres: PostgresServer | undefined;
  let s3: S3rver | undefined;
  let s3Endpoint = '';
  const s3Dir = mkdtempSync(join(tmpdir(), 'tributary-fencing-s3-'));
  beforeAll(async () => {
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir, configureBuckets: [{ name: 'fencing', configs: [] }] });
    const [pgServer, addr] = await Promise.all([startPostgres(), s3.run()]);
    postgres = pgServer;
    s3Endpoint = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(async () => {
    await postgres?.stop();
    await s3?.close();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  it('one data directory: the second start fences the first', async () => {
    await fencingScenario((dataDir) => startServerProcess({ dataDir }));
  }, 60_000);

  it('shared PostgreSQL consensus and blob directory: the second start fences the first', async () => {
    const consensus = `${postgres!.connectionString}?table=fencing_${process.pid}`;
    const blobDir = mkdtempSync(join(tmpdir(), 'tributary-fencing-blob-'));
    try {
      // Each process has its own data directory: only the shared backends connect them.
      await fencingScenario(() => startServerProcess({ args: ['--persist-consensus', consensus, '--persist-blob', blobDir] }));
    } finally {
      rmSync(blobDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('PostgreSQL consensus and an S3-compatible blob store: the second start fences the first', async () => {
    const consensus = `${postgres!.connectionString}?table=fencing_s3_${process.pid}`;
    const blob = `s3://fencing/store-${process.pid}?endpoint=${encodeURIComponent(s3Endpoint)}`;
    // The server child inherits these (the SDK's default credential chain reads them).
    process.env['AWS_ACCESS_KEY_ID'] = 'S3RVER';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'S3RVER';
    await fencingScenario(() => startServerProcess({ args: ['--persist-consensus', consensus, '--persist-blob', blob] }));
    const store = new S3Blob({ bucket: 'fencing', prefix: `store-${process.pid}/`, endpoint: s3Endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    expect((await store.list('')).length, 'no batch was written to the S3 store').toBeGreaterThan(0);
    await store.close();
  }, 60_000);
});
