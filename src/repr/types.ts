/**
 * Scalar types, columns and relation descriptions: the static shape of every collection.
 * A Datum's JavaScript representation is fixed per scalar type (see datum.ts); the type, not the
 * runtime value, decides how a datum is formatted, cast and sent over the wire.
 */

export type ScalarTypeName =
  | 'bool'
  | 'int2' | 'int4' | 'int8'
  | 'float4' | 'float8'
  | 'numeric'
  | 'text' | 'varchar' | 'bpchar' | 'name' | 'char'
  | 'bytea'
  | 'date' | 'time' | 'timestamp' | 'timestamptz' | 'interval'
  | 'uuid'
  | 'jsonb' | 'json'
  | 'oid' | 'regclass' | 'regproc' | 'regtype' | 'regnamespace' | 'regrole'
  | 'mz_timestamp'
  | 'array'
  | 'record'
  /** The type of an untyped string literal before inference resolves it. */
  | 'unknown';

export interface ScalarType {
  readonly name: ScalarTypeName;
  /** Element type, for `array`. */
  readonly elem?: ScalarType;
  /** Type modifier as PostgreSQL encodes it (varchar(n) → n + 4; numeric(p,s) → ((p << 16) | s) + 4), or -1. */
  readonly typmod?: number;
  /** Field types and names, for `record`. */
  readonly fields?: readonly { readonly name: string; readonly type: ScalarType }[];
}

const simpleTypes = new Map<ScalarTypeName, ScalarType>();
/** The shared instance of a type without modifiers. */
export function scalar(name: ScalarTypeName): ScalarType {
  let t = simpleTypes.get(name);
  if (t === undefined) {
    t = Object.freeze({ name });
    simpleTypes.set(name, t);
  }
  return t;
}
export function arrayOf(elem: ScalarType): ScalarType {
  return { name: 'array', elem };
}

export const T = {
  bool: scalar('bool'),
  int2: scalar('int2'),
  int4: scalar('int4'),
  int8: scalar('int8'),
  float4: scalar('float4'),
  float8: scalar('float8'),
  numeric: scalar('numeric'),
  text: scalar('text'),
  varchar: scalar('varchar'),
  bpchar: scalar('bpchar'),
  bytea: scalar('bytea'),
  date: scalar('date'),
  time: scalar('time'),
  timestamp: scalar('timestamp'),
  timestamptz: scalar('timestamptz'),
  interval: scalar('interval'),
  uuid: scalar('uuid'),
  jsonb: scalar('jsonb'),
  json: scalar('json'),
  oid: scalar('oid'),
  mzTimestamp: scalar('mz_timestamp'),
  unknown: scalar('unknown'),
} as const;

/** PostgreSQL type OIDs, used on the wire and in pg_catalog. */
export const TypeOid: Record<Exclude<ScalarTypeName, 'array' | 'record'>, number> = {
  bool: 16, bytea: 17, char: 18, name: 19, int8: 20, int2: 21, int4: 23, regproc: 24, text: 25, oid: 26,
  json: 114, float4: 700, float8: 701, unknown: 705, bpchar: 1042, varchar: 1043, date: 1082, time: 1083,
  timestamp: 1114, timestamptz: 1184, interval: 1186, numeric: 1700, regclass: 2205, regtype: 2206,
  regnamespace: 4089, regrole: 4096,
  uuid: 2950, jsonb: 3802,
  // Materialize's mz_timestamp OID.
  mz_timestamp: 16552,
};
/** Array type OIDs by element type name. */
export const ArrayTypeOid: Partial<Record<ScalarTypeName, number>> = {
  bool: 1000, bytea: 1001, char: 1002, name: 1003, int2: 1005, int4: 1007, text: 1009, oid: 1028,
  bpchar: 1014, varchar: 1015, int8: 1016, float4: 1021, float8: 1022, timestamp: 1115, date: 1182,
  time: 1183, timestamptz: 1185, interval: 1187, numeric: 1231, uuid: 2951, jsonb: 3807, json: 199,
  regclass: 2210, regtype: 2211, regproc: 1008, regnamespace: 4090, regrole: 4097,
};
const RECORD_OID = 2249;

export function typeOid(t: ScalarType): number {
  if (t.name === 'array') return (t.elem && ArrayTypeOid[t.elem.name]) ?? 1009;
  if (t.name === 'record') return RECORD_OID;
  return TypeOid[t.name];
}

/** The type for a wire OID, or undefined when Tributary has no such type. */
export function typeFromOid(oid: number): ScalarType | undefined {
  for (const [name, o] of Object.entries(TypeOid)) if (o === oid) return scalar(name as ScalarTypeName);
  for (const [name, o] of Object.entries(ArrayTypeOid)) if (o === oid) return arrayOf(scalar(name as ScalarTypeName));
  if (oid === RECORD_OID) return { name: 'record' };
  return undefined;
}

/** PostgreSQL's name for a type, as format_type and error messages print it. */
export function typeName(t: ScalarType): string {
  switch (t.name) {
    case 'array': return `${t.elem ? typeName(t.elem) : 'text'}[]`;
    case 'int2': return 'smallint';
    case 'int4': return 'integer';
    case 'int8': return 'bigint';
    case 'float4': return 'real';
    case 'float8': return 'double precision';
    case 'bool': return 'boolean';
    case 'varchar': return t.typmod !== undefined && t.typmod >= 4 ? `character varying(${t.typmod - 4})` : 'character varying';
    case 'bpchar': return t.typmod !== undefined && t.typmod >= 4 ? `character(${t.typmod - 4})` : 'character';
    case 'numeric': {
      if (t.typmod === undefined || t.typmod < 4) return 'numeric';
      const m = t.typmod - 4;
      return `numeric(${m >> 16},${m & 0xffff})`;
    }
    case 'timestamp': return 'timestamp without time zone';
    case 'timestamptz': return 'timestamp with time zone';
    case 'time': return 'time without time zone';
    case 'char': return '"char"';
    default: return t.name;
  }
}

export function typesEqual(a: ScalarType, b: ScalarType): boolean {
  if (a.name !== b.name) return false;
  if (a.name === 'array') return a.elem !== undefined && b.elem !== undefined && typesEqual(a.elem, b.elem);
  return true;
}

export interface Column {
  readonly name: string;
  readonly type: ScalarType;
  readonly nullable: boolean;
  /**
   * Query results only: the pg_class oid and attribute number of the table or view column this output
   * column is a bare reference to (RowDescription's table OID / attnum, as PostgreSQL reports them).
   */
  readonly tableOid?: number;
  readonly attnum?: number;
}

/** The shape of a relation: its columns and the column sets known to be unique (keys). */
export interface RelationDesc {
  readonly columns: readonly Column[];
  /**
   * Column sets declared or known unique. A table's are its PRIMARY KEY (first) and UNIQUE
   * constraints; rows with a NULL in a key's columns do not conflict (PostgreSQL's rule), so a key is
   * a true uniqueness fact only when its columns are NOT NULL.
   */
  readonly keys?: readonly (readonly number[])[];
  /** Tables: the constraint name of each key (PostgreSQL's defaults: `t_pkey`, `t_a_key`), for errors and the catalog. */
  readonly keyNames?: readonly string[];
  /** Tables: whether keys[0] is the PRIMARY KEY (otherwise all keys are UNIQUE constraints). */
  readonly primaryKey?: boolean;
}

export function relationDesc(columns: readonly Column[], keys?: readonly (readonly number[])[]): RelationDesc {
  return keys === undefined ? { columns } : { columns, keys };
}
