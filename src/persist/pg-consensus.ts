/**
 * The PostgreSQL Consensus: one row per version in a table `(key, seqno, data)` with primary key
 * (key, seqno), so several Tributary processes can share state through one database.
 *
 * compareAndSet is one conditional INSERT: it inserts version `expected + 1` only if the key's
 * largest seqno is `expected` (or the key has no rows) and, with a fence, only if the fence key's
 * largest seqno is the fence's; `ON CONFLICT DO NOTHING` turns a lost race into zero rows. Stale
 * expectations below a truncated prefix fail too, because the condition is on the head, not on the
 * absence of the row. Truncation never removes the head.
 *
 * Fencing atomicity: under READ COMMITTED a statement's snapshot could predate a concurrent epoch
 * bump that commits before our insert does. So each compare-and-set runs in a transaction that
 * first takes a transaction-scoped advisory lock: exclusive on its own key, shared on the fence key.
 * An epoch bump (a write to the fence key) therefore waits for fenced writes in flight, and a fenced
 * write that starts after it sees the new epoch in the INSERT's fresh snapshot.
 *
 * Each stored value carries a CRC-32 trailer (like the fs backend's version files), so a row damaged
 * outside Tributary is reported as corrupt rather than decoded into wrong state.
 */
import { crc32 } from 'node:zlib';
import pg from 'pg';
import { dataCorrupted } from '../repr/index.ts';
import type { CasResult, Consensus, Fence, VersionedData } from './consensus.ts';
import { checkNextSeqNo } from './consensus.ts';

/** Advisory lock class id, so our locks never collide with an application's single-key locks. */
const LOCK_CLASS = 0x54524942; // 'TRIB'

export interface PgConsensusOptions {
  /** `postgres://user@host:port/database`; `?table=name` picks the table (default tributary_consensus). */
  readonly url: string;
  /** Connections in the pool (default 4). */
  readonly poolSize?: number;
}

export class PgConsensus implements Consensus {
  readonly name: string;
  readonly table: string;
  private readonly pool: pg.Pool;
  private closed = false;

  private constructor(pool: pg.Pool, table: string, name: string) {
    this.pool = pool;
    this.table = table;
    this.name = name;
  }

