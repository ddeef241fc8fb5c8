/**
 * The builtin relations: name, schema, columns, and how to compute their rows from the catalog.
 * Ids are stable (`s1`, `s2`, ...): never renumber an existing relation, only append new ones.
 */
import type { Row } from '../../repr/index.ts';
import { T, type Column } from '../../repr/index.ts';
import type { Catalog } from '../catalog.ts';

export interface BuiltinRelation {
  readonly id: string;
  readonly schema: 'pg_catalog' | 'information_schema' | 'mz_catalog' | 'mz_internal';
  readonly name: string;
  readonly columns: readonly Column[];
  rows(catalog: Catalog): Row[];
}

const c = (name: string, type: Column['type'], nullable = true): Column => ({ name, type, nullable });

export const BUILTIN_RELATIONS: readonly BuiltinRelation[] = [
  {
    id: 's1', schema: 'mz_catalog', name: 'mz_databases',
    columns: [c('id', T.text, false), c('oid', T.oid, false), c('name', T.text, false), c('owner_id', T.text, false)],
    rows: (cat: Catalog) => [...cat.databases.values()].map((d) => [d.id, d.oid, d.name, 'u1']),
  },
];
