/**
 * Helpers for the CDC tests: a real upstream PostgreSQL (test/harness/postgres.ts), a persist data
 * directory, a source over chosen tables, and readers of a subsource's contents as text rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type PersistClient, type Shard, openPersist } from '../../src/persist/index.ts';
import { type Row, type ScalarType, formatText } from '../../src/repr/index.ts';
import {
  type PostgresConnectionConfig, type PostgresSourceConfig, type PostgresSourceHandle, type PurifiedPostgresSource,
  type TableSelection, newSlotName, purifyPostgresSource, startPostgresSource,
} from '../../src/storage/index.ts';
import { createLogger, silentLogger } from '../../src/util/index.ts';

/** CDC_DEBUG=1 shows the sources' logs. */
export const testLogger = process.env['CDC_DEBUG'] === '1' ? createLogger({ level: 'debug' }) : silentLogger;
import type { PostgresServer } from '../harness/postgres.ts';

export function connectionOf(server: PostgresServer): PostgresConnectionConfig {
  return { host: server.host, port: server.port, database: server.database, user: server.user };
}

/** An upstream client whose results are raw text (no type parsing), with the source's session settings. */
export async function upstream(server: PostgresServer): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server.connectionString, options: '-c TimeZone=UTC -c extra_float_digits=1' });
  await client.connect();
  return client;
}

const rawText = { getTypeParser: () => (v: string): string => v } as unknown as pg.CustomTypesConfig;

/** Upstream rows as tab-joined text, sorted. */
export async function upstreamRows(client: pg.Client, sql: string): Promise<string[]> {
  const res = await client.query<string[]>({ text: sql, rowMode: 'array', types: rawText });
  return res.rows.map((r) => r.map((v) => (v === null ? '\\N' : v)).join('\t')).sort();
}

export function rowText(row: Row, types: readonly ScalarType[]): string {
  return row.map((d, i) => formatText(d, types[i]!) ?? '\\N').join('\t');
}

/** A subsource's contents at `asOf` as sorted text rows (a row with multiplicity n appears n times). */
export async function shardRows(shard: Shard, types: readonly ScalarType[], asOf: number): Promise<string[]> {
  const out: string[] = [];
  for (const [row, , diff] of await shard.snapshot(asOf as never)) {
    if (diff < 0) throw new Error(`negative multiplicity ${diff} for ${rowText(row, types)}`);
    for (let i = 0; i < diff; i++) out.push(rowText(row, types));
  }
  return out.sort();
}

export async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-cdc-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestSource {
  readonly handle: PostgresSourceHandle;
  readonly config: PostgresSourceConfig;
  readonly purified: PurifiedPostgresSource;
  readonly persist: PersistClient;
  /** Contents of subsource `name` at the outputs' current upper - 1. */
  rows(name: string): Promise<string[]>;
  shard(name: string): Promise<Shard>;
  types(name: string): ScalarType[];
}

export async function sourceConfig(
  server: PostgresServer, publication: string, tables: TableSelection, prefix: string,
  extra: { textColumns?: string[]; excludeColumns?: string[] } = {},
): Promise<{ config: PostgresSourceConfig; purified: PurifiedPostgresSource }> {
  const connection = connectionOf(server);
  const purified = await purifyPostgresSource({ connection, publication, tables, ...extra });
  const config: PostgresSourceConfig = {
    name: prefix,
    connection,
    publication,
    slotName: newSlotName(),
    tables: purified.tables,
    shards: { progress: `${prefix}-progress`, errors: `${prefix}-errors`, data: purified.tables.map((t) => `${prefix}-${t.subsourceName}`) },
    tuning: { tickMs: 50, publicationCheckMs: 300, retryMinMs: 100, retryMaxMs: 500 },
  };
  return { config, purified };
}

export async function startTestSource(
  config: PostgresSourceConfig, purified: PurifiedPostgresSource, persist: PersistClient,
): Promise<TestSource> {
  const handle = await startPostgresSource(config, persist, testLogger);
  const index = (name: string): number => {
    const i = purified.tables.findIndex((t) => t.subsourceName === name);
    if (i < 0) throw new Error(`no subsource ${name}`);
    return i;
  };
  const types = (name: string): ScalarType[] => purified.tables[index(name)]!.columns.map((c) => c.type);
  const shard = (name: string): Promise<Shard> => persist.open(config.shards.data[index(name)]!);
  return {
    handle, config, purified, persist, types, shard,
    rows: async (name) => {
      const upper = handle.status().upper;
      return shardRows(await shard(name), types(name), upper - 1);
    },
  };
}

export async function openFsPersist(dir: string): Promise<PersistClient> {
  return openPersist({ backend: 'fs', dataDir: dir });
}

/** The current WAL position upstream, for "has the source ingested everything committed so far". */
export async function currentLsn(client: pg.Client): Promise<bigint> {
  const res = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const [hi, lo] = res.rows[0]!.lsn.split('/');
  return (BigInt('0x' + hi) << 32n) | BigInt('0x' + lo);
}
