/**
 * The adapter's face towards pgwire: sessions that parse, describe and execute statements. pgwire owns
 * the protocol (messages, prepared statements, portals, formats); the adapter owns meaning (catalog,
 * time, transactions). Everything here is plain data plus promises, so pgwire can be tested against a
 * fake adapter.
 */
import type { Column, Datum, Row, ScalarType } from '../repr/index.ts';
import type { SqlError } from '../util/index.ts';

export interface StartupParams {
  readonly user: string;
  readonly database: string;
  readonly applicationName?: string;
  /** Other startup parameters (including `options`, e.g. `--cluster=c --transaction_isolation=serializable`). */
  readonly other: ReadonlyMap<string, string>;
}

export interface Notice {
  readonly severity: 'NOTICE' | 'WARNING' | 'INFO' | 'DEBUG';
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

/** A parsed statement: opaque to pgwire except for its text and how many `$n` parameters it uses. */
export interface ParsedStatement {
  readonly sql: string;
  /** Highest `$n` referenced. */
  readonly paramCount: number;
  /** The command tag class for empty-result bookkeeping, e.g. 'SELECT', 'INSERT', 'CREATE TABLE'. */
  readonly tagHint: string;
  /** True for an empty statement (only whitespace/comments): pgwire answers EmptyQueryResponse. */
  readonly empty: boolean;
}

export interface StatementDescription {
  /** Result columns, or undefined when the statement returns no rows (NoData). */
  readonly columns: readonly Column[] | undefined;
  /** Parameter types after inference, one per $n. */
  readonly paramTypes: readonly ScalarType[];
}

/** A source of result rows that a portal can drain in pieces (Execute with a row limit). */
export interface RowStream {
  /** Up to `max` more rows (max = 0 means all). Resolves with done=true once no more will come. */
  next(max: number): Promise<{ readonly rows: readonly Row[]; readonly done: boolean }>;
  /** Stops the stream early (portal closed, connection ended, cancel). */
  close(): void;
}

export type ExecuteResult =
  /** A command with no result rows; `tag` is the full CommandComplete tag ("INSERT 0 3", "CREATE TABLE"). */
  | { readonly kind: 'command'; readonly tag: string }
  /** Rows. `tag(n)` gives the CommandComplete tag once n rows were sent ("SELECT n", "FETCH n", "INSERT 0 n" for RETURNING). */
  | { readonly kind: 'rows'; readonly columns: readonly Column[]; readonly rows: RowStream; readonly tag: (rowCount: number) => string }
  /** COPY ... TO STDOUT: rows streamed as text-format COPY data until done or cancelled. */
  | { readonly kind: 'copyOut'; readonly columns: readonly Column[]; readonly rows: RowStream; readonly tag: (rowCount: number) => string }
  /** COPY ... FROM STDIN: pgwire feeds CopyData to `write`, then calls `finish` (or `abort`). */
  | { readonly kind: 'copyIn'; readonly columns: readonly Column[]; write(chunk: Uint8Array): void; finish(): Promise<string>; abort(reason: string): void };

export interface Session {
  readonly connectionId: number;
  readonly secretKey: number;
  /** ParameterStatus pairs to send after authentication. */
  initialParameterStatus(): readonly (readonly [string, string])[];
  /** Set by pgwire: called when a reported parameter changes (SET application_name ...). */
  onParameterStatus: ((name: string, value: string) => void) | undefined;
  /** Set by pgwire: NoticeResponse to the client. */
  onNotice: ((notice: Notice) => void) | undefined;
  /** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
  transactionStatus(): 'I' | 'T' | 'E';
  /** Splits and parses a query string into statements; throws SqlError (42601 with position). */
  parse(sql: string): readonly ParsedStatement[];
  /** Describes a statement; `paramTypes` are the client's declared types (undefined = infer). */
  describe(stmt: ParsedStatement, paramTypes: readonly (ScalarType | undefined)[]): StatementDescription;
  /**
   * Executes a statement with decoded parameters (types as `describe` returned). Throws SqlError.
   * Statements run inside the current transaction; outside a block, each simple-query message or
   * extended-protocol sequence up to Sync is one implicit transaction (see begin/endImplicit).
   */
  execute(stmt: ParsedStatement, params: readonly Datum[]): Promise<ExecuteResult>;
  /** pgwire marks the start of a simple Query message holding `statementCount` statements, or of an extended-protocol batch. */
  beginImplicit(statementCount: number): void;
  /** End of the Query message or Sync: commits (ok) or rolls back the implicit transaction, if any. */
  endImplicit(ok: boolean): Promise<void>;
  /** Cancels the statement running now, if any (CancelRequest). */
  cancel(): void;
  /** Connection closed. Rolls back and releases everything the session holds. */
  close(): void;
}

export interface AdapterClient {
  /** Opens a session; throws SqlError (FATAL) to refuse the connection. */
  startSession(params: StartupParams): Session;
  /** A CancelRequest: cancels the running statement of the matching session, if the secret matches. */
  cancelRequest(connectionId: number, secretKey: number): void;
}

export type { SqlError };
