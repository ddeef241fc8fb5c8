/**
 * PostgreSQL's binary wire format (typsend/typrecv) for the types Tributary supports in binary.
 * Datum representations are those of repr/datum.ts; times shift between the Unix epoch (repr) and
 * PostgreSQL's 2000-01-01 epoch (wire). Numeric uses PostgreSQL's base-10000 digit format, exactly.
 */
import {
  type Datum, Interval, Numeric, PgArray, type ScalarType, TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY, parseJsonb, typeName, typeOid,
} from '../repr/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import type { MessageWriter } from './writer.ts';

/** Days from 1970-01-01 to 2000-01-01. */
const PG_EPOCH_DAYS = 10957;
const PG_EPOCH_MICROS = 946_684_800_000_000n;
// PostgreSQL sends ±infinity as the extreme integers (DATEVAL_NOBEGIN/NOEND, DT_NOBEGIN/NOEND); repr
// keeps timestamps' infinities as the same int64 extremes (unshifted) and dates' as ±Infinity.
const DATE_NOEND = 0x7fffffff;
const DATE_NOBEGIN = -0x80000000;

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

/** True when `type` has a binary send/receive implementation here. */
export function binarySupported(type: ScalarType): boolean {
  switch (type.name) {
    case 'bool': case 'int2': case 'int4': case 'int8': case 'float4': case 'float8': case 'numeric':
    case 'text': case 'varchar': case 'bpchar': case 'name': case 'char': case 'unknown': case 'json': case 'jsonb':
    case 'date': case 'time': case 'timestamp': case 'timestamptz': case 'interval':
    case 'bytea': case 'uuid': case 'oid':
      return true;
    case 'array':
      return type.elem !== undefined && type.elem.name !== 'array' && binarySupported(type.elem);
    default:
      return false;
  }
}

export function binaryUnsupported(type: ScalarType): SqlError {
  return new SqlError(SqlState.featureNotSupported, `binary format for type ${typeName(type)} not yet supported`);
}

/** Writes one non-null datum's binary form (no length prefix). */
export type BinaryEncoder = (w: MessageWriter, d: Datum) => void;

const encInt2: BinaryEncoder = (w, d) => w.int16(d as number);
const encInt4: BinaryEncoder = (w, d) => w.int32(d as number);
const encOid: BinaryEncoder = (w, d) => w.uint32(d as number);
const encInt8: BinaryEncoder = (w, d) => w.int64(d as bigint);
const encFloat4: BinaryEncoder = (w, d) => w.float32(d as number);
const encFloat8: BinaryEncoder = (w, d) => w.float64(d as number);
const encBool: BinaryEncoder = (w, d) => w.int8(d ? 1 : 0);
const encString: BinaryEncoder = (w, d) => w.string(d as string);
const encJsonb: BinaryEncoder = (w, d) => {
  w.int8(1); // jsonb binary format version
  w.string(d as string);
};
const encNumeric: BinaryEncoder = (w, d) => encodeNumeric(w, d as Numeric);
const encDate: BinaryEncoder = (w, d) => w.int32(d === Infinity ? DATE_NOEND : d === -Infinity ? DATE_NOBEGIN : (d as number) - PG_EPOCH_DAYS);
const encTime: BinaryEncoder = (w, d) => w.int64(BigInt(d as number));
const encTimestamp: BinaryEncoder = (w, d) => w.int64(d === TIMESTAMP_INFINITY || d === TIMESTAMP_NEG_INFINITY ? d : (d as bigint) - PG_EPOCH_MICROS);
const encInterval: BinaryEncoder = (w, d) => {
  const iv = d as Interval;
  w.int64(iv.micros);
  w.int32(iv.days);
  w.int32(iv.months);
};
const encBytes: BinaryEncoder = (w, d) => w.bytes(d as Uint8Array);
const encUuid: BinaryEncoder = (w, d) => w.bytes(Buffer.from((d as string).replace(/-/g, ''), 'hex'));

