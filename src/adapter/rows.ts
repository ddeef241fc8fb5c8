/** Small helpers for results the adapter builds itself (SHOW, RETURNING, commands). */
import type { Column, Row, ScalarType } from '../repr/index.ts';
import type { ExecuteResult, RowStream } from './session-api.ts';

export function column(name: string, type: ScalarType, nullable = true): Column {
  return { name, type, nullable };
}

/** A RowStream over rows already in memory. */
export function arrayStream(rows: readonly Row[]): RowStream {
  let pos = 0;
  let closed = false;
  return {
    next(max: number) {
      if (closed) return Promise.resolve({ rows: [], done: true });
      const end = max <= 0 ? rows.length : Math.min(rows.length, pos + max);
      const out = rows.slice(pos, end);
      pos = end;
      return Promise.resolve({ rows: out, done: pos >= rows.length });
    },
    close() {
      closed = true;
    },
  };
}

export function rowsResult(columns: readonly Column[], rows: readonly Row[], tag: (n: number) => string = (n) => `SELECT ${n}`): ExecuteResult {
  return { kind: 'rows', columns, rows: arrayStream(rows), tag };
}

export function commandResult(tag: string): ExecuteResult {
  return { kind: 'command', tag };
}
