/**
 * The initial snapshot: creates the replication slot with an exported snapshot, imports that snapshot
 * into a REPEATABLE READ transaction on a second connection, and COPYs every table inside it, streamed
 * in chunks (the socket is paused while a chunk is written, so a table never sits in memory whole).
 * Rows committed before the slot's consistent point are in the snapshot; every later transaction is
 * streamed from that point — the two meet exactly.
 */
import type pg from 'pg';
import type { Row, Timestamp } from '../../../repr/index.ts';
import type { Logger } from '../../../util/index.ts';
import type { SourceOutputs } from '../outputs.ts';
import { splitCopyLine } from './decode.ts';
import { type Lsn, parseLsn } from './protocol.ts';
import type { PurifiedTable } from './purify.ts';
import { RowError, TableDecoder } from './table-decoder.ts';
import { CopyStreamQuery, type PostgresConnectionConfig, connect, quoteIdent, rawConnection } from './wire.ts';

export interface SnapshotOptions {
  readonly connection: PostgresConnectionConfig;
  readonly slotName: string;
  readonly tables: readonly PurifiedTable[];
  readonly outputs: SourceOutputs;
  readonly logger: Logger;
  /** Rows per persist append. */
  readonly chunkRows: number;
  /** Called as rows are copied (status reporting). */
  readonly onProgress: (table: string, rows: number, done: boolean) => void;
}

/** Takes the snapshot; returns the slot's consistent point, where streaming starts. */
export async function takeSnapshot(opts: SnapshotOptions): Promise<Lsn> {
  const { logger } = opts;
  const repl = await connect(opts.connection, true);
  let snap: pg.Client | undefined;
  try {
    const created = await createSlot(repl, opts.slotName, logger);
    snap = await connect(opts.connection);
    await snap.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await snap.query(`SET TRANSACTION SNAPSHOT '${created.snapshotName.replace(/'/g, "''")}'`);
    // The snapshot is imported; the exporting walsender is no longer needed.
    await repl.end().catch(() => undefined);
    const consistentPoint = created.consistentPoint;
    const snapshotTime = Math.max(Date.now(), opts.outputs.upper() + 1) as Timestamp;
    logger.info({ slot: opts.slotName, consistentPoint: created.consistentPointText, tables: opts.tables.length }, 'postgres source: snapshot started');
    await opts.outputs.beginSnapshot(snapshotTime);
    const errors: [number, string][] = [];
    for (let i = 0; i < opts.tables.length; i++) {
      const err = await copyTable(snap, i, opts.tables[i]!, snapshotTime, opts);
      if (err !== undefined) errors.push([i, err]);
    }
    await snap.query('COMMIT');
    await opts.outputs.finishSnapshot(snapshotTime, consistentPoint, errors);
    logger.info({ slot: opts.slotName, snapshotTime }, 'postgres source: snapshot complete');
    return consistentPoint;
  } finally {
    await repl.end().catch(() => undefined);
    await snap?.end().catch(() => undefined);
  }
}

interface CreatedSlot {
  readonly consistentPoint: Lsn;
  readonly consistentPointText: string;
  readonly snapshotName: string;
}

async function createSlot(repl: pg.Client, slot: string, logger: Logger): Promise<CreatedSlot> {
  // EXPORT_SNAPSHOT is the spelling PostgreSQL 10–17 all accept.
  const sql = `CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput EXPORT_SNAPSHOT`;
  let res: pg.QueryResult<{ consistent_point: string; snapshot_name: string }>;
  try {
    res = await repl.query(sql);
  } catch (err) {
    if ((err as { code?: string }).code !== '42710') throw err;
    // Left over from an attempt that never completed its snapshot (recovery said: fresh), so nothing depends on it.
    logger.warn({ slot }, 'postgres source: replacing a replication slot left by an unfinished snapshot');
    await repl.query(`DROP_REPLICATION_SLOT ${quoteIdent(slot)}`);
    res = await repl.query(sql);
  }
  const row = res.rows[0];
  if (row === undefined) throw new Error('CREATE_REPLICATION_SLOT returned no row');
  return { consistentPoint: parseLsn(row.consistent_point), consistentPointText: row.consistent_point, snapshotName: row.snapshot_name };
}

/** Copies one table; returns the subsource's definite error if a row could not be decoded. */
async function copyTable(client: pg.Client, index: number, table: PurifiedTable, snapshotTime: Timestamp, opts: SnapshotOptions): Promise<string | undefined> {
  const decoder = new TableDecoder(table);
  const name = decoder.qualifiedName;
  const socket = rawConnection(client).stream;
  const fields: (string | null)[] = [];
  let chunk: Row[] = [];
  let copied = 0;
  let error: string | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let inFlight = 0;
  let flushError: unknown;
  // One chunk is written while the next one fills; the socket pauses only when both are busy.
  const flush = (): void => {
    const rows = chunk;
    chunk = [];
    inFlight++;
    if (inFlight > 1) socket.pause();
    let started = 0;
    flushing = flushing
      .then(() => {
        started = performance.now();
        return opts.outputs.writeSnapshotChunk(index, rows, snapshotTime);
      })
      .then(() => {
        copied += rows.length;
        opts.onProgress(name, copied, false);
        opts.logger.info({ table: name, rows: copied, writeMs: Math.round(performance.now() - started) }, 'postgres source: snapshot progress');
      })
      .catch((err: unknown) => {
        flushError ??= err;
      })
      .finally(() => {
        inFlight--;
        if (inFlight <= 1) socket.resume();
      });
  };
  const cols = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  const relation = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const sql = cols === '' ? `COPY (SELECT FROM ${relation}) TO STDOUT` : `COPY ${relation} (${cols}) TO STDOUT`;
  const query = new CopyStreamQuery(sql, (data) => {
    if (error !== undefined || flushError !== undefined) return;
    // PostgreSQL sends one row per CopyData message, newline-terminated.
    const line = data.toString('utf8', 0, data[data.length - 1] === 10 ? data.length - 1 : data.length);
    const n = table.columns.length === 0 ? 0 : splitCopyLine(line, fields);
    try {
      chunk.push(decoder.fromCopy(fields, n));
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      error = err.message;
      return;
    }
    if (chunk.length >= opts.chunkRows) flush();
  });
  client.query(query);
  try {
    await query.done;
  } finally {
    // Never leave a chunk write running behind a failure: recovery must see settled shards.
    await flushing;
  }
  if (chunk.length > 0) flush();
  await flushing;
  if (flushError !== undefined) throw flushError;
  opts.onProgress(name, copied, true);
  opts.logger.info({ table: name, rows: copied, error }, 'postgres source: table snapshot complete');
  return error;
}
