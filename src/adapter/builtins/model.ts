/**
 * One flattened view of everything the builtin relations describe: databases, schemas (user and system)
 * and objects (user items and the builtin relations themselves), with their oids, owners and column
 * lists. Built once per sync (and per planned catalog function) from the Catalog, so every builtin
 * relation derives its rows from the same consistent snapshot.
 */
import type { Column } from '../../repr/index.ts';
import type { CatalogItemKind } from '../../sql/index.ts';
import { type Catalog, type CatalogItem, SYSTEM_SCHEMA_IDS } from '../catalog.ts';
import { SCHEMA_OIDS } from './oids.ts';
import { defaultTexts, indexKeyTexts } from './sql-text.ts';
import { quoteIdent } from '../../expr/index.ts';

/** A builtin relation's identity and shape (what pg_class/pg_attribute need to list it). */
export interface BuiltinShape {
  readonly id: string;
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly Column[];
}

export interface SchemaInfo {
  readonly id: string;
  readonly oid: number;
  /** Undefined for system schemas (they exist in every database). */
  readonly database: string | undefined;
  readonly databaseId: string | undefined;
  readonly name: string;
}

export interface ObjectInfo {
  readonly id: string;
  readonly oid: number;
  readonly schema: SchemaInfo;
  readonly name: string;
  readonly kind: CatalogItemKind;
  readonly columns: readonly Column[];
  readonly system: boolean;
  /** User items only. */
  readonly item?: CatalogItem;
}

export interface IndexInfo {
  readonly object: ObjectInfo;
  readonly on: ObjectInfo;
  /** Per key: 1-based column number in `on`, or 0 for an expression. */
  readonly attnums: readonly number[];
  /** Per key: its SQL text. */
  readonly keyTexts: readonly string[];
  /** Set for the catalog-only index entry of a PRIMARY KEY / UNIQUE constraint (not an arrangement). */
  readonly constraint?: ConstraintInfo;
}

/**
 * A table's PRIMARY KEY or UNIQUE constraint (from its RelationDesc keys). PostgreSQL backs each with a
 * unique index of the constraint's name; Tributary lists such an index in pg_class/pg_index/pg_indexes
 * only (there is no arrangement behind it, so Materialize's mz_indexes and SHOW INDEXES omit it).
 * Oids are derived from the table's, so they are stable across syncs and restarts.
 */
export interface ConstraintInfo {
  readonly table: ObjectInfo;
  readonly name: string;
  /** Column indexes (0-based) of the key, in declaration order. */
  readonly key: readonly number[];
  readonly primary: boolean;
  /** pg_constraint.oid. */
  readonly oid: number;
  /** pg_class.oid of the constraint's index entry. */
  readonly indexOid: number;
}

const CONSTRAINT_OID_BASE = 0x40000000;
/** pg_namespace oids of sessions' temporary schemas: the base plus the connection id. */
const TEMP_NAMESPACE_OID_BASE = 0x30000000;
/** The pg_namespace oid of a session's temporary schema. */
export function tempNamespaceOid(connectionId: number): number {
  return TEMP_NAMESPACE_OID_BASE + connectionId;
}
/** Materialize's schema id of temporary items (mz_objects.schema_id; dbt-materialize looks for it). */
export const TEMP_SCHEMA_ID = '0';
const CONSTRAINT_INDEX_OID_BASE = 0x50000000;

export { SYSTEM_SCHEMA_IDS };

export class CatalogModel {
  readonly catalog: Catalog;
  readonly schemas: readonly SchemaInfo[];
  /**
   * One per session that has temporary items: PostgreSQL's `pg_temp_<n>` (pg_namespace lists them; the
   * mz_* relations give their items Materialize's temporary schema id, '0').
   */
  readonly tempSchemas: readonly SchemaInfo[];
  readonly objects: readonly ObjectInfo[];
  readonly #byId = new Map<string, ObjectInfo>();
  readonly #byOid = new Map<number, ObjectInfo>();
  #indexes: IndexInfo[] | undefined;
  #constraints: ConstraintInfo[] | undefined;
  #constraintIndexes: IndexInfo[] | undefined;
  #pgIndexes: IndexInfo[] | undefined;
  readonly #defaults = new Map<string, readonly (string | null)[]>();