/** The binary encoder for `type`, chosen once per result column. Throws 0A000 for unsupported types. */
export function binaryEncoder(type: ScalarType): BinaryEncoder {
  switch (type.name) {
    case 'bool': return encBool;
    case 'int2': return encInt2;
    case 'int4': return encInt4;
    case 'oid': return encOid;
    case 'int8': return encInt8;
    case 'float4': return encFloat4;
    case 'float8': return encFloat8;
    case 'numeric': return encNumeric;
    case 'text': case 'varchar': case 'bpchar': case 'name': case 'char': case 'unknown': case 'json': return encString;
    case 'jsonb': return encJsonb;
    case 'date': return encDate;
    case 'time': return encTime;
    case 'timestamp': case 'timestamptz': return encTimestamp;
    case 'interval': return encInterval;
    case 'bytea': return encBytes;
    case 'uuid': return encUuid;
    case 'array': {
      const elem = type.elem;
      if (elem === undefined || elem.name === 'array') throw binaryUnsupported(type);
      const encElem = binaryEncoder(elem);
      const elemOid = typeOid(elem);
      return (w, d) => encodeArray(w, d as PgArray, elemOid, encElem);
    }
    default: throw binaryUnsupported(type);
  }
}

/** array_send: int32 ndim, int32 has-nulls, uint32 element OID, (int32 length, int32 lower bound) per dimension, then length-prefixed elements. */
function encodeArray(w: MessageWriter, a: PgArray, elemOid: number, encElem: BinaryEncoder): void {
  w.int32(a.dims.length);
  w.int32(a.elems.some((e) => e === null) ? 1 : 0);
  w.uint32(elemOid);
  for (const dim of a.dims) {
    w.int32(dim.length);
    w.int32(dim.lower);
  }
  for (const e of a.elems) {
    if (e === null) {
      w.int32(-1);
      continue;
    }
    const at = w.reserveLength();
    encElem(w, e);
    w.patchLength(at);
  }
}

function decodeArray(b: Buffer, type: ScalarType): PgArray {
  const elem = type.elem;
  if (elem === undefined || elem.name === 'array') throw binaryUnsupported(type);
  if (b.length < 12) throw badBinary(type);
  const ndim = b.readInt32BE(0);
  const oid = b.readUInt32BE(8);
  if (ndim < 0 || ndim > 6 || b.length < 12 + 8 * ndim) throw badBinary(type);
  if (oid !== typeOid(elem)) throw new SqlError(SqlState.datatypeMismatch, 'wrong element type');
  const elemType = elem;
  const dims: { length: number; lower: number }[] = [];
  let count = ndim === 0 ? 0 : 1;
  for (let i = 0; i < ndim; i++) {
    const length = b.readInt32BE(12 + 8 * i);
    const lower = b.readInt32BE(16 + 8 * i);
    if (length < 0) throw badBinary(type);
    dims.push({ length, lower });
    count *= length;
  }
  let pos = 12 + 8 * ndim;
  const elems: Datum[] = [];
  for (let i = 0; i < count; i++) {
    if (pos + 4 > b.length) throw badBinary(type);
    const len = b.readInt32BE(pos);
    pos += 4;
    if (len === -1) {
      elems.push(null);
      continue;
    }
    if (len < 0 || pos + len > b.length) throw badBinary(type);
    elems.push(decodeBinary(b.subarray(pos, pos + len), elemType));
    pos += len;
  }
  if (pos !== b.length) throw badBinary(type);
  return new PgArray(elems, dims);
}

/** Writes the binary form of a non-null datum (no length prefix). */
export function encodeBinary(w: MessageWriter, d: Datum, type: ScalarType): void {
  binaryEncoder(type)(w, d);
}

function badBinary(type: ScalarType): SqlError {
  return new SqlError('22P03', `incorrect binary data format for type ${typeName(type)}`);
}

function expectLength(b: Buffer, n: number, type: ScalarType): void {
  if (b.length !== n) throw badBinary(type);
}

