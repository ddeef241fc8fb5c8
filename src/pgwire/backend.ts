/**
 * Encoders for every backend (server → client) message, written straight into a MessageWriter.
 * DataRow encoding lives in rows.ts (it is the hot path and depends on per-column formats).
 */
import type { Notice } from '../adapter/index.ts';
import { type Column, type ScalarType, typeOid } from '../repr/index.ts';
import type { SqlError } from '../util/index.ts';
import type { MessageWriter } from './writer.ts';

export function authenticationOk(w: MessageWriter): void {
  w.begin(0x52); // 'R'
  w.int32(0);
  w.end();
}

export function parameterStatus(w: MessageWriter, name: string, value: string): void {
  w.begin(0x53); // 'S'
  w.cstring(name);
  w.cstring(value);
  w.end();
}

export function backendKeyData(w: MessageWriter, processId: number, secretKey: number): void {
  w.begin(0x4b); // 'K'
  w.int32(processId);
  w.int32(secretKey);
  w.end();
}

/** Protocol 3.x with a newer minor version than ours, or unknown `_pq_.` options. */
export function negotiateProtocolVersion(w: MessageWriter, newestMinor: number, unrecognized: readonly string[]): void {
  w.begin(0x76); // 'v'
  w.int32(newestMinor);
  w.int32(unrecognized.length);
  for (const o of unrecognized) w.cstring(o);
  w.end();
}

export function readyForQuery(w: MessageWriter, status: 'I' | 'T' | 'E'): void {
  w.begin(0x5a); // 'Z'
  w.byte(status.charCodeAt(0));
  w.end();
}

/** Fixed storage size of a type as pg_type.typlen reports it, or -1 for variable length. */
export function typeSize(t: ScalarType): number {
  switch (t.name) {
    case 'bool': case 'char': return 1;
    case 'int2': return 2;
    case 'int4': case 'float4': case 'date': case 'oid': case 'regclass': case 'regproc': case 'regtype': case 'regnamespace': case 'regrole': return 4;
    case 'int8': case 'float8': case 'time': case 'timestamp': case 'timestamptz': case 'mz_timestamp': return 8;
    case 'interval': case 'uuid': return 16;
    case 'name': return 64;
    default: return -1;
  }
}

/** RowDescription; `formats[i]` is column i's format code (0 text, 1 binary). */
export function rowDescription(w: MessageWriter, columns: readonly Column[], formats: readonly number[]): void {
  w.begin(0x54); // 'T'
  w.int16(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    w.cstring(c.name);
    // A bare table/view column names its origin (pgjdbc's getTableName/isNullable look it up in pg_attribute); else 0.
    w.uint32(c.tableOid ?? 0);
    w.int16(c.attnum ?? 0);
    w.uint32(typeOid(c.type));
    w.int16(typeSize(c.type));
    w.int32(c.type.typmod ?? -1);
    w.int16(formats[i] ?? 0);
  }
  w.end();
}

export function commandComplete(w: MessageWriter, tag: string): void {
  w.begin(0x43); // 'C'
  w.cstring(tag);
  w.end();
}

export function emptyQueryResponse(w: MessageWriter): void {
  w.begin(0x49); // 'I'
  w.end();
}

function field(w: MessageWriter, code: string, value: string | undefined): void {
  if (value === undefined) return;
  w.byte(code.charCodeAt(0));
  w.cstring(value);
}

export function errorResponse(w: MessageWriter, err: SqlError): void {
  w.begin(0x45); // 'E'
  field(w, 'S', err.severity);
  field(w, 'V', err.severity);
  field(w, 'C', err.code);
  field(w, 'M', err.message);
  field(w, 'D', err.detail);
  field(w, 'H', err.hint);
  field(w, 'P', err.position === undefined ? undefined : String(err.position));
  w.byte(0);
  w.end();
}

export function noticeResponse(w: MessageWriter, notice: Notice): void {
  w.begin(0x4e); // 'N'
  field(w, 'S', notice.severity);
  field(w, 'V', notice.severity);
  field(w, 'C', notice.code);
  field(w, 'M', notice.message);
  field(w, 'D', notice.detail);
  field(w, 'H', notice.hint);
  w.byte(0);
  w.end();
}

function emptyMessage(w: MessageWriter, type: number): void {
  w.begin(type);
  w.end();
}

export const parseComplete = (w: MessageWriter): void => emptyMessage(w, 0x31); // '1'
export const bindComplete = (w: MessageWriter): void => emptyMessage(w, 0x32); // '2'
export const closeComplete = (w: MessageWriter): void => emptyMessage(w, 0x33); // '3'
export const noData = (w: MessageWriter): void => emptyMessage(w, 0x6e); // 'n'
export const portalSuspended = (w: MessageWriter): void => emptyMessage(w, 0x73); // 's'
export const copyDone = (w: MessageWriter): void => emptyMessage(w, 0x63); // 'c'

export function parameterDescription(w: MessageWriter, types: readonly ScalarType[]): void {
  w.begin(0x74); // 't'
  w.int16(types.length);
  for (const t of types) w.uint32(typeOid(t));
  w.end();
}

function copyResponse(w: MessageWriter, type: number, columnCount: number): void {
  w.begin(type);
  w.int8(0); // overall format: text
  w.int16(columnCount);
  for (let i = 0; i < columnCount; i++) w.int16(0);
  w.end();
}

export const copyOutResponse = (w: MessageWriter, columnCount: number): void => copyResponse(w, 0x48, columnCount); // 'H'
export const copyInResponse = (w: MessageWriter, columnCount: number): void => copyResponse(w, 0x47, columnCount); // 'G'

export function copyData(w: MessageWriter, data: Uint8Array): void {
  w.begin(0x64); // 'd'
  w.bytes(data);
  w.end();
}
