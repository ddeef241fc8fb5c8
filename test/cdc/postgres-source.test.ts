/**
 * PostgreSQL source against a real upstream server: purification and its errors, snapshot then
 * stream, exact decoding, updates and deletes, atomic multi-table transactions, TOAST, TRUNCATE and
 * schema changes as errors, DROP SOURCE dropping the slot.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersistClient, Shard } from '../../src/persist/index.ts';
import { type Timestamp, compareFrontier, PgArray } from '../../src/repr/index.ts';
import { purifyPostgresSource } from '../../src/storage/index.ts';
import { type PostgresServer, startPostgres } from '../harness/postgres.ts';
import {
  connectionOf, openFsPersist, rowText, sourceConfig, startTestSource, tempDir, upstream, upstreamRows, waitFor,
} from './support.ts';

let server: PostgresServer;
let up: pg.Client;
let persist: PersistClient;
let dir: { dir: string; remove: () => void };

beforeAll(async () => {
  server = await startPostgres();
  up = await upstream(server);
  dir = tempDir();
  persist = await openFsPersist(dir.dir);
});

afterAll(async () => {
  await up?.end();
  await persist?.close();
  await server?.stop();
  dir?.remove();
});

describe('purify', () => {
  it('reads tables, columns and types, with TEXT COLUMNS and EXCLUDE COLUMNS', async () => {
    await up.query(`
      CREATE TYPE mood AS ENUM ('sad', 'happy');
      CREATE TABLE pur (id int8 PRIMARY KEY, name varchar(20) NOT NULL, price numeric(10,2), m mood, secret text, tags int4[]);
      ALTER TABLE pur REPLICA IDENTITY FULL;
      CREATE PUBLICATION pur_pub FOR TABLE pur;`);
    const connection = connectionOf(server);
    await expect(purifyPostgresSource({ connection, publication: 'pur_pub', tables: { kind: 'all' } }))
      .rejects.toMatchObject({ message: 'referenced tables use unsupported types', detail: expect.stringContaining('public.pur.m') });
    const p = await purifyPostgresSource({
      connection, publication: 'pur_pub', tables: { kind: 'tables', tables: [{ name: 'public.pur', alias: 'renamed' }] },
      textColumns: ['pur.m'], excludeColumns: ['public.pur.secret'],
    });
    expect(p.tables).toHaveLength(1);
    const t = p.tables[0]!;
    expect(t.subsourceName).toBe('renamed');
    expect(t.columns.map((c) => [c.name, c.type.name, c.nullable, c.asText])).toEqual([
      ['id', 'int8', false, false], ['name', 'varchar', false, false], ['price', 'numeric', true, false],
      ['m', 'text', true, true], ['tags', 'array', true, false],
    ]);
    expect(t.columns[2]!.type.typmod).toBe(((10 << 16) | 2) + 4);
    expect(t.keys).toEqual([[0]]);
  });

  it('fails with Materialize errors: missing publication, REPLICA IDENTITY, unknown table', async () => {
    await up.query('CREATE TABLE not_full (a int); CREATE PUBLICATION nf_pub FOR TABLE not_full;');
    const connection = connectionOf(server);
    await expect(purifyPostgresSource({ connection, publication: 'nope', tables: { kind: 'all' } }))
      .rejects.toMatchObject({ message: 'publication "nope" does not exist' });
    await expect(purifyPostgresSource({ connection, publication: 'nf_pub', tables: { kind: 'all' } }))
      .rejects.toMatchObject({ message: 'failed to connect to PostgreSQL database', detail: 'the following are not tables with REPLICA IDENTITY FULL: not_full' });
    await expect(purifyPostgresSource({ connection, publication: 'nf_pub', tables: { kind: 'tables', tables: [{ name: 't2' }] } }))
      .rejects.toMatchObject({ message: expect.stringContaining('table t2 not found') });
    await expect(purifyPostgresSource({ connection: { ...connection, port: 1 }, publication: 'nf_pub', tables: { kind: 'all' } }))
      .rejects.toMatchObject({ message: 'failed to connect to PostgreSQL database' });
  });
});

describe('ingestion', () => {
  it('snapshots, then streams inserts, updates and deletes, decoding every type exactly', async () => {
    await up.query(`
      CREATE TABLE typed (
        id int4 PRIMARY KEY, i2 int2, i8 int8, f4 float4, f8 float8, n numeric(20,6), nn numeric, b bool, t text,
        vc varchar(10), c char(3), by bytea, d date, tm time, ts timestamp, tz timestamptz, iv interval, u uuid,
        j json, jb jsonb, o oid, arr int4[], tarr text[], r int4range, q "char");
      ALTER TABLE typed REPLICA IDENTITY FULL;
      INSERT INTO typed VALUES
        (1, 7, 9007199254740993, 1.5, 0.1, 12345678901234.123456, 1e-30, true, 'tab\there', 'short', 'ab', '\\x00ff10',
         '2024-02-29', '12:34:56.789012', '2024-01-01 01:02:03.456789', '2024-06-30 23:59:59.999999+02', '1 year 2 mons 3 days 04:05:06.5',
         'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{"b": 1, "a": [1, 2]}', '{"b": 1, "a": [1, 2]}', 4294967295,
         '{{1,2},{3,NULL}}', '{"a b","c\\"d",NULL,""}', '[1,10)', 'x'),
        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{}', NULL, 'empty', NULL);
      CREATE PUBLICATION typed_pub FOR TABLE typed;`);
    const { config, purified } = await sourceConfig(server, 'typed_pub', { kind: 'all' }, 'typed');
    const src = await startTestSource(config, purified, persist);
    await waitFor('running', () => src.handle.status().state === 'running');
    const expected = (): Promise<string[]> => upstreamRows(up, 'SELECT * FROM typed');
    expect(await src.rows('typed')).toEqual(await expected());
    // The datums themselves, not just their text: microseconds and precision survive.
    const shard = await src.shard('typed');
    const snap = await shard.snapshot((src.handle.status().upper - 1) as Timestamp);
    const row1 = snap.map((u) => u[0]).find((r) => r[0] === 1)!;
    expect(row1[2]).toBe(9007199254740993n);
    expect(row1[15]).toBe(BigInt(Date.UTC(2024, 5, 30, 21, 59, 59)) * 1000n + 999999n);
    expect(String(row1[5])).toBe('12345678901234.123456');
    expect((row1[21] as PgArray).dims.map((d) => d.length)).toEqual([2, 2]);

    await up.query(`INSERT INTO typed (id, t, tz, n) VALUES (3, 'new', '2000-01-01 00:00:00.000001+00', 0.000001)`);
    await up.query(`UPDATE typed SET t = 'changed', arr = '{5}' WHERE id = 1`);
    await up.query(`DELETE FROM typed WHERE id = 2`);
    await up.query(`UPDATE typed SET id = 30 WHERE id = 3`);
    await waitFor('stream caught up', async () => JSON.stringify(await src.rows('typed')) === JSON.stringify(await expected()));
    const status = src.handle.status();
    expect(status.subsources[0]!.error).toBeUndefined();
    expect(status.ingestedLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(status.snapshot).toEqual([{ table: 'public.typed', rows: 2, done: true }]);
    await src.handle.stop();
  });

  it('makes every upstream transaction visible atomically, across tables', async () => {
    await up.query(`
      CREATE TABLE acct_a (id int PRIMARY KEY, balance int NOT NULL);
      CREATE TABLE acct_b (id int PRIMARY KEY, balance int NOT NULL);
      ALTER TABLE acct_a REPLICA IDENTITY FULL; ALTER TABLE acct_b REPLICA IDENTITY FULL;
      INSERT INTO acct_a SELECT g, 100 FROM generate_series(1, 10) g;
      INSERT INTO acct_b SELECT g, 100 FROM generate_series(1, 10) g;
      CREATE PUBLICATION acct_pub FOR TABLE acct_a, acct_b;`);
    const { config, purified } = await sourceConfig(server, 'acct_pub', { kind: 'all' }, 'acct');
    const src = await startTestSource(config, purified, persist);
    const shards = [await src.shard('acct_a'), await src.shard('acct_b')];
    // Every change of both shards, by time (the snapshot's chunks count at the snapshot time, via since).
    const byTime = new Map<number, number>();
    const listen = (s: Shard): void => {
      s.listen(0 as Timestamp, (batch) => {
        for (const [row, t, diff] of batch.updates) {
          const at = Math.max(t, Number(s.since()));
          byTime.set(at, (byTime.get(at) ?? 0) + (row[1] as number) * diff);
        }
      });
    };
    shards.forEach(listen);
    await waitFor('running', () => src.handle.status().state === 'running');
    for (let i = 0; i < 150; i++) {
      const amount = 1 + (i % 7);
      const [from, to] = i % 2 === 0 ? ['acct_a', 'acct_b'] : ['acct_b', 'acct_a'];
      const a = 1 + (i % 10);
      const b = 1 + ((i * 3) % 10);
      await up.query(`BEGIN; UPDATE ${from} SET balance = balance - ${amount} WHERE id = ${a};
        UPDATE ${to} SET balance = balance + ${amount} WHERE id = ${b}; COMMIT;`);
    }
    const expectA = await upstreamRows(up, 'SELECT * FROM acct_a');
    const expectB = await upstreamRows(up, 'SELECT * FROM acct_b');
    await waitFor('transfers ingested', async () =>
      JSON.stringify([await src.rows('acct_a'), await src.rows('acct_b')]) === JSON.stringify([expectA, expectB]));
    // The total is 2000 at every time any change became visible.
    let total = 0;
    const times = [...byTime.keys()].sort((x, y) => x - y);
    expect(times.length).toBeGreaterThan(1);
    for (const t of times) {
      total += byTime.get(t)!;
      expect(total, `total at time ${t}`).toBe(2000);
    }
    // All outputs share their upper, and it keeps moving while idle.
    const u1 = src.handle.status().upper;
    await waitFor('idle uppers advance', () => src.handle.status().upper > u1 + 50);
    for (const s of [...shards, await persist.open(config.shards.progress), await persist.open(config.shards.errors)]) {
      expect(compareFrontier(s.upper(), (u1 + 1) as Timestamp)).toBeGreaterThan(0);
    }
    await src.handle.stop();
  });

  it('acknowledges WAL of unrelated tables while idle, so the slot does not hold it', async () => {
    await up.query(`
      CREATE TABLE watched (id int PRIMARY KEY); CREATE TABLE unrelated (id int);
      ALTER TABLE watched REPLICA IDENTITY FULL; CREATE PUBLICATION idle_pub FOR TABLE watched;`);
    const { config, purified } = await sourceConfig(server, 'idle_pub', { kind: 'all' }, 'idle');
    const src = await startTestSource(config, purified, persist);
    await waitFor('running', () => src.handle.status().state === 'running');
    for (let i = 0; i < 20; i++) await up.query('INSERT INTO unrelated VALUES ($1)', [i]);
    const lsn = (await up.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
    await waitFor('slot confirmed past unrelated writes', async () => {
      const r = await up.query<{ ok: boolean }>('SELECT confirmed_flush_lsn >= $2::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $1', [config.slotName, lsn]);
      return r.rows[0]?.ok === true;
    });
    // Only durable positions are acknowledged: the source's durable frontier is at least as far.
    const toBig = (t: string): bigint => (BigInt('0x' + t.split('/')[0]) << 32n) | BigInt('0x' + t.split('/')[1]);
    expect(toBig(src.handle.status().ingestedLsn!) >= toBig(lsn)).toBe(true);
    await src.handle.stop();
  });

  it('carries unchanged TOAST values over from the old row', async () => {
    await up.query(`
      CREATE TABLE toasty (id int PRIMARY KEY, big text, n int);
      ALTER TABLE toasty REPLICA IDENTITY FULL;
      ALTER TABLE toasty ALTER COLUMN big SET STORAGE EXTERNAL;
      CREATE PUBLICATION toast_pub FOR TABLE toasty;`);
    const { config, purified } = await sourceConfig(server, 'toast_pub', { kind: 'all' }, 'toast');
    const src = await startTestSource(config, purified, persist);
    await waitFor('running', () => src.handle.status().state === 'running');
    await up.query(`INSERT INTO toasty SELECT 1, string_agg(md5(g::text), ''), 0 FROM generate_series(1, 1000) g`);
    await up.query(`UPDATE toasty SET n = n + 1 WHERE id = 1`);
    await up.query(`UPDATE toasty SET n = n + 1 WHERE id = 1`);
    const expected = await upstreamRows(up, 'SELECT * FROM toasty');
    await waitFor('updates ingested', async () => JSON.stringify(await src.rows('toasty')) === JSON.stringify(expected));
    const rows = await src.rows('toasty');
    expect(rows[0]!.split('\t')[1]!.length).toBe(32_000);
    expect(src.handle.status().subsources[0]!.error).toBeUndefined();
    await src.handle.stop();
  });

  it('puts a subsource into an error state on TRUNCATE and incompatible ALTER TABLE, leaving others alone', async () => {
    await up.query(`
      CREATE TABLE tr (id int PRIMARY KEY); CREATE TABLE alt (id int PRIMARY KEY, x text, y int); CREATE TABLE ok (id int PRIMARY KEY);
      ALTER TABLE tr REPLICA IDENTITY FULL; ALTER TABLE alt REPLICA IDENTITY FULL; ALTER TABLE ok REPLICA IDENTITY FULL;
      INSERT INTO tr VALUES (1); INSERT INTO alt VALUES (1, 'a', 1); INSERT INTO ok VALUES (1);
      CREATE PUBLICATION err_pub FOR TABLE tr, alt, ok;`);
    const { config, purified } = await sourceConfig(server, 'err_pub', { kind: 'all' }, 'err');
    const src = await startTestSource(config, purified, persist);
    await waitFor('running', () => src.handle.status().state === 'running');
    // Adding a column is compatible: ignored.
    await up.query(`ALTER TABLE alt ADD COLUMN extra int; INSERT INTO alt VALUES (2, 'b', 2, 9)`);
    await up.query(`TRUNCATE tr`);
    await up.query(`INSERT INTO ok VALUES (2)`);
    await waitFor('ok ingested', async () => (await src.rows('ok')).length === 2);
    expect(await src.rows('alt')).toEqual(['1\ta\t1', '2\tb\t2']);
    await up.query(`ALTER TABLE alt DROP COLUMN y; INSERT INTO alt VALUES (3, 'c')`);
    await up.query(`INSERT INTO ok VALUES (3)`);
    await waitFor('ok ingested', async () => (await src.rows('ok')).length === 3);
    const subs = src.handle.status().subsources;
    expect(subs.find((s) => s.name === 'tr')!.error).toBe('source table public.tr got truncated');
    expect(subs.find((s) => s.name === 'alt')!.error).toMatch(/incompatible schema change: source table public\.alt with oid \d+ has been altered/);
    expect(subs.find((s) => s.name === 'ok')!.error).toBeUndefined();
    // The errors are data: durable in the errors shard, readable at the current time.
    const errors = await persist.open(config.shards.errors);
    const errRows = (await errors.snapshot((src.handle.status().upper - 1) as Timestamp)).map((u) => rowText(u[0], [{ name: 'text' }, { name: 'text' }]));
    expect(errRows.sort()).toEqual([
      expect.stringMatching(/^err-alt\tincompatible schema change/), 'err-tr\tsource table public.tr got truncated',
    ].sort((a, b) => (typeof a === 'string' && typeof b === 'string' ? a.localeCompare(b) : typeof a === 'string' ? 1 : -1)));
    await src.handle.stop();
  });

  it('errors a table removed from the publication; DROP SOURCE drops the slot', async () => {
    await up.query(`
      CREATE TABLE p1 (id int PRIMARY KEY); CREATE TABLE p2 (id int PRIMARY KEY);
      ALTER TABLE p1 REPLICA IDENTITY FULL; ALTER TABLE p2 REPLICA IDENTITY FULL;
      CREATE PUBLICATION rm_pub FOR TABLE p1, p2;`);
    const { config, purified } = await sourceConfig(server, 'rm_pub', { kind: 'all' }, 'rm');
    const src = await startTestSource(config, purified, persist);
    await waitFor('running', () => src.handle.status().state === 'running');
    const slots = async (): Promise<number> => (await up.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [config.slotName])).rowCount ?? 0;
    expect(await slots()).toBe(1);
    await up.query('ALTER PUBLICATION rm_pub DROP TABLE p2');
    await waitFor('p2 errored', () => src.handle.status().subsources[1]!.error !== undefined);
    expect(src.handle.status().subsources[1]!.error).toBe('table public.p2 was removed from publication rm_pub (or dropped)');
    expect(src.handle.status().subsources[0]!.error).toBeUndefined();
    await src.handle.drop();
    expect(await slots()).toBe(0);
    expect(await persist.list()).not.toContain(config.shards.progress);
  });

  it('a slot dropped upstream fails the source and errors every subsource', async () => {
    await up.query(`CREATE TABLE sd (id int PRIMARY KEY); ALTER TABLE sd REPLICA IDENTITY FULL; CREATE PUBLICATION sd_pub FOR TABLE sd;`);
    const { config, purified } = await sourceConfig(server, 'sd_pub', { kind: 'all' }, 'sd');
    const src = await startTestSource(config, purified, persist);
    await waitFor('running', () => src.handle.status().state === 'running');
    await up.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1`, [config.slotName]);
    await waitFor('slot dropped', async () => {
      await up.query(`SELECT pg_drop_replication_slot($1)`, [config.slotName]);
      return true;
    });
    await waitFor('failed', () => src.handle.status().state === 'failed');
    expect(src.handle.status().error).toMatch(/replication slot .* does not exist/);
    await waitFor('error visible', () => src.handle.status().subsources[0]!.error !== undefined);
    const errors = await persist.open(config.shards.errors);
    await waitFor('error durable', async () => (await errors.snapshot((errors.upper() as number - 1) as Timestamp)).length === 1);
    await src.handle.stop();
  });
});
