/**
 * Damaged data directories (issue 6): a flipped byte or truncated batch file, or a damaged shard
 * state, makes the server refuse to start — exit status 1 and a message naming the file — instead
 * of serving wrong data. Restoring the original file makes it start again with the data intact.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../support/server.ts';
import { currentLogPath, logEntries } from '../../src/persist/index.ts';

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

async function expectRefusal(server: ServerProcess, file: string): Promise<string> {
  const err = await server.restart().then(() => undefined, (e: unknown) => e as Error);
  expect(err, 'the server started on damaged data').toBeInstanceOf(Error);
  expect(err!.message).toMatch(/server exited with 1 during startup/);
  expect(err!.message).toContain('data corrupted in');
  expect(err!.message).toContain(file);
  return err!.message;
}

describe('damaged data directory', () => {
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.dispose();
  });

  it('refuses to start, naming the file, and starts again once it is restored', async () => {
    server = await startServerProcess();
    const srv = server;
    await query(srv.url, 'CREATE TABLE precious (id int, note text)');
    // Big enough to be stored as a batch file rather than inline in the shard state.
    const values = Array.from({ length: 600 }, (_, i) => `(${i}, 'row number ${i} of the precious table')`).join(', ');
    await query(srv.url, `INSERT INTO precious VALUES ${values}`);
    await srv.stop();

    const blobDir = join(srv.dataDir, 'blob');
    const biggest = readdirSync(blobDir).filter((n) => !n.startsWith('.')).map((n) => join(blobDir, n))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const original = readFileSync(biggest);

    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1]! ^= 0x10;
    writeFileSync(biggest, flipped);
    expect(await expectRefusal(srv, biggest)).toMatch(/checksum mismatch/);

    writeFileSync(biggest, original.subarray(0, original.length - 100));
    expect(await expectRefusal(srv, biggest)).toMatch(/truncated/);

    // A damaged shard state: a flipped byte in some shard's newest entry of the consensus log.
    // (A log cut short is not damage but a torn, never-acknowledged append: it is skipped.)
    writeFileSync(biggest, original);
    const head = currentLogPath(join(srv.dataDir, 'consensus'))!;
    const state = readFileSync(head);
    const entry = logEntries(state).filter((e) => e.key.startsWith('shard')).at(-1)!;
    const damaged = Buffer.from(state);
    damaged[entry.end - 7]! ^= 0x10;
    writeFileSync(head, damaged);
    await expectRefusal(srv, head);

    writeFileSync(head, state);
    await srv.restart();
    const rows = await query(srv.url, 'SELECT count(*) AS n, sum(id) AS s FROM precious');
    expect(rows).toEqual([{ n: '600', s: String((599 * 600) / 2) }]);
  }, 60_000);
});
