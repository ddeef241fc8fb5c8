/**
 * ALTER ... RENAME TO and COMMENT ON for Materialize's object kinds that PostgreSQL's grammar lacks
 * (SOURCE, SINK, CONNECTION, SECRET). Tables, views, materialized views and indexes go through
 * libpg-query (RenameStmt, CommentStmt).
 */
import { unsupported } from '../../util/index.ts';
import type { MzStatement } from './ast.ts';
import type { Cursor } from './cursor.ts';

export type OtherObjectType = 'source' | 'sink' | 'connection' | 'secret';
const OTHER_KINDS = ['SOURCE', 'SINK', 'CONNECTION', 'SECRET'];

/** `ALTER SOURCE|SINK|CONNECTION|SECRET ...` (after ALTER ... SET/RESET forms were routed elsewhere). */
export function isAlterOther(c: Cursor): boolean {
  return c.isKw('ALTER') && OTHER_KINDS.some((w) => c.isKw(w, 1));
}

/** `COMMENT ON SOURCE|SINK|CONNECTION|SECRET ...`. */
export function isCommentOnOther(c: Cursor): boolean {
  return c.isKws('COMMENT', 'ON') && OTHER_KINDS.some((w) => c.isKw(w, 2));
}

export function parseAlterRenameOther(c: Cursor): MzStatement {
  c.expectKw('ALTER');
  const objectType = c.ident().toLowerCase() as OtherObjectType;
  const ifExists = c.eatKws('IF', 'EXISTS');
  const name = c.objectName();
  if (!c.eatKws('RENAME', 'TO')) throw unsupported(`this ALTER ${objectType.toUpperCase()} form`);
  const newName = c.ident();
  if (!c.atEnd()) throw c.error();
  return { kind: 'alterRenameOther', objectType, name, ifExists, newName };
}

export function parseCommentOnOther(c: Cursor): MzStatement {
  c.expectKw('COMMENT');
  c.expectKw('ON');
  const objectType = c.ident().toLowerCase() as OtherObjectType;
  const name = c.objectName();
  c.expectKw('IS');
  const comment = c.eatKw('NULL') ? null : c.stringLit();
  if (!c.atEnd()) throw c.error();
  return { kind: 'commentOnOther', objectType, name, comment };
}
