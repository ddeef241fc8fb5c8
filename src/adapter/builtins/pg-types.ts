/**
 * The builtin types as pg_type lists them: every scalar type Tributary has (with PostgreSQL's oids,
 * lengths, categories and I/O functions) plus its array type, and the I/O functions as pg_proc rows,
 * so that drivers bootstrapping their type maps (postgres.js, pgjdbc) read consistent metadata.
 */
import { ArrayTypeOid, TypeOid, type ScalarTypeName } from '../../repr/index.ts';
import { COLLATION_C, COLLATION_DEFAULT } from './oids.ts';

export interface PgTypeInfo {
  readonly oid: number;
  readonly name: string;
  readonly len: number;
  readonly byval: boolean;
  /** 'b' base, 'p' pseudo. */
  readonly typtype: string;
  readonly category: string;
  readonly preferred: boolean;
  readonly elem: number;
  readonly array: number;
  readonly input: string;
  readonly output: string;
  readonly receive: string;
  readonly send: string;
  readonly align: string;
  readonly storage: string;
  readonly collation: number;
}

interface BaseSpec {
  readonly name: string;
  readonly len: number;
  readonly category: string;
  readonly preferred?: boolean;
  readonly io: string;
  readonly align: string;
  readonly typtype?: string;
  readonly collation?: number;
}

/** PostgreSQL's metadata for each of Tributary's scalar types, by Tributary's type name. */
const BASE: Readonly<Record<Exclude<ScalarTypeName, 'array'>, BaseSpec>> = {
  bool: { name: 'bool', len: 1, category: 'B', preferred: true, io: 'bool', align: 'c' },
  bytea: { name: 'bytea', len: -1, category: 'U', io: 'bytea', align: 'i' },
  char: { name: 'char', len: 1, category: 'Z', io: 'char', align: 'c' },
  name: { name: 'name', len: 64, category: 'S', io: 'name', align: 'c', collation: COLLATION_C },
  int8: { name: 'int8', len: 8, category: 'N', io: 'int8', align: 'd' },
  int2: { name: 'int2', len: 2, category: 'N', io: 'int2', align: 's' },
  int4: { name: 'int4', len: 4, category: 'N', io: 'int4', align: 'i' },
  regproc: { name: 'regproc', len: 4, category: 'N', io: 'regproc', align: 'i' },
  text: { name: 'text', len: -1, category: 'S', preferred: true, io: 'text', align: 'i', collation: COLLATION_DEFAULT },
  oid: { name: 'oid', len: 4, category: 'N', preferred: true, io: 'oid', align: 'i' },
  json: { name: 'json', len: -1, category: 'U', io: 'json_', align: 'i' },
  float4: { name: 'float4', len: 4, category: 'N', io: 'float4', align: 'i' },
  float8: { name: 'float8', len: 8, category: 'N', preferred: true, io: 'float8', align: 'd' },
  unknown: { name: 'unknown', len: -2, category: 'X', io: 'unknown', align: 'c', typtype: 'p' },
  bpchar: { name: 'bpchar', len: -1, category: 'S', io: 'bpchar', align: 'i', collation: COLLATION_DEFAULT },
  varchar: { name: 'varchar', len: -1, category: 'S', io: 'varchar', align: 'i', collation: COLLATION_DEFAULT },
  date: { name: 'date', len: 4, category: 'D', io: 'date_', align: 'i' },
  time: { name: 'time', len: 8, category: 'D', io: 'time_', align: 'd' },
  timestamp: { name: 'timestamp', len: 8, category: 'D', io: 'timestamp_', align: 'd' },
  timestamptz: { name: 'timestamptz', len: 8, category: 'D', preferred: true, io: 'timestamptz_', align: 'd' },
  interval: { name: 'interval', len: 16, category: 'T', preferred: true, io: 'interval_', align: 'd' },
  numeric: { name: 'numeric', len: -1, category: 'N', io: 'numeric_', align: 'i' },
  regclass: { name: 'regclass', len: 4, category: 'N', io: 'regclass', align: 'i' },
  regtype: { name: 'regtype', len: 4, category: 'N', io: 'regtype', align: 'i' },
  regnamespace: { name: 'regnamespace', len: 4, category: 'N', io: 'regnamespace', align: 'i' },
  regrole: { name: 'regrole', len: 4, category: 'N', io: 'regrole', align: 'i' },
  uuid: { name: 'uuid', len: 16, category: 'U', io: 'uuid_', align: 'c' },
  jsonb: { name: 'jsonb', len: -1, category: 'U', io: 'jsonb_', align: 'i' },
  mz_timestamp: { name: 'mz_timestamp', len: 8, category: 'U', io: 'mz_timestamp_', align: 'd' },
  record: { name: 'record', len: -1, category: 'P', io: 'record_', align: 'd', typtype: 'p' },
};

/** Extra non-Tributary types clients expect to find (int2vector, oidvector) as pg_type lists them. */
const VECTORS: readonly PgTypeInfo[] = [
  { oid: 22, name: 'int2vector', len: -1, byval: false, typtype: 'b', category: 'A', preferred: false, elem: 21, array: 1006, input: 'int2vectorin', output: 'int2vectorout', receive: 'int2vectorrecv', send: 'int2vectorsend', align: 'i', storage: 'p', collation: 0 },
  { oid: 30, name: 'oidvector', len: -1, byval: false, typtype: 'b', category: 'A', preferred: false, elem: 26, array: 1013, input: 'oidvectorin', output: 'oidvectorout', receive: 'oidvectorrecv', send: 'oidvectorsend', align: 'i', storage: 'p', collation: 0 },
];

