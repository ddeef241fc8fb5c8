/**
 * PostgreSQL's binary wire format (typsend/typrecv) for the types Tributary supports in binary.
 * Datum representations are those of repr/datum.ts; times shift between the Unix epoch (repr) and
 * PostgreSQL's 2000-01-01 epoch (wire). Numeric uses PostgreSQL's base-10000 digit format, exactly.
 */
import { type Datum, Interval, Numeric, type ScalarType, typeName } from '../repr/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import type { MessageWriter } from './writer.ts';

/** Days from 1970-01-01 to 2000-01-01. */
const PG_EPOCH_DAYS = 10957;
const PG_EPOCH_MICROS = 946_684_800_000_000n;

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
    default:
      return false;
  }
}

export function binaryUnsupported(type: ScalarType): SqlError {
  return new SqlError(SqlState.featureNotSupported, `binary format for type ${typeName(type)} not yet supported`);
}

/** Writes the binary form of a non-null datum (no length prefix). */
export function encodeBinary(w: MessageWriter, d: Datum, type: ScalarType): void {
  switch (type.name) {
    case 'bool': w.int8(d ? 1 : 0); return;
    case 'int2': w.int16(d as number); return;
    case 'int4': w.int32(d as number); return;
    case 'oid': w.uint32(d as number); return;
    case 'int8': w.int64(d as bigint); return;
    case 'float4': w.float32(d as number); return;
    case 'float8': w.float64(d as number); return;
    case 'numeric': encodeNumeric(w, d as Numeric); return;
    case 'text': case 'varchar': case 'bpchar': case 'name': case 'char': case 'unknown': case 'json':
      w.string(d as string); return;
    case 'jsonb':
      w.int8(1); // jsonb binary format version
      w.string(d as string);
      return;
    case 'date': w.int32((d as number) - PG_EPOCH_DAYS); return;
    case 'time': w.int64(BigInt(d as number)); return;
    case 'timestamp': case 'timestamptz': w.int64((d as bigint) - PG_EPOCH_MICROS); return;
    case 'interval': {
      const iv = d as Interval;
      w.int64(iv.micros);
      w.int32(iv.days);
      w.int32(iv.months);
      return;
    }
    case 'bytea': w.bytes(d as Uint8Array); return;
    case 'uuid': w.bytes(Buffer.from((d as string).replace(/-/g, ''), 'hex')); return;
    default: throw binaryUnsupported(type);
  }
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
      return b.toString('utf8', 1);
    case 'date': expectLength(b, 4, type); return b.readInt32BE(0) + PG_EPOCH_DAYS;
    case 'time': expectLength(b, 8, type); return Number(b.readBigInt64BE(0));
    case 'timestamp': case 'timestamptz': expectLength(b, 8, type); return b.readBigInt64BE(0) + PG_EPOCH_MICROS;
    case 'interval': expectLength(b, 16, type); return new Interval(b.readInt32BE(12), b.readInt32BE(8), b.readBigInt64BE(0));
    case 'bytea': return new Uint8Array(b);
    case 'uuid': {
      expectLength(b, 16, type);
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
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
