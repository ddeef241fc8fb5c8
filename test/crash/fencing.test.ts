/**
 * Two processes on one store (issue 6): starting a second server fences the first. The first's
 * writes then fail with SQLSTATE 55000 and it shuts itself down; its writes never interleave with
 * the second's. Run on one data directory, and on a shared PostgreSQL consensus + blob directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    await b.end();
  } finally {
    await second?.dispose();
    await first.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('fencing between two server processes', () => {
  let postgres: PostgresServer | undefined;
  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(async () => {
    await postgres?.stop();
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
});
