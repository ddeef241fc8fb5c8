/**
 * Result rows on the wire: DataRow in text or binary per column, COPY text format rows, and the
 * decoding of Bind parameters. DataRow is the hot path: each column gets its encoder chosen once per
 * result (not per row), and values are written straight into the connection's MessageWriter.
 */
import { type Column, type Datum, formatText, parseText, type Row, type ScalarType } from '../repr/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import { binaryEncoder, binarySupported, binaryUnsupported, decodeBinary } from './binary.ts';
import type { MessageWriter } from './writer.ts';

/** Writes one non-null column value (without its length prefix). */
type ValueEncoder = (w: MessageWriter, d: Datum) => void;

const writeString: ValueEncoder = (w, d) => w.string(d as string);
const writeNumber: ValueEncoder = (w, d) => w.string(String(d as number | bigint));

function textEncoder(type: ScalarType): ValueEncoder {
  switch (type.name) {
    case 'text': case 'varchar': case 'bpchar': case 'name': case 'char': case 'json': case 'jsonb': case 'uuid': case 'unknown':
      return writeString;
    case 'int2': case 'int4': case 'int8': case 'oid': case 'mz_timestamp':
      return writeNumber;
    default:
      return (w, d) => w.string(formatText(d, type)!);
  }
}

/**
 * Expands a Bind's result-format codes to one per column: none means all text, one applies to all.
 * Throws 08P01 on a count mismatch or an unknown code, 0A000 for binary on a type without a binary form.
 */
export function resolveResultFormats(columns: readonly Column[], codes: readonly number[]): number[] {
  if (codes.length !== 0 && codes.length !== 1 && codes.length !== columns.length) {
    throw new SqlError(SqlState.protocolViolation, `bind message has ${codes.length} result formats but query has ${columns.length} columns`);
  }
  const formats = new Array<number>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const f = codes.length === 0 ? 0 : codes.length === 1 ? codes[0]! : codes[i]!;
    if (f !== 0 && f !== 1) throw new SqlError(SqlState.protocolViolation, `unsupported format code: ${f}`);
    if (f === 1 && !binarySupported(columns[i]!.type)) throw binaryUnsupported(columns[i]!.type);
    formats[i] = f;
  }
  return formats;
}

/** Encodes rows of one result shape as DataRow messages. */
export class DataRowEncoder {
  private readonly encoders: ValueEncoder[];

  constructor(columns: readonly Column[], formats: readonly number[]) {
    this.encoders = columns.map((c, i) => {
      return formats[i] === 1 ? binaryEncoder(c.type) : textEncoder(c.type);
    });
  }

  write(w: MessageWriter, row: Row): void {
    const encoders = this.encoders;
    const n = encoders.length;
    w.begin(0x44); // 'D'
    w.int16(n);
    for (let i = 0; i < n; i++) {
      const d = row[i];
      if (d === null || d === undefined) {
        w.int32(-1);
        continue;
      }
      const at = w.reserveLength();
      encoders[i]!(w, d);
      w.patchLength(at);
    }
    w.end();
  }
}

/** Encodes rows as COPY text format CopyData messages: tab-separated, \N for NULL, backslash escapes. */
export class CopyTextEncoder {
  private readonly types: readonly ScalarType[];

  constructor(columns: readonly Column[]) {
    this.types = columns.map((c) => c.type);
  }

  write(w: MessageWriter, row: Row): void {
    const types = this.types;
    w.begin(0x64); // 'd'
    for (let i = 0; i < types.length; i++) {
      if (i > 0) w.byte(0x09);
      const d = row[i];
      const s = d === null || d === undefined ? null : formatText(d, types[i]!);
      if (s === null) {
        w.byte(0x5c); // \N
        w.byte(0x4e);
      } else {
        w.string(escapeCopyText(s));
      }
    }
    w.byte(0x0a);
    w.end();
  }
}

const COPY_SPECIAL = /[\\\n\r\t\b\f\v]/;
const COPY_SPECIAL_G = /[\\\n\r\t\b\f\v]/g;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v',
};

export function escapeCopyText(s: string): string {
  if (!COPY_SPECIAL.test(s)) return s;
  return s.replace(COPY_SPECIAL_G, (c) => COPY_ESCAPES[c]!);
}

/**
 * Decodes Bind parameters to datums of the statement's parameter types. Format codes follow the
 * Bind rules (none: all text; one: applies to all; else one per parameter).
 */
export function decodeParams(
  values: readonly (Buffer | null)[],
  formatCodes: readonly number[],
  types: readonly ScalarType[],
): Datum[] {
  if (formatCodes.length !== 0 && formatCodes.length !== 1 && formatCodes.length !== values.length) {
    throw new SqlError(SqlState.protocolViolation, `bind message has ${formatCodes.length} parameter formats but ${values.length} parameters`);
  }
  const out = new Array<Datum>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      out[i] = null;
      continue;
    }
    const type = types[i]!;
    const f = formatCodes.length === 0 ? 0 : formatCodes.length === 1 ? formatCodes[0]! : formatCodes[i]!;
    if (f === 0) out[i] = parseText(v.toString('utf8'), type);
    else if (f === 1) out[i] = decodeBinary(v, type);
    else throw new SqlError(SqlState.protocolViolation, `unsupported format code: ${f}`);
  }
  return out;
}