/** Pseudo-types named in clients' queries (psql's `\\df` casts 'pg_catalog.trigger' to regtype). */
const PSEUDO: readonly (readonly [number, string])[] = [
  [2275, 'cstring'], [2276, 'any'], [2277, 'anyarray'], [2278, 'void'], [2279, 'trigger'], [2280, 'language_handler'],
  [2281, 'internal'], [2283, 'anyelement'], [3838, 'event_trigger'], [3115, 'fdw_handler'], [325, 'index_am_handler'],
  [3310, 'tsm_handler'], [269, 'table_am_handler'], [2776, 'anynonarray'],
];

function ioNames(io: string): { input: string; output: string; receive: string; send: string } {
  return { input: `${io}in`, output: `${io}out`, receive: `${io}recv`, send: `${io}send` };
}

function buildTypes(): PgTypeInfo[] {
  const out: PgTypeInfo[] = [];
  for (const [tname, oid] of Object.entries(TypeOid) as [Exclude<ScalarTypeName, 'array' | 'record'>, number][]) {
    const b = BASE[tname];
    const array = ArrayTypeOid[tname] ?? 0;
    const byval = b.len > 0 && b.len <= 8;
    out.push({
      oid, name: b.name, len: b.len, byval, typtype: b.typtype ?? 'b', category: b.category, preferred: b.preferred ?? false,
      elem: 0, array, ...ioNames(b.io), align: b.align, storage: b.len !== -1 ? 'p' : tname === 'numeric' ? 'm' : 'x', collation: b.collation ?? 0,
    });
    if (array !== 0) {
      out.push({
        oid: array, name: `_${b.name}`, len: -1, byval: false, typtype: 'b', category: 'A', preferred: false, elem: oid, array: 0,
        input: 'array_in', output: 'array_out', receive: 'array_recv', send: 'array_send', align: b.align === 'd' ? 'd' : 'i', storage: 'x',
        collation: b.collation ?? 0,
      });
    }
  }
  const rec = BASE.record;
  out.push({ oid: 2249, name: 'record', len: -1, byval: false, typtype: 'p', category: 'P', preferred: false, elem: 0, array: 2287, ...ioNames(rec.io), align: 'd', storage: 'x', collation: 0 });
  out.push({ oid: 2287, name: '_record', len: -1, byval: false, typtype: 'p', category: 'P', preferred: false, elem: 2249, array: 0, input: 'array_in', output: 'array_out', receive: 'array_recv', send: 'array_send', align: 'd', storage: 'x', collation: 0 });
  out.push(...VECTORS);
  for (const [oid, name] of PSEUDO) {
    out.push({ oid, name, len: 4, byval: true, typtype: 'p', category: 'P', preferred: false, elem: 0, array: 0, ...ioNames(`${name}_`), align: 'i', storage: 'p', collation: 0 });
  }
  out.sort((a, b) => a.oid - b.oid);
  return out;
}

export const PG_TYPES: readonly PgTypeInfo[] = buildTypes();

/** PostgreSQL's oids for the functions most often named in `'...'::regproc` (array_in in pgjdbc). */
const KNOWN_PROC_OIDS: Readonly<Record<string, number>> = {
  array_in: 750, array_out: 751, array_recv: 2400, array_send: 2401, boolin: 1242, boolout: 1243, int4in: 42, int4out: 43,
  textin: 46, textout: 47,
};

export interface PgProcInfo {
  readonly oid: number;
  readonly name: string;
  readonly nargs: number;
  readonly argTypes: readonly number[];
  readonly retType: number;
  /** provolatile: 'i' immutable (the default), 's' stable, 'v' volatile. */
  readonly volatility?: 'i' | 's' | 'v';
}

/**
 * Non-overloaded SQL functions clients name through `'name'::regproc` (psql `\sf now`), with
 * PostgreSQL's oids so `pg_get_functiondef` answers as PostgreSQL does.
 */
const SQL_PROCS: readonly PgProcInfo[] = [
  { oid: 89, name: 'version', nargs: 0, argTypes: [], retType: 25, volatility: 's' },
  { oid: 861, name: 'current_database', nargs: 0, argTypes: [], retType: 19, volatility: 's' },
  { oid: 1299, name: 'now', nargs: 0, argTypes: [], retType: 1184, volatility: 's' },
  { oid: 1402, name: 'current_schema', nargs: 0, argTypes: [], retType: 19, volatility: 's' },
  { oid: 2026, name: 'pg_backend_pid', nargs: 0, argTypes: [], retType: 23, volatility: 's' },
];

function buildProcs(): PgProcInfo[] {
  const names = new Set<string>();
  for (const t of PG_TYPES) for (const n of [t.input, t.output, t.receive, t.send]) names.add(n);
  let next = 15000;
  const out: PgProcInfo[] = [];
  for (const name of [...names].sort()) {
    const oid = KNOWN_PROC_OIDS[name] ?? next++;
    const isIn = name.endsWith('in');
    out.push({ oid, name, nargs: isIn ? 1 : 1, argTypes: [isIn ? 2275 : 2283], retType: isIn ? 2283 : 2275 });
  }
  out.push(...SQL_PROCS);
  return out;
}

/** Type I/O functions and a few SQL functions, as pg_proc lists them. */
export const PG_PROCS: readonly PgProcInfo[] = buildProcs();

const PROC_BY_NAME = new Map(PG_PROCS.map((p) => [p.name, p.oid]));
export function procOid(name: string): number {
  return PROC_BY_NAME.get(name) ?? 0;
}
