/**
 * Persist's errors. Every one is a SqlError; `indeterminate` says whether the operation may have
 * happened anyway (an I/O error after the write was issued), so callers know whether a retry could
 * duplicate it (they must re-read the upper first) or is safe.
 */
import { SqlError, SqlState, type SqlErrorFields, type SqlStateCode } from '../util/index.ts';

export class PersistError extends SqlError {
  readonly indeterminate: boolean;
  constructor(code: SqlStateCode, message: string, indeterminate: boolean, fields: SqlErrorFields = {}) {
    super(code, message, fields);
    this.name = 'PersistError';
    this.indeterminate = indeterminate;
  }
}

/** SQLSTATE object_not_in_prerequisite_state: this process may no longer write. */
export const FENCED_SQLSTATE = '55000';

export function fencedError(myEpoch: number, newerEpoch: number, where: string): PersistError {
  return new PersistError(
    FENCED_SQLSTATE,
    `persist: this process was fenced: a newer process (epoch ${newerEpoch}) opened ${where}; this process (epoch ${myEpoch}) may no longer write`,
    false,
    { hint: 'Only one Tributary process may use a data directory at a time; stop this one.' },
  );
}

export function closedError(what: string): PersistError {
  return new PersistError(SqlState.internalError, `internal error: persist: ${what} used after close`, false);
}

/** Wraps an unexpected backend failure; `indeterminate` when the write may have landed. */
export function ioError(what: string, err: unknown, indeterminate: boolean): PersistError {
  if (err instanceof PersistError) return err;
  if (err instanceof SqlError) return new PersistError(err.code, err.message, indeterminate, { detail: err.detail, hint: err.hint });
  const message = err instanceof Error ? err.message : String(err);
  return new PersistError(SqlState.ioError, `persist: ${what} failed${indeterminate ? ' (outcome unknown)' : ''}: ${message}`, indeterminate);
}