/** Decodes a binary parameter value. Throws SqlError 22P03 on malformed input, 0A000 on unsupported types. */
export function decodeBinary(b: Buffer, type: ScalarType): Datum {
  switch (type.name) {
    case 'bool': expectLength(b, 1, type); return b[0] !== 0;
    case 'int2': expectLength(b, 2, type); return b.readInt16BE(0);
    case 'int4': expectLength(b, 4, type); return b.readInt32BE(0);
    case 'oid': expectLength(b, 4, type); return b.readUInt32BE(0);
    case 'int8': expectLength(b, 8, type); return b.readBigInt64BE(0);
    case 'float4': expectLength(b, 4, type); return b.readFloatBE(0);
    case 'float8': expectLength(b, 8, type); return b.readDoubleBE(0);
    case 'numeric': return decodeNumeric(b, type);
    case 'text': case 'varchar': case 'bpchar': case 'name': case 'char': case 'unknown': case 'json':
      return b.toString('utf8');
    case 'jsonb':
      if (b.length < 1 || b[0] !== 1) throw badBinary(type);
      // A jsonb datum is its canonical text (repr/jsonb.ts), whatever spacing the client sent.
      return parseJsonb(b.toString('utf8', 1));
    case 'date': {
      expectLength(b, 4, type);
      const v = b.readInt32BE(0);
      return v === DATE_NOEND ? Infinity : v === DATE_NOBEGIN ? -Infinity : v + PG_EPOCH_DAYS;
    }
    case 'time': expectLength(b, 8, type); return Number(b.readBigInt64BE(0));
    case 'timestamp': case 'timestamptz': {
      expectLength(b, 8, type);
      const v = b.readBigInt64BE(0);
      return v === TIMESTAMP_INFINITY || v === TIMESTAMP_NEG_INFINITY ? v : v + PG_EPOCH_MICROS;
    }
    case 'interval': expectLength(b, 16, type); return new Interval(b.readInt32BE(12), b.readInt32BE(8), b.readBigInt64BE(0));
    case 'bytea': return new Uint8Array(b);
    case 'uuid': {
      expectLength(b, 16, type);
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 'array': return decodeArray(b, type);
    default: throw binaryUnsupported(type);
  }
}

/**
 * PostgreSQL numeric_send: int16 ndigits, int16 weight (of the first digit, in base-10000 places
 * before the point), int16 sign, int16 dscale (decimal digits after the point), then base-10000 digits.
 */
function encodeNumeric(w: MessageWriter, n: Numeric): void {
  if (n.special !== undefined) {
    w.int16(0);
    w.int16(0);
    w.int16(n.special === 'nan' ? NUMERIC_NAN : n.special === 'inf' ? NUMERIC_PINF : NUMERIC_NINF);
    w.int16(0);
    return;
  }
  let coef = n.coef;
  let scale = n.scale;
  if (scale < 0) {
    coef *= 10n ** BigInt(-scale);
    scale = 0;
  }
  const neg = coef < 0n;
  const digits = (neg ? -coef : coef).toString();
  // Split at the decimal point, then pad both halves to whole base-10000 digits.
  let intPart = digits.length > scale ? digits.slice(0, digits.length - scale) : '';
  let fracPart = digits.length > scale ? digits.slice(digits.length - scale) : digits.padStart(scale, '0');
  if (intPart.length % 4 !== 0) intPart = intPart.padStart(intPart.length + 4 - (intPart.length % 4), '0');
  if (fracPart.length % 4 !== 0) fracPart = fracPart.padEnd(fracPart.length + 4 - (fracPart.length % 4), '0');
  const all = intPart + fracPart;
  const groups: number[] = [];
  for (let i = 0; i < all.length; i += 4) groups.push(Number(all.slice(i, i + 4)));
  let weight = intPart.length / 4 - 1;
  let first = 0;
  while (first < groups.length && groups[first] === 0) {
    first++;
    weight--;
  }
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  const ndigits = last - first;
  w.int16(ndigits);
  w.int16(ndigits === 0 ? 0 : weight);
  w.int16(neg && ndigits > 0 ? NUMERIC_NEG : NUMERIC_POS);
  w.int16(scale);
  for (let i = first; i < last; i++) w.int16(groups[i]!);
}

function decodeNumeric(b: Buffer, type: ScalarType): Numeric {
  if (b.length < 8) throw badBinary(type);
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (ndigits < 0 || dscale < 0 || b.length !== 8 + 2 * ndigits) throw badBinary(type);
  if (sign === NUMERIC_NAN) return new Numeric(0n, 0, 'nan');
  if (sign === NUMERIC_PINF) return new Numeric(0n, 0, 'inf');
  if (sign === NUMERIC_NINF) return new Numeric(0n, 0, '-inf');
  if (sign !== NUMERIC_POS && sign !== NUMERIC_NEG) throw badBinary(type);
  let coef = 0n;
  for (let i = 0; i < ndigits; i++) {
    const d = b.readInt16BE(8 + 2 * i);
    if (d < 0 || d >= 10000) throw badBinary(type);
    coef = coef * 10000n + BigInt(d);
  }
  if (sign === NUMERIC_NEG) coef = -coef;
  // coef is the value × 10000^(ndigits - 1 - weight).
  const scale = 4 * (ndigits - 1 - weight);
  const raw = scale >= 0 ? new Numeric(coef, scale) : new Numeric(coef * 10n ** BigInt(-scale), 0);
  return raw.withScale(dscale);
}
