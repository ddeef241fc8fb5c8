/** The PostgreSQL harness starts a real, logical-replication-capable server and cleans up after itself. */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres } from './postgres.ts';

describe('startPostgres', () => {
  it('starts PostgreSQL 15+, answers queries with logical WAL, and removes its directory on stop', async () => {
    const server = await startPostgres();
    try {
      expect(server.host).toBe('127.0.0.1');
      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      try {
        const version = await client.query<{ version: string }>('select version()');
        expect(version.rows[0]?.version).toMatch(/^PostgreSQL (\d+)/);
        const major = Number(/^PostgreSQL (\d+)/.exec(version.rows[0]?.version ?? '')?.[1]);
        expect(major).toBeGreaterThanOrEqual(15);
        const wal = await client.query<{ wal_level: string }>('show wal_level');
        expect(wal.rows[0]?.wal_level).toBe('logical');
        // A logical replication slot can be created: what the CDC tests need.
        await client.query(`select pg_create_logical_replication_slot('harness_test', 'pgoutput')`);
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dataDir)).toBe(false);
    await server.stop(); // idempotent
  });
});
