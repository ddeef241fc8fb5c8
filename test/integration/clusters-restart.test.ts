/**
 * Clusters live in the durable catalog: clusters, their replicas, renames, and which cluster each
 * materialized view and index runs on survive a restart, and cluster ids are never reused; a
 * catalog written before clusters were recorded gets `quickstart`, the cluster its objects ran on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startTributary, type Tributary } from '../../src/main.ts';
import { openPersist } from '../../src/persist/index.ts';
import type { Timestamp } from '../../src/repr/index.ts';

const dirs: string[] = [];
const running: Tributary[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<{ trib: Tributary; q: (sql: string) => Promise<unknown[][]>; close: () => Promise<void> }> {
  const trib = await startTributary({ host: '127.0.0.1', port: 0, dataDir });
  running.push(trib);
  const client = new pg.Client({ host: '127.0.0.1', port: trib.port, user: 'materialize', database: 'materialize' });
  client.on('error', () => undefined); // the server may close first when a test fails
  await client.connect();
  return {
    trib,
    q: async (sql) => (await client.query({ text: sql, rowMode: 'array' })).rows as unknown[][],
    close: async () => {
      await client.end();
      running.splice(running.indexOf(trib), 1);
      await trib.close();
    },
  };
}

describe('clusters in the durable catalog', () => {
  it('survive a restart with their replicas and objects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-clusters-'));
    dirs.push(dir);
    const a = await start(dir);
    await a.q("CREATE CLUSTER c1 (SIZE = '50cc', REPLICATION FACTOR = 2)");
    await a.q("CREATE CLUSTER c2 REPLICAS (x (SIZE '1'))");
    await a.q("CREATE CLUSTER REPLICA c2.y SIZE = '2'");
    await a.q('CREATE TABLE t (a int)');
    await a.q('INSERT INTO t VALUES (1), (2), (3)');
    await a.q('CREATE MATERIALIZED VIEW mv IN CLUSTER c1 AS SELECT count(*) AS n FROM t');
    await a.q('CREATE INDEX t_idx IN CLUSTER c2 ON t (a)');
    await a.q('ALTER CLUSTER c2 RENAME TO c2b');
    await a.q('CREATE CLUSTER gone (SIZE = \'1\')');
    await a.q('DROP CLUSTER gone');
    const clustersBefore = await a.q('SELECT id, name, managed, size, replication_factor FROM mz_clusters ORDER BY id');
    const replicasBefore = await a.q('SELECT id, name, cluster_id, size FROM mz_cluster_replicas ORDER BY id');
    await a.close();

    const b = await start(dir);
    expect(await b.q('SELECT id, name, managed, size, replication_factor FROM mz_clusters ORDER BY id')).toEqual(clustersBefore);
    expect(await b.q('SELECT id, name, cluster_id, size FROM mz_cluster_replicas ORDER BY id')).toEqual(replicasBefore);
    expect(await b.q('SHOW MATERIALIZED VIEWS')).toEqual([['mv', 'c1', '']]);
    expect(await b.q('SHOW INDEXES')).toEqual([['t_idx', 't', 'c2b', ['a'], '']]);
    expect(await b.q('SELECT n FROM mv')).toEqual([['3']]);
    // Ids are never reused: the next cluster gets a fresh one even though `gone` was dropped.
    await b.q("CREATE CLUSTER c3 (SIZE = '1')");
    const ids = (await b.q("SELECT id FROM mz_clusters WHERE id LIKE 'u%' ORDER BY id")).map((r) => r[0]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain('u4');
    await expect(b.q('DROP CLUSTER c1')).rejects.toThrow('cannot drop cluster "c1" because other objects depend on it');
    await b.q('DROP CLUSTER c1 CASCADE');
    await b.close();

    const c = await start(dir);
    expect(await c.q('SHOW MATERIALIZED VIEWS')).toEqual([]);
    expect((await c.q("SELECT name FROM mz_clusters WHERE id LIKE 'u%' ORDER BY name")).map((r) => r[0])).toEqual(['c2b', 'c3', 'quickstart']);
    await c.close();
  }, 60_000);
});

describe('a catalog written before clusters were recorded', () => {
  it('gets quickstart at boot, and its objects run on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-clusters-legacy-'));
    dirs.push(dir);
    const a = await start(dir);
    await a.q('CREATE TABLE t (a int)');
    await a.q('INSERT INTO t VALUES (1), (2)');
    await a.q('CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n FROM t');
    await a.q('CREATE INDEX t_idx ON t (a)');
    await a.close();

    // Rewrite the durable catalog as an older version wrote it: no cluster records, no cluster ids.
    const persist = await openPersist({ backend: 'fs', dataDir: dir });
    const shard = await persist.open('catalog');
    const upper = shard.upper() as number;
    const updates: (readonly [unknown[], Timestamp, number])[] = [];
    for (const [row, , diff] of await shard.snapshot((upper - 1) as Timestamp)) {
      const [key, json] = row as [string, string];
      const e = JSON.parse(json) as Record<string, unknown>;
      if (e.type === 'cluster' || e.type === 'clusterReplica' || e.type === 'idAlloc' || e.clusterId !== undefined) {
        updates.push([row as unknown[], upper as Timestamp, -diff]);
        if (e.type === 'cluster' || e.type === 'clusterReplica') continue;
        delete e.clusterId;
        delete e.nextClusterId;
        delete e.nextReplicaId;
        updates.push([[key, JSON.stringify(e)], upper as Timestamp, diff]);
      }
    }
    const removed = updates.filter(([, , d]) => d < 0).map(([row]) => String(row[0]).split('/')[0]);
    expect(removed.filter((k) => k === 'cluster')).toHaveLength(1);
    expect(removed.filter((k) => k === 'item')).toHaveLength(2);
    expect((await shard.compareAndAppend(updates as never, upper as Timestamp, (upper + 1) as Timestamp)).ok).toBe(true);
    await persist.close();

    const b = await start(dir);
    expect(await b.q("SELECT id, name FROM mz_clusters WHERE id LIKE 'u%'")).toEqual([['u1', 'quickstart']]);
    expect(await b.q('SHOW MATERIALIZED VIEWS')).toEqual([['mv', 'quickstart', '']]);
    expect(await b.q('SHOW INDEXES')).toEqual([['t_idx', 't', 'quickstart', ['a'], '']]);
    expect(await b.q('SELECT n FROM mv')).toEqual([['2']]);
    await expect(b.q('DROP CLUSTER quickstart')).rejects.toThrow('cannot drop cluster "quickstart" because other objects depend on it');
    await b.close();
  }, 60_000);
});
