/**
 * A growable output buffer for backend messages. Messages are written in place (type byte, a length
 * placeholder patched when the message ends), so encoding a DataRow costs no intermediate strings or
 * per-message Buffers. The connection hands the accumulated bytes to the socket with `take()`.
 */

const INITIAL_CAPACITY = 64 * 1024;
/** Below this many bytes `take()` copies out and keeps the buffer; above, it hands the buffer off. */
const COPY_OUT_LIMIT = 16 * 1024;

export class MessageWriter {
  private buf: Buffer;
  private pos = 0;
  /** Offset of the current message's length field, or -1 outside a message. */
  private msgStart = -1;

  constructor(capacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Bytes buffered and not yet taken. */
  get length(): number {
    return this.pos;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Starts a message with type byte `type`; end it with `end()`. */
  begin(type: number): void {
    this.ensure(5);
    this.buf[this.pos] = type;
    this.msgStart = this.pos + 1;
    this.pos += 5;
  }

  /** Patches the length of the message begun last. */
  end(): void {
    this.buf.writeInt32BE(this.pos - this.msgStart, this.msgStart);
    this.msgStart = -1;
  }

  /** Raw bytes that are not a typed message (the 'N' answer to SSLRequest). */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  int16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  int64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  float32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatBE(v, this.pos);
    this.pos += 4;
  }

  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** UTF-8 bytes of `s`, no terminator. Short ASCII strings skip the encoder call. */
  string(s: string): void {
    const n = s.length;
    // Worst case is 3 bytes per UTF-16 unit; measure exactly only when that bound would be costly.
    this.ensure(n < 65536 ? n * 3 : Buffer.byteLength(s));
    const buf = this.buf;
    let p = this.pos;
    if (n < 48) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        this.pos = p;
        return;
      }
      p = this.pos;
    }
    this.pos = p + buf.write(s, p);
  }

  /** A NUL-terminated string (identifiers, error fields, SQL text). */
  cstring(s: string): void {
    this.string(s);
    this.byte(0);
  }

  /** A length-prefixed value (DataRow column, CopyData payload): int32 length, then UTF-8. */
  lengthPrefixedString(s: string): void {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    this.string(s);
    this.buf.writeInt32BE(this.pos - at - 4, at);
  }

  /** Reserves an int32 length slot; returns its offset for `patchLength`. */
  reserveLength(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  /** Writes at `at` the number of bytes written since the slot (excluding the slot itself). */
  patchLength(at: number): void {
    this.buf.writeInt32BE(this.pos - at - 4, at);
  }

  /** The bytes written so far; the writer starts empty again. */
  take(): Buffer {
    const n = this.pos;
    this.pos = 0;
    if (n <= COPY_OUT_LIMIT) return Buffer.from(this.buf.subarray(0, n));
    const out = this.buf.subarray(0, n);
    this.buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
    return out;
  }
}