  /** Connects and creates the table if it does not exist. */
  static async open(opts: PgConsensusOptions): Promise<PgConsensus> {
    const { connectionString, table, display } = parseUrl(opts.url);
    const pool = new pg.Pool({ connectionString, max: opts.poolSize ?? 4, application_name: 'tributary-persist' });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const c = new PgConsensus(pool, table, `postgres:${display}#${table}`);
    try {
      await c.createTable();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new Error(`persist: cannot use PostgreSQL consensus at ${display}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return c;
  }

  private async createTable(): Promise<void> {
    const client = await this.pool.connect();
    try {
      // Serialize concurrent creators: CREATE TABLE IF NOT EXISTS can still race on the catalog.
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_CLASS]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
        key text NOT NULL, seqno bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (key, seqno))`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async head(key: string): Promise<VersionedData | undefined> {
    const r = await this.pool.query<{ seqno: string; data: Buffer }>(
      `SELECT seqno, data FROM ${this.table} WHERE key = $1 ORDER BY seqno DESC LIMIT 1`, [key]);
    const row = r.rows[0];
    return row && this.decode(key, row);
  }

  async compareAndSet(key: string, expected: number | undefined, next: VersionedData, fence?: Fence): Promise<CasResult> {
    checkNextSeqNo(expected, next);
    const client = await this.pool.connect();
    let inserted: boolean;
    let fenceHead: number | undefined;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, key]);
      if (fence !== undefined && fence.key !== key) {
        await client.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [LOCK_CLASS, fence.key]);
      }
      const params: unknown[] = [key, next.seqNo, encodeValue(next.data)];
      const param = (v: unknown): string => `$${params.push(v)}`;
      const headCond = expected === undefined
        ? `NOT EXISTS (SELECT 1 FROM ${this.table} WHERE key = $1)`
        : `(SELECT max(seqno) FROM ${this.table} WHERE key = $1) = ${param(expected)}`;
      const fenceCond = fence === undefined
        ? 'true'
        : `coalesce((SELECT max(seqno) FROM ${this.table} WHERE key = ${param(fence.key)}), 0) = ${param(fence.seqNo)}`;
      const r = await client.query(
        `INSERT INTO ${this.table} (key, seqno, data) SELECT $1, $2, $3 WHERE ${headCond} AND ${fenceCond} ON CONFLICT DO NOTHING`,
        params);
      inserted = r.rowCount === 1;
      if (!inserted && fence !== undefined) {
        const f = await client.query<{ s: string | null }>(`SELECT max(seqno) AS s FROM ${this.table} WHERE key = $1`, [fence.key]);
        const s = Number(f.rows[0]?.s ?? 0);
        if (s !== fence.seqNo) fenceHead = s;
      }
      await client.query('COMMIT');
    } catch (err) {
      // The connection may be dead (or the COMMIT's outcome unknown): roll back if we still can,
      // and never hand this connection to the next caller.
      broken = err instanceof Error ? err : new Error(String(err));
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release(broken);
    }
    if (inserted) return { ok: true };
    if (fenceHead !== undefined) return { ok: false, fencedBy: fenceHead };
    return { ok: false, current: await this.head(key) };
  }

  async scan(key: string, from: number, limit = Infinity): Promise<VersionedData[]> {
    const r = await this.pool.query<{ seqno: string; data: Buffer }>(
      `SELECT seqno, data FROM ${this.table} WHERE key = $1 AND seqno >= $2 ORDER BY seqno LIMIT $3`,
      [key, from, Number.isFinite(limit) ? limit : null]);
    return r.rows.map((row) => this.decode(key, row));
  }

  async truncate(key: string, upTo: number): Promise<number> {
    const h = await this.head(key);
    if (h === undefined || upTo > h.seqNo) throw new Error(`internal error: truncate(${key}, ${upTo}) beyond head ${h?.seqNo}`);
    const r = await this.pool.query(`DELETE FROM ${this.table} WHERE key = $1 AND seqno < $2`, [key, upTo]);
    return r.rowCount ?? 0;
  }

  async list(): Promise<string[]> {
    const r = await this.pool.query<{ key: string }>(`SELECT DISTINCT key FROM ${this.table}`);
    return r.rows.map((row) => row.key);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  describe(key: string, seqNo: number): string {
    return `consensus ${this.name} key ${key} version ${seqNo}`;
  }

  private decode(key: string, row: { seqno: string; data: Buffer }): VersionedData {
    const seqNo = Number(row.seqno);
    return { seqNo, data: decodeValue(row.data, this.describe(key, seqNo)) };
  }

  /** Drops the table (tests). */
  async dropTable(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.table}`);
  }
}

function encodeValue(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(data.length + 4);
  out.set(data, 0);
  out.writeUInt32LE(crc32(data), data.length);
  return out;
}

function decodeValue(b: Buffer, source: string): Uint8Array {
  if (b.length < 4) throw dataCorrupted(source, `${b.length} bytes is too short for a consensus value`);
  const data = b.subarray(0, b.length - 4);
  const stored = b.readUInt32LE(b.length - 4);
  const actual = crc32(data);
  if (stored !== actual) throw dataCorrupted(source, `checksum mismatch (stored ${stored}, computed ${actual})`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Splits our `table` parameter off the URL (pg would send it to the server as a setting). */
function parseUrl(url: string): { connectionString: string; table: string; display: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`persist: invalid PostgreSQL consensus URL "${url}"`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new Error(`persist: consensus URL must start with postgres:// (got "${u.protocol}")`);
  }
  const table = u.searchParams.get('table') ?? 'tributary_consensus';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new Error(`persist: invalid consensus table name "${table}"`);
  u.searchParams.delete('table');
  const display = `//${u.username === '' ? '' : `${decodeURIComponent(u.username)}@`}${u.host}${u.pathname}`;
  return { connectionString: u.toString(), table, display };
}
