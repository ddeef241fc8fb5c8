/**
 * The pgwire side of the runner: `pg` clients that return every value as its raw text (formatting
 * is format.ts's job), the extended protocol for statement/query records and the simple protocol for
 * `simple` records, COPY FROM STDIN, and errors rendered as Materialize's runner sees them
 * (`db error: ERROR: <message>` plus DETAIL/HINT lines).
 */
import pg from 'pg';

/** A query result with raw text values (`null` = SQL NULL). */
export interface RawResult {
  readonly command: string;
  readonly rowCount: number;
  readonly columns: readonly { readonly name: string; readonly oid: number }[];
  readonly rows: readonly (readonly (string | null)[])[];
}

const rawText = (value: string): string => value;
/** Every type is returned as the server's text. */
const RAW_TYPES = { getTypeParser: () => rawText } as unknown as pg.CustomTypesConfig;

export interface ConnectOptions {
  readonly connectionString: string;
  /** Overrides the user of the connection string (`simple conn=x,user=y`). */
  readonly user?: string;
  readonly connectTimeoutMs?: number;
}

export class SltClient {
  private readonly client: pg.Client;
  private broken: Error | undefined;
  private status = 'I';

  private constructor(client: pg.Client) {
    this.client = client;
    // pg keeps ReadyForQuery's transaction status to itself; its connection emits the message.
    const connection = (client as unknown as { connection?: { on(event: string, f: (msg: { status?: string }) => void): void } }).connection;
    connection?.on('readyForQuery', (msg) => {
      this.status = msg.status ?? 'I';
    });
    // Without a listener, a dropped connection would crash the runner.
    client.on('error', (e) => {
      this.broken = e;
    });
    client.on('end', () => {
      this.broken ??= new Error('connection to the server was closed');
    });
  }

  static async connect(opts: ConnectOptions): Promise<SltClient> {
    const config: pg.ClientConfig = {
      connectionString: opts.connectionString,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      types: RAW_TYPES,
    };
    if (opts.user !== undefined) config.user = opts.user;
    const client = new pg.Client(config);
    await client.connect();
    return new SltClient(client);
  }

  /** Whether the session is inside an explicit transaction block (ReadyForQuery status T or E). */
  get inTransaction(): boolean {
    return this.status !== 'I';
  }

  /** Set once the connection failed or closed; every later call fails. */
  get brokenReason(): Error | undefined {
    return this.broken;
  }

  /** One statement over the extended protocol (Parse/Bind/Describe/Execute/Sync). */
  async extended(sql: string): Promise<RawResult> {
    // `queryMode` is newer than @types/pg; it forces Parse/Bind/Execute even without parameters.
    const config = { text: sql, rowMode: 'array', queryMode: 'extended', types: RAW_TYPES } as pg.QueryArrayConfig;
    return toRaw(await this.client.query(config));
  }

  /** A query string over the simple protocol; one result per statement in it. */
  async simple(sql: string): Promise<RawResult[]> {
    const result = (await this.client.query({ text: sql, rowMode: 'array', types: RAW_TYPES })) as
      | pg.QueryArrayResult
      | pg.QueryArrayResult[];
    return (Array.isArray(result) ? result : [result]).map(toRaw);
  }

  /** `COPY <table> FROM STDIN` with `data` as the (text format) payload; returns rows copied. */
  copyFrom(table: string, data: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      this.client.query(new CopyFromSubmittable(`COPY ${table} FROM STDIN`, data, resolve, reject) as unknown as pg.QueryConfig);
    });
  }

  /** Closes the connection; never waits longer than `timeoutMs` (a wedged server must not hang the run). */
  async close(timeoutMs = 2000): Promise<void> {
    await Promise.race([this.client.end().catch(() => undefined), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }
}

function toRaw(result: pg.QueryArrayResult): RawResult {
  return {
    command: result.command ?? '',
    rowCount: result.rowCount ?? 0,
    columns: (result.fields ?? []).map((f) => ({ name: f.name, oid: f.dataTypeID })),
    rows: result.rows as (string | null)[][],
  };
}

/** The part of pg's connection a submittable drives (pg has no public type for it). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * A `pg` submittable (the protocol hooks pg calls for the messages of one query) running
 * COPY FROM STDIN: pg itself has no COPY API, and the runner needs only this one direction.
 */
class CopyFromSubmittable {
  private rows = 0;
  private error: Error | undefined;
  private readonly text: string;
  private readonly data: Buffer;
  private readonly onDone: (rows: number) => void;
  private readonly onError: (e: Error) => void;

  constructor(text: string, data: Buffer, onDone: (rows: number) => void, onError: (e: Error) => void) {
    this.text = text;
    this.data = data;
    this.onDone = onDone;
    this.onError = onError;
  }

  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    if (this.data.length > 0) connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text: string }): void {
    const n = Number(/(\d+)$/.exec(msg.text)?.[1] ?? 0);
    this.rows = n;
  }

  // pg forgets the active query when an ErrorResponse arrives (its ReadyForQuery then reaches no
  // submittable), so the error must be reported here, not at ReadyForQuery.
  handleError(e: Error): void {
    this.error = e;
    this.onError(e);
  }

  handleReadyForQuery(): void {
    if (this.error === undefined) this.onDone(this.rows);
  }

  // Messages a COPY FROM never produces, but pg may call the hooks on any submittable.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** A server error as Materialize's runner renders it: `db error: ERROR: msg[\nDETAIL: d][\nHINT: h]`. */
export function renderError(e: unknown): string {
  if (e instanceof pg.DatabaseError) {
    let s = `db error: ${e.severity ?? 'ERROR'}: ${e.message}`;
    if (e.detail !== undefined && e.detail !== '') s += `\nDETAIL: ${e.detail}`;
    if (e.hint !== undefined && e.hint !== '') s += `\nHINT: ${e.hint}`;
    return s;
  }
  return e instanceof Error ? e.message : String(e);
}

/** The server's message alone (what `--rewrite` turns into an expected-error regex). */
export function errorMessage(e: unknown): string {
  if (e instanceof pg.DatabaseError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

export function errorCode(e: unknown): string | undefined {
  return e instanceof pg.DatabaseError ? e.code : undefined;
}

/** As Materialize's runner: failures caused by missing features are "unsupported", not bugs. */
export function isUnsupported(rendered: string): boolean {
  return rendered.includes('supported') || rendered.includes('overload');
}
