/**
 * The errors collection's row format. Every rendered collection has a parallel errors collection
 * whose rows are [sqlstate, message, detail]; an error appears with its cause's diff and is
 * retracted when the cause is (evaluation is deterministic, so the retraction recomputes it).
 */
import type { Row } from '../repr/index.ts';
import { SqlError, SqlState, toSqlError } from '../util/index.ts';

export function errorRow(err: unknown): Row {
  const e = toSqlError(err);
  return [e.code, e.message, e.detail ?? null];
}

export function errorFromRow(row: Row): SqlError {
  const [code, message, detail] = row;
  return new SqlError(typeof code === 'string' ? code : SqlState.internalError, typeof message === 'string' ? message : 'unknown error', {
    detail: typeof detail === 'string' ? detail : undefined,
  });
}
