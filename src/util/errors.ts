/**
 * The one error type that crosses layers towards the client: every error a user can see carries a
 * SQLSTATE. pgwire builds ErrorResponse only from these; anything else is reported as XX000.
 */

/** SQLSTATE codes used by Tributary (PostgreSQL's Appendix A names). */
export const SqlState = {
  successfulCompletion: '00000',
  warning: '01000',
  featureNotSupported: '0A000',
  invalidParameterValue: '22023',
  divisionByZero: '22012',
  numericValueOutOfRange: '22003',
  invalidTextRepresentation: '22P02',
  invalidDatetimeFormat: '22007',
  datetimeFieldOverflow: '22008',
  stringDataRightTruncation: '22001',
  notNullViolation: '23502',
  invalidTableDefinition: '42P16',
  uniqueViolation: '23505',
  invalidCursorName: '34000',
  invalidTransactionState: '25000',
  activeSqlTransaction: '25001',
  noActiveSqlTransaction: '25P01',
  inFailedSqlTransaction: '25P02',
  readOnlySqlTransaction: '25006',
  syntaxError: '42601',
  undefinedTable: '42P01',
  undefinedColumn: '42703',
  undefinedFunction: '42883',
  undefinedObject: '42704',
  undefinedSchema: '3F000',
  invalidSchemaName: '3F000',
  undefinedParameter: '42P02',
  duplicateTable: '42P07',
  duplicateObject: '42710',
  duplicateSchema: '42P06',
  duplicateColumn: '42701',
  ambiguousColumn: '42702',
  datatypeMismatch: '42804',
  groupingError: '42803',
  wrongObjectType: '42809',
  dependentObjectsStillExist: '2BP01',
  invalidColumnReference: '42P10',
  cannotCoerce: '42846',
  invalidName: '42602',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  protocolViolation: '08P01',
  insufficientPrivilege: '42501',
  undefinedPreparedStatement: '26000',
  invalidSqlStatementName: '26000',
  duplicatePreparedStatement: '42P05',
  duplicateCursor: '42P03',
  programLimitExceeded: '54000',
  configLimitExceeded: '53400',
  dataCorrupted: 'XX001',
  internalError: 'XX000',
  ioError: '58030',
} as const;
export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState] | (string & {});

export interface SqlErrorFields {
  detail?: string | undefined;
  hint?: string | undefined;
  /** 1-based character position in the statement text, as PostgreSQL reports it. */
  position?: number | undefined;
  severity?: 'ERROR' | 'FATAL' | undefined;
}

/** An error with a SQLSTATE, safe to show to the client. */
export class SqlError extends Error {
  readonly code: SqlStateCode;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly position: number | undefined;
  readonly severity: 'ERROR' | 'FATAL';

  constructor(code: SqlStateCode, message: string, fields: SqlErrorFields = {}) {
    super(message);
    this.name = 'SqlError';
    this.code = code;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.position = fields.position;
    this.severity = fields.severity ?? 'ERROR';
  }

  /** A copy of this error with a (re-based) statement position. */
  withPosition(position: number | undefined): SqlError {
    return new SqlError(this.code, this.message, {
      detail: this.detail, hint: this.hint, position, severity: this.severity,
    });
  }
}

/** "X is not supported": the standard answer for a construct Tributary does not implement yet. */
export function unsupported(what: string, fields: SqlErrorFields = {}): SqlError {
  return new SqlError(SqlState.featureNotSupported, `${what} not yet supported`, fields);
}

/** Converts anything thrown into a SqlError; non-SqlErrors are internal errors (XX000). */
export function toSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SqlError(SqlState.internalError, message.startsWith('internal error') ? message : `internal error: ${message}`);
}
