/**
 * The binary update codec: `(row, time, diff)` batches as compact, checksummed bytes (persist's blob
 * format). One pass each way over a Uint8Array/DataView; no JSON.
 *
 * Layout (little-endian):
 *   0  magic 'TRBU'          4  version u8 (1)        5  reserved u8×3
 *   8  count u32             12 baseTime f64 (the least time in the batch)
 *   20 updates: varuint(time - baseTime), zigzag varint diff, varuint column count, datums
 *   end-4 CRC-32 of every byte before it
 * Datums are a tag byte and a self-delimiting payload (see `Tag`). Decoding verifies the checksum
 * first, so a flipped byte or truncated file is reported as XX001 'data corrupted', never as wrong data.
 */
import { crc32 } from 'node:zlib';
import { SqlError, SqlState } from '../util/index.ts';
import { type Datum, Interval, Numeric, PgArray } from './datum.ts';
import type { Row } from './row.ts';
import type { Timestamp, Update } from './time.ts';

const MAGIC = 0x55425254; // 'TRBU' read as u32 LE
const VERSION = 1;
const HEADER_BYTES = 20;
const TRAILER_BYTES = 4;

/** Datum tags. Numbers that are safe integers (and not -0) use the varint form. */
const Tag = {
  null: 0, false: 1, true: 2, int: 3, float: 4, bigint: 5, string: 6, bytes: 7,
  numeric: 8, numericNaN: 9, numericInf: 10, numericNegInf: 11, interval: 12, array: 13, record: 14,
} as const;

/** Largest magnitude written with zigzag varints (keeps 2|n|+1 exact in a double). */
const ZIGZAG_LIMIT = 2 ** 52;
const BIG_ZIGZAG_LIMIT = 2n ** 52n;
const NEG_BIG_ZIGZAG_LIMIT = -BIG_ZIGZAG_LIMIT;