  constructor(catalog: Catalog, builtins: readonly BuiltinShape[]) {
    this.catalog = catalog;
    const schemas: SchemaInfo[] = [];
    const schemaByKey = new Map<string, SchemaInfo>();
    for (const [name, oid] of Object.entries(SCHEMA_OIDS)) {
      const s: SchemaInfo = { id: SYSTEM_SCHEMA_IDS[name]!, oid, database: undefined, databaseId: undefined, name };
      schemas.push(s);
      schemaByKey.set(`\u0000${name}`, s);
    }
    for (const s of catalog.schemas.values()) {
      const info: SchemaInfo = { id: s.id, oid: s.oid, database: s.database, databaseId: catalog.databases.get(s.database)?.id, name: s.name };
      schemas.push(info);
      schemaByKey.set(`${s.database}\u0000${s.name}`, info);
    }
    this.schemas = schemas;
    const objects: ObjectInfo[] = [];
    for (const b of builtins) {
      const schema = schemaByKey.get(`\u0000${b.schema}`)!;
      objects.push({ id: b.id, oid: b.oid, schema, name: b.name, kind: 'table', columns: b.columns, system: true });
    }
    const tempSchemas = new Map<number, SchemaInfo>();
    for (const item of catalog.items()) {
      const owner = item.tempOwner;
      if (owner !== undefined && !tempSchemas.has(owner)) {
        tempSchemas.set(owner, {
          id: TEMP_SCHEMA_ID, oid: tempNamespaceOid(owner), database: item.name.database,
          databaseId: catalog.databases.get(item.name.database)?.id, name: `pg_temp_${owner}`,
        });
      }
      const schema = owner !== undefined ? tempSchemas.get(owner) : schemaByKey.get(`${item.name.database}\u0000${item.name.schema}`);
      if (schema === undefined) continue;
      objects.push({ id: item.id, oid: item.oid, schema, name: item.name.item, kind: item.kind, columns: item.kind === 'index' ? [] : item.desc?.columns ?? [], system: false, item });
    }
    this.objects = objects;
    this.tempSchemas = [...tempSchemas.values()];
    for (const o of objects) {
      this.#byId.set(o.id, o);
      this.#byOid.set(o.oid, o);
    }
  }

  byId(id: string): ObjectInfo | undefined {
    return this.#byId.get(id);
  }

