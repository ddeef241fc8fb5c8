/**
 * The records of a sqllogictest file in Materialize's dialect (reference/materialize-surface.md §5.3),
 * as the parser produces them and the runner consumes them. Every record keeps the source offsets of
 * the parts `--rewrite` may replace, so rewriting touches nothing else in the file.
 */

/** Result layout: `standard` (SQLite: one value per line) or `cockroach` (one row per line). */
export type Mode = 'standard' | 'cockroach';

/** Declared column type letters: text, integer, real, bool, oid. */
export type ColumnType = 'T' | 'I' | 'R' | 'B' | 'O';

export type Sort = 'nosort' | 'rowsort' | 'valuesort';

export interface Location {
  readonly file: string;
  /** 1-based line of the record's first line. */
  readonly line: number;
}

/** A half-open range `[start, end)` of character offsets into the file's text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** `skipif <db>` / `onlyif <db>` lines that precede a record. */
export interface Condition {
  readonly kind: 'skipif' | 'onlyif';
  readonly db: string;
}

/** An expected error: an unanchored regex over `db error: ERROR: <message>[\nDETAIL: ..][\nHINT: ..]`. */
export interface ExpectedError {
  readonly pattern: string;
  /** Where the pattern sits in the file (empty span at the end of the line when the pattern is empty). */
  readonly span: Span;
  /** Parsed but, as in Materialize's runner, not checked. */
  readonly pgcode: string | undefined;
}

export type StatementExpectation =
  | { readonly kind: 'ok' }
  | { readonly kind: 'count'; readonly count: number; readonly span: Span }
  | { readonly kind: 'error'; readonly error: ExpectedError };

/** Expected query output: explicit values, or a count and md5 over them. */
export type ExpectedValues =
  | { readonly kind: 'values'; readonly values: readonly string[] }
  | { readonly kind: 'hashed'; readonly count: number; readonly md5: string };

export interface QueryOutput {
  readonly types: readonly ColumnType[];
  readonly sort: Sort;
  readonly label: string | undefined;
  /** The `colnames` option: the first expected line holds the column names. */
  readonly colnames: boolean;
  /** The expected column names (undefined when `colnames` is off or the block is empty). */
  readonly columnNames: readonly string[] | undefined;
  readonly multiline: boolean;
  readonly mode: Mode;
  readonly expected: ExpectedValues;
  /**
   * The expected-output block (column names included), without the `----` line and without the
   * terminating newline. When the record has no `----` line, an empty span where one would go.
   */
  readonly span: Span;
  /** Whether the record has a `----` line at all. */
  readonly hasSeparator: boolean;
}

interface RecordBase {
  readonly location: Location;
  readonly conditions: readonly Condition[];
}

export type SltRecord =
  | (RecordBase & { readonly kind: 'statement'; readonly sql: string; readonly sqlSpan: Span; readonly expect: StatementExpectation })
  | (RecordBase & { readonly kind: 'query'; readonly sql: string; readonly sqlSpan: Span; readonly output: QueryOutput })
  | (RecordBase & { readonly kind: 'queryError'; readonly sql: string; readonly sqlSpan: Span; readonly error: ExpectedError })
  | (RecordBase & {
      readonly kind: 'simple';
      readonly sql: string;
      readonly sqlSpan: Span;
      readonly conn: string | undefined;
      readonly user: string | undefined;
      readonly multiline: boolean;
      readonly rowsort: boolean;
      /** Expected lines: rows as `a,b`, `COMPLETE n`, or error lines. */
      readonly expected: readonly string[];
      readonly span: Span;
      readonly hasSeparator: boolean;
    })
  | (RecordBase & { readonly kind: 'hashThreshold'; readonly threshold: number })
  | (RecordBase & { readonly kind: 'halt' })
  | (RecordBase & { readonly kind: 'resetServer' })
  | (RecordBase & { readonly kind: 'copy'; readonly table: string; readonly tsvPath: string });

export type SltRecordKind = SltRecord['kind'];
