/**
 * How a builtin relation is declared: schema, name, columns, and a function computing its rows from
 * the CatalogModel. Small helpers keep the long column lists readable.
 */
import { type Column, type Datum, PgArray, type Row, type ScalarType, T, arrayOf, scalar } from '../../repr/index.ts';
import type { CatalogModel } from './model.ts';

export type SystemSchema = 'pg_catalog' | 'information_schema' | 'mz_catalog' | 'mz_internal';

export interface BuiltinSpec {
  readonly schema: SystemSchema;
  readonly name: string;
  readonly columns: readonly Column[];
  rows(m: CatalogModel): Row[];
}

/** Column types as written in the specs (PostgreSQL's catalog types mapped onto Tributary's). */
export const C = {
  oid: T.oid, text: T.text, name: scalar('name'), char: scalar('char'), bool: T.bool, int2: T.int2, int4: T.int4,
  int8: T.int8, float4: T.float4, float8: T.float8, numeric: T.numeric, timestamptz: T.timestamptz, jsonb: T.jsonb,
  /** regproc: Tributary represents reg* values as oids (see functions.ts). */
  regproc: T.oid, interval: T.interval, mzTimestamp: T.mzTimestamp,
  oidArray: arrayOf(T.oid), textArray: arrayOf(T.text), int2Array: arrayOf(T.int2), charArray: arrayOf(scalar('char')),
  /** pg_node_tree: Tributary keeps expressions as their SQL text. */
  nodeTree: T.text,
  /** aclitem[]: privileges as text. */
  acl: arrayOf(T.text),
} as const;

/** Columns from `[name, type]` pairs; `!` after a name marks it NOT NULL. */
export function cols(...defs: readonly (readonly [string, ScalarType])[]): Column[] {
  return defs.map(([n, type]) => (n.endsWith('!') ? { name: n.slice(0, -1), type, nullable: false } : { name: n, type, nullable: true }));
}

export const arr = (elems: readonly Datum[]): PgArray => new PgArray(elems);

export function spec(schema: SystemSchema, name: string, columns: Column[], rows: (m: CatalogModel) => Row[]): BuiltinSpec {
  return { schema, name, columns, rows };
}

/** A relation that exists with its columns but has no rows (features Tributary does not have). */
export function empty(schema: SystemSchema, name: string, columns: Column[]): BuiltinSpec {
  return { schema, name, columns, rows: () => [] };
}