class Writer {
  buf: Buffer;
  view: DataView;
  pos = 0;
  constructor(initial: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initial));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  varuint(n: number): void {
    this.ensure(8);
    const buf = this.buf;
    if (n < 0x80) {
      buf[this.pos++] = n;
      return;
    }
    if (n <= 0xffffffff) {
      while (n >= 0x80) {
        buf[this.pos++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
      buf[this.pos++] = n;
      return;
    }
    while (n >= 0x80) {
      buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    buf[this.pos++] = n;
  }

  /** A safe integer with |n| <= 2^52 as a zigzag varint. */
  varint(n: number): void {
    if (!Number.isInteger(n) || Math.abs(n) > ZIGZAG_LIMIT) {
      throw new SqlError(SqlState.internalError, `internal error: cannot encode ${n} as an integer field (interval, array bound or diff)`);
    }
    this.varuint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bigintBody(v: bigint): void {
    if (v >= NEG_BIG_ZIGZAG_LIMIT && v <= BIG_ZIGZAG_LIMIT) {
      this.u8(0);
      this.varint(Number(v));
      return;
    }
    const neg = v < 0n;
    let mag = neg ? -v : v;
    const bytes: number[] = [];
    while (mag > 0n) {
      bytes.push(Number(mag & 0xffn));
      mag >>= 8n;
    }
    this.u8(neg ? 2 : 1);
    this.varuint(bytes.length);
    this.ensure(bytes.length);
    for (const b of bytes) this.buf[this.pos++] = b;
  }

  string(s: string): void {
    const len = s.length;
    // ASCII fast path: byte length equals string length, so the length prefix is known up front.
    this.ensure(len * 3 + 9);
    const start = this.pos;
    this.varuint(len);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = start;
        const byteLen = Buffer.byteLength(s, 'utf8');
        this.varuint(byteLen);
        this.pos += this.buf.write(s, this.pos, 'utf8');
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  bytes(b: Uint8Array): void {
    this.varuint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  datum(d: Datum): void {
    if (d === null) return this.u8(Tag.null);
    switch (typeof d) {
      case 'boolean':
        return this.u8(d ? Tag.true : Tag.false);
      case 'number':
        if (Number.isInteger(d) && Math.abs(d) <= ZIGZAG_LIMIT && !Object.is(d, -0)) {
          this.u8(Tag.int);
          return this.varuint(d >= 0 ? d * 2 : -d * 2 - 1);
        }
        this.u8(Tag.float);
        return this.f64(d);
      case 'bigint':
        this.u8(Tag.bigint);
        return this.bigintBody(d);
      case 'string':
        this.u8(Tag.string);
        return this.string(d);
      default:
        break;
    }
    if (d instanceof Uint8Array) {
      this.u8(Tag.bytes);
      return this.bytes(d);
    }
    if (d instanceof Numeric) {
      switch (d.special) {
        case 'nan': return this.u8(Tag.numericNaN);
        case 'inf': return this.u8(Tag.numericInf);
        case '-inf': return this.u8(Tag.numericNegInf);
        case undefined:
          this.u8(Tag.numeric);
          this.varint(d.scale);
          return this.bigintBody(d.coef);
      }
    }
    if (d instanceof Interval) {
      this.u8(Tag.interval);
      this.varint(d.months);
      this.varint(d.days);
      return this.bigintBody(d.micros);
    }
    if (d instanceof PgArray) {
      this.u8(Tag.array);
      this.varuint(d.dims.length);
      for (const dim of d.dims) {
        this.varuint(dim.length);
        this.varint(dim.lower);
      }
      return this.datums(d.elems);
    }
    this.u8(Tag.record);
    return this.datums(d as readonly Datum[]);
  }

  datums(row: readonly Datum[]): void {
    this.varuint(row.length);
    for (let i = 0; i < row.length; i++) this.datum(row[i]!);
  }
}

/** Encodes a batch of updates (any order; times must be valid Timestamps, diffs safe integers). */
export function encodeUpdates(updates: readonly Update[]): Uint8Array {
  let base = Infinity;
  for (let i = 0; i < updates.length; i++) {
    const t = updates[i]![1];
    if (t < base) base = t;
  }
  if (base === Infinity) base = 0;
  const w = new Writer(HEADER_BYTES + updates.length * 24 + TRAILER_BYTES);
  w.view.setUint32(0, MAGIC, true);
  w.buf[4] = VERSION;
  w.buf[5] = 0;
  w.buf[6] = 0;
  w.buf[7] = 0;
  w.view.setUint32(8, updates.length, true);
  w.view.setFloat64(12, base, true);
  w.pos = HEADER_BYTES;
  for (let i = 0; i < updates.length; i++) {
    const [row, time, diff] = updates[i]!;
    if (!Number.isSafeInteger(time) || time < 0) throw new SqlError(SqlState.internalError, `internal error: invalid timestamp ${time}`);
    w.varuint(time - base);
    w.varint(diff);
    w.datums(row);
  }
  w.ensure(TRAILER_BYTES);
  const crc = crc32(w.buf.subarray(0, w.pos));
  w.view.setUint32(w.pos, crc, true);
  w.pos += TRAILER_BYTES;
  return w.buf.subarray(0, w.pos);
}

/** Thrown for any malformed input; converted to a SqlError naming the source at the top. */
class Malformed extends Error {}

class Reader {
  readonly buf: Buffer;
  readonly view: DataView;
  pos: number;
  readonly end: number;
  constructor(bytes: Uint8Array, start: number, end: number) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  need(n: number): void {
    if (this.pos + n > this.end) throw new Malformed('unexpected end of data');
  }

  u8(): number {
    if (this.pos >= this.end) throw new Malformed('unexpected end of data');
    return this.buf[this.pos++]!;
  }

  varuint(): number {
    const buf = this.buf;
    if (this.pos >= this.end) throw new Malformed('unexpected end of data');
    let b = buf[this.pos++]!;
    if (b < 0x80) return b;
    let result = b & 0x7f;
    let mult = 128;
    for (let i = 1; i < 8; i++) {
      if (this.pos >= this.end) throw new Malformed('unexpected end of data');
      b = buf[this.pos++]!;
      result += (b & 0x7f) * mult;
      if (b < 0x80) return result;
      mult *= 128;
    }
    throw new Malformed('varint too long');
  }

  varint(): number {
    const z = this.varuint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bigintBody(): bigint {
    const kind = this.u8();
    if (kind === 0) return BigInt(this.varint());
    if (kind !== 1 && kind !== 2) throw new Malformed(`bad bigint kind ${kind}`);
    const len = this.varuint();
    this.need(len);
    let mag = 0n;
    for (let i = len - 1; i >= 0; i--) mag = (mag << 8n) | BigInt(this.buf[this.pos + i]!);
    this.pos += len;
    return kind === 2 ? -mag : mag;
  }

  string(): string {
    const len = this.varuint();
    this.need(len);
    const start = this.pos;
    this.pos += len;
    return this.buf.toString('utf8', start, start + len);
  }

  datum(depth: number): Datum {
    const tag = this.u8();
    switch (tag) {
      case Tag.null: return null;
      case Tag.false: return false;
      case Tag.true: return true;
      case Tag.int: return this.varint();
      case Tag.float: return this.f64();
      case Tag.bigint: return this.bigintBody();
      case Tag.string: return this.string();
      case Tag.bytes: {
        const len = this.varuint();
        this.need(len);
        const out = new Uint8Array(len);
        out.set(this.buf.subarray(this.pos, this.pos + len));
        this.pos += len;
        return out;
      }
      case Tag.numeric: {
        const scale = this.varint();
        return new Numeric(this.bigintBody(), scale);
      }
      case Tag.numericNaN: return new Numeric(0n, 0, 'nan');
      case Tag.numericInf: return new Numeric(0n, 0, 'inf');
      case Tag.numericNegInf: return new Numeric(0n, 0, '-inf');
      case Tag.interval: {
        const months = this.varint();
        const days = this.varint();
        return new Interval(months, days, this.bigintBody());
      }
      case Tag.array: {
        const ndims = this.varuint();
        if (ndims > 64) throw new Malformed(`array with ${ndims} dimensions`);
        const dims: { length: number; lower: number }[] = [];
        for (let i = 0; i < ndims; i++) {
          const length = this.varuint();
          dims.push({ length, lower: this.varint() });
        }
        return new PgArray(this.datums(depth + 1), dims);
      }
      case Tag.record: return this.datums(depth + 1);
      default: throw new Malformed(`unknown datum tag ${tag}`);
    }
  }

  datums(depth: number): Datum[] {
    if (depth > 100) throw new Malformed('nesting too deep');
    const n = this.varuint();
    if (n > this.end - this.pos) throw new Malformed(`implausible column count ${n}`);
    // Array literals for common widths: exact size, and V8 tracks their allocation sites, so rows
    // that all survive (a snapshot) get pretenured instead of copied by every scavenge.
    switch (n) {
      case 0: return [];
      case 1: return [this.datum(depth)];
      case 2: { const a = this.datum(depth); return [a, this.datum(depth)]; }
      case 3: { const a = this.datum(depth); const b = this.datum(depth); return [a, b, this.datum(depth)]; }
      case 4: {
        const a = this.datum(depth); const b = this.datum(depth); const c = this.datum(depth);
        return [a, b, c, this.datum(depth)];
      }
      default: {
        const out = new Array<Datum>(n);
        for (let i = 0; i < n; i++) out[i] = this.datum(depth);
        return out;
      }
    }
  }
}

/** A SqlError XX001 naming `source` (a file path or blob key). */
export function dataCorrupted(source: string, reason: string): SqlError {
  return new SqlError(SqlState.dataCorrupted, `data corrupted in ${source}: ${reason}`, {
    hint: 'The file was modified or truncated outside Tributary, or the disk is failing.',
  });
}

/**
 * Decodes bytes made by `encodeUpdates`. `source` names the file or key in errors. Throws SqlError
 * XX001 if the magic, version, checksum or structure is wrong.
 */
export function decodeUpdates(bytes: Uint8Array, source = 'update batch'): Update[] {
  const steps = decodeUpdatesStepwise(bytes, source, Infinity);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/**
 * decodeUpdates in steps: checks the header and checksum first, then decodes at most `slice`
 * updates per step (yielding how many are done), returning the whole array at the end — so a caller
 * decoding a million-row batch can give the event loop a turn between steps.
 */
export function* decodeUpdatesStepwise(bytes: Uint8Array, source = 'update batch', slice = 65_536): Generator<number, Update[], void> {
  if (bytes.length < HEADER_BYTES + TRAILER_BYTES) {
    throw dataCorrupted(source, `${bytes.length} bytes is shorter than the ${HEADER_BYTES + TRAILER_BYTES}-byte minimum`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw dataCorrupted(source, 'bad magic number (not an update batch)');
  const version = bytes[4]!;
  if (version !== VERSION) throw dataCorrupted(source, `unsupported format version ${version}`);
  const bodyEnd = bytes.length - TRAILER_BYTES;
  const stored = view.getUint32(bodyEnd, true);
  const actual = crc32(bytes.subarray(0, bodyEnd));
  if (stored !== actual) throw dataCorrupted(source, `checksum mismatch (stored ${stored}, computed ${actual})`);
  const count = view.getUint32(8, true);
  const base = view.getFloat64(12, true);
  const r = new Reader(bytes, HEADER_BYTES, bodyEnd);
  if (count > bodyEnd - HEADER_BYTES) throw dataCorrupted(source, `implausible update count ${count}`);
  const out = new Array<Update>(count);
  for (let done = 0; done < count;) {
    const stop = Math.min(count, done + slice);
    try {
      for (let i = done; i < stop; i++) {
        const time = (base + r.varuint()) as Timestamp;
        const diff = r.varint();
        const row: Row = r.datums(0);
        out[i] = [row, time, diff];
      }
    } catch (err) {
      if (err instanceof Malformed) throw dataCorrupted(source, err.message);
      throw err;
    }
    done = stop;
    if (done < count) yield done;
  }
  if (r.pos !== bodyEnd) throw dataCorrupted(source, `${bodyEnd - r.pos} trailing bytes`);
  return out;
}
