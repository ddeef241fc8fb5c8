/**
 * Connections to the upstream PostgreSQL with `pg`: plain and replication (`replication=database`)
 * clients with the session settings every text value is decoded under, and a Submittable that runs a
 * COPY TO STDOUT or START_REPLICATION and hands each CopyData payload to a callback as it arrives
 * (nothing is accumulated: a COPY of a large table streams through).
 */
import pg from 'pg';

/** How to reach the upstream server (CREATE CONNECTION ... TO POSTGRES, with secrets resolved). */
export interface PostgresConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password?: string | undefined;
  /** SSL MODE: 'disable' (default) or 'require' (verify_ca/verify_full need certificates; not yet wired). */
  readonly sslMode?: 'disable' | 'require' | undefined;
  /** Connect timeout in milliseconds (default 10 s). */
  readonly connectTimeoutMs?: number | undefined;
}

/**
 * Output settings that make every value's text form exactly what src/repr/text.ts parses: UTC
 * timestamps with microseconds, ISO dates, postgres-style intervals, hex bytea, shortest exact floats.
 */
const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c bytea_output=hex -c extra_float_digits=1 -c client_encoding=UTF8';

export function clientConfig(conn: PostgresConnectionConfig, replication: boolean): pg.ClientConfig {
  const config: pg.ClientConfig & { replication?: string } = {
    host: conn.host,
    port: conn.port,
    database: conn.database,
    user: conn.user,
    options: SESSION_OPTIONS,
    application_name: replication ? 'tributary_replication' : 'tributary',
    connectionTimeoutMillis: conn.connectTimeoutMs ?? 10_000,
    keepAlive: true,
  };
  if (conn.password !== undefined) config.password = conn.password;
  if (conn.sslMode === 'require') config.ssl = { rejectUnauthorized: false };
  if (replication) config.replication = 'database';
  return config;
}

/** Opens a connected client; on failure the client is closed and the error rethrown. */
export async function connect(conn: PostgresConnectionConfig, replication = false): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(conn, replication));
  // A connection lost while idle must not crash the process; users of the client see query errors.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

interface RawConnection {
  readonly stream: NodeJS.ReadableStream & { pause(): void; resume(): void };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
}

/** The protocol-level connection under a pg.Client (pg exposes it; @types/pg types it partially). */
export function rawConnection(client: pg.Client): RawConnection {
  return (client as unknown as { connection: RawConnection }).connection;
}

/**
 * Runs a statement whose result is a CopyOut or CopyBoth stream, delivering each CopyData payload to
 * `onData` in order. `done` settles when the server ends the statement (ReadyForQuery) or it fails.
 */
export class CopyStreamQuery implements pg.Submittable {
  readonly done: Promise<void>;
  readonly #text: string;
  readonly #onData: (chunk: Buffer) => void;
  #resolve!: () => void;
  #reject!: (err: Error) => void;
  #error: Error | undefined;

  constructor(text: string, onData: (chunk: Buffer) => void) {
    this.#text = text;
    this.#onData = onData;
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Callers await `done` eventually; keep an early failure from being an unhandled rejection meanwhile.
    this.done.catch(() => undefined);
  }

  submit(connection: pg.Connection): void {
    (connection as unknown as RawConnection).query(this.#text);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    if (this.#error !== undefined) return;
    try {
      this.#onData(msg.chunk);
    } catch (err) {
      // Stop delivering and fail now: a CopyBoth stream has no natural end to report it at.
      this.#error = err instanceof Error ? err : new Error(String(err));
      this.#reject(this.#error);
    }
  }

  handleError(err: Error): void {
    this.#error ??= err;
    this.#reject(this.#error);
  }

  handleReadyForQuery(): void {
    if (this.#error !== undefined) this.#reject(this.#error);
    else this.#resolve();
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
}

export function quoteIdent(s: string): string {
  return '"' + s.replace(/"/g, '""') + '"';
}

export function quoteLiteral(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}
