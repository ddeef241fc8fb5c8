/**
 * The periodic look upstream that the replication stream cannot give: PostgreSQL sends no message when
 * a table leaves a publication or the publication is dropped, so membership is polled; the current
 * WAL position (for lag) comes along with it.
 */
import { ingestErrors } from './errors.ts';
import { type Lsn, parseLsn } from './protocol.ts';
import type { PurifiedTable } from './purify.ts';
import { type PostgresConnectionConfig, connect } from './wire.ts';

export interface PublicationCheck {
  readonly upstreamLsn: Lsn;
  /** Subsource index → error text, for tables no longer in the publication. */
  readonly missing: readonly (readonly [number, string])[];
}

export async function checkPublication(
  connection: PostgresConnectionConfig, publication: string, tables: readonly PurifiedTable[],
): Promise<PublicationCheck> {
  const client = await connect(connection);
  try {
    const lsn = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const pub = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
    const exists = (pub.rowCount ?? 0) > 0;
    const res = !exists ? { rows: [] } : await client.query<{ oid: string }>(
      `SELECT c.oid::int8 AS oid FROM pg_publication_tables p
         JOIN pg_namespace n ON n.nspname = p.schemaname
         JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
        WHERE p.pubname = $1`, [publication]);
    const present = new Set(res.rows.map((r) => Number(r.oid)));
    const missing: [number, string][] = [];
    tables.forEach((t, i) => {
      if (present.has(t.oid)) return;
      missing.push([i, exists ? ingestErrors.removedFromPublication(`${t.schema}.${t.name}`, publication) : ingestErrors.publicationDropped(publication)]);
    });
    return { upstreamLsn: parseLsn(lsn.rows[0]!.lsn), missing };
  } finally {
    await client.end().catch(() => undefined);
  }
}