  byOid(oid: number): ObjectInfo | undefined {
    if (this.#constraintIndexes === undefined) this.constraintIndexes();
    return this.#byOid.get(oid);
  }

  /** Objects that PostgreSQL would list in pg_class (including the index entries of constraints). */
  relations(): ObjectInfo[] {
    return [...this.objects.filter((o) => relkind(o) !== undefined), ...this.constraintIndexes().map((i) => i.object)];
  }

  /** PRIMARY KEY / UNIQUE constraints of user tables, the primary key (if any) first per table. */
  constraints(): readonly ConstraintInfo[] {
    if (this.#constraints === undefined) {
      this.#constraints = [];
      for (const o of this.objects) {
        const desc = o.item?.desc;
        if (o.kind !== 'table' || o.system || desc?.keys === undefined) continue;
        desc.keys.forEach((key, k) => {
          this.#constraints!.push({
            table: o, name: desc.keyNames?.[k] ?? `${o.name}_key${k}`, key, primary: k === 0 && desc.primaryKey === true,
            oid: CONSTRAINT_OID_BASE + o.oid * 64 + k, indexOid: CONSTRAINT_INDEX_OID_BASE + o.oid * 64 + k,
          });
        });
      }
    }
    return this.#constraints;
  }

  /** The catalog-only index entries backing constraints (PostgreSQL's `<table>_pkey`, `<table>_<col>_key`). */
  constraintIndexes(): readonly IndexInfo[] {
    if (this.#constraintIndexes === undefined) {
      this.#constraintIndexes = this.constraints().map((c) => {
        const object: ObjectInfo = { id: `${c.table.id}.${c.name}`, oid: c.indexOid, schema: c.table.schema, name: c.name, kind: 'index', columns: [], system: false };
        this.#byOid.set(object.oid, object);
        return { object, on: c.table, attnums: c.key.map((i) => i + 1), keyTexts: c.key.map((i) => quoteIdent(c.table.columns[i]?.name ?? '?')), constraint: c };
      });
    }
    return this.#constraintIndexes;
  }

  /** Every index PostgreSQL's catalog lists: constraint index entries, then real indexes. */
  pgIndexes(): readonly IndexInfo[] {
    return (this.#pgIndexes ??= [...this.constraintIndexes(), ...this.indexes()]);
  }

  /** Real indexes (arrangements): what Materialize's mz_indexes and SHOW INDEXES list. */
  indexes(): readonly IndexInfo[] {
    if (this.#indexes === undefined) {
      this.#indexes = [];
      for (const o of this.objects) {
        const item = o.item;
        if (item === undefined || o.kind !== 'index' || item.indexOn === undefined) continue;
        const on = this.#byId.get(item.indexOn);
        if (on === undefined) continue;
        const keys = item.indexKeys ?? [];
        const attnums = keys.map((k) => (k.kind === 'column' ? k.index + 1 : 0));
        this.#indexes.push({ object: o, on, attnums, keyTexts: indexKeyTexts(item.createSql, keys, on.columns) });
      }
    }
    return this.#indexes;
  }

  /** The index (real or a constraint's entry) with pg_class oid `oid`. */
  indexOf(oid: number): IndexInfo | undefined {
    return this.pgIndexes().find((i) => i.object.oid === oid);
  }

  /** pg_class.relhasindex: any index, constraint entries included. */
  hasIndex(o: ObjectInfo): boolean {
    return this.pgIndexes().some((i) => i.on.id === o.id);
  }

  /**
   * The objects `o` reads directly: its recorded dependencies (which include everything reached through
   * inlined views) minus those reached through another dependency, as PostgreSQL records them.
   */
  directDependencies(o: ObjectInfo): ObjectInfo[] {
    const deps = [...new Set(o.item?.dependsOn ?? [])].map((id) => this.#byId.get(id)).filter((d): d is ObjectInfo => d !== undefined);
    const reached = new Set<string>();
    for (const d of deps) for (const x of d.item?.dependsOn ?? []) reached.add(x);
    return deps.filter((d) => !reached.has(d.id));
  }

  /** Column default expressions of a table, as SQL text (null = no default). */
  defaults(o: ObjectInfo): readonly (string | null)[] {
    let d = this.#defaults.get(o.id);
    if (d === undefined) {
      d = o.kind === 'table' && o.item !== undefined ? defaultTexts(o.item.createSql, o.columns.length) : o.columns.map(() => null);
      this.#defaults.set(o.id, d);
    }
    return d;
  }

  /** `schema.name`, or just `name` when visible through `searchPath` (as regclass prints it). */
  displayName(o: ObjectInfo, database: string, searchPath: readonly string[], connectionId?: number): string {
    const visible = isVisible(o, database, searchPath, connectionId);
    return visible ? quoteIdent(o.name) : `${quoteIdent(o.schema.name)}.${quoteIdent(o.name)}`;
  }
}

/** pg_class.relkind of an object, or undefined when pg_class does not list it. */
export function relkind(o: ObjectInfo): string | undefined {
  switch (o.kind) {
    case 'table': case 'source': return 'r';
    case 'view': return 'v';
    case 'materialized-view': return 'm';
    case 'index': return 'i';
    case 'sink': case 'connection': case 'secret': return undefined;
  }
}

/**
 * Whether an unqualified name would find `o` (pg_table_is_visible): its schema is on the path, or
 * pg_catalog; a temporary item only for its own session (`connectionId`).
 */
export function isVisible(o: ObjectInfo, database: string, searchPath: readonly string[], connectionId?: number): boolean {
  if (o.schema.id === TEMP_SCHEMA_ID) return connectionId !== undefined && o.schema.oid === tempNamespaceOid(connectionId);
  if (o.schema.database === undefined) return o.schema.name === 'pg_catalog' || searchPath.includes(o.schema.name);
  return o.schema.database === database && searchPath.includes(o.schema.name);
}

export { quoteIdent };
