/**
 * Decoders for every frontend (client → server) message. A frame becomes one `FrontendMessage`; a
 * malformed body (truncated field, missing terminator, trailing bytes) is a protocol violation (08P01).
 */
import type { SqlError } from '../util/index.ts';
import { CANCEL_REQUEST_CODE, type Frame, GSSENC_REQUEST_CODE, protocolViolation, SSL_REQUEST_CODE } from './frames.ts';

export type FrontendMessage =
  | { readonly kind: 'Startup'; readonly majorVersion: number; readonly minorVersion: number; readonly params: ReadonlyMap<string, string> }
  | { readonly kind: 'SSLRequest' }
  | { readonly kind: 'GSSENCRequest' }
  | { readonly kind: 'CancelRequest'; readonly processId: number; readonly secretKey: number }
  | { readonly kind: 'Query'; readonly sql: string }
  | {
      readonly kind: 'Parse'; readonly name: string; readonly sql: string;
      /** Declared parameter type OIDs; 0 means "infer". */
      readonly paramOids: readonly number[];
    }
  | {
      readonly kind: 'Bind'; readonly portal: string; readonly statement: string;
      /** 0 entries: all text; 1 entry: applies to all; otherwise one per parameter. */
      readonly paramFormats: readonly number[];
      /** null for SQL NULL. */
      readonly params: readonly (Buffer | null)[];
      readonly resultFormats: readonly number[];
    }
  | { readonly kind: 'Describe'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'Execute'; readonly portal: string; readonly maxRows: number }
  | { readonly kind: 'Sync' }
  | { readonly kind: 'Flush' }
  | { readonly kind: 'Close'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'Terminate' }
  | { readonly kind: 'CopyData'; readonly data: Buffer }
  | { readonly kind: 'CopyDone' }
  | { readonly kind: 'CopyFail'; readonly message: string }
  /** PasswordMessage and the SASL responses share the 'p' type; the body is interpreted by the auth exchange. */
  | { readonly kind: 'Password'; readonly data: Buffer };

/** Sequential reads from one message body; every read checks bounds. */
class BodyReader {
  private pos = 0;
  private readonly buf: Buffer;
  private readonly what: string;
  constructor(buf: Buffer, what: string) {
    this.buf = buf;
    this.what = what;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw protocolViolation(`invalid ${this.what} message: truncated`);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw protocolViolation(`invalid ${this.what} message: unterminated string`);
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  rest(): Buffer {
    const b = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return b;
  }
  /** Non-negative int16 count (a negative count is malformed). */
  count(): number {
    const n = this.int16();
    if (n < 0) throw protocolViolation(`invalid ${this.what} message: negative count`);
    return n;
  }
  done(): void {
    if (this.pos !== this.buf.length) throw protocolViolation(`invalid ${this.what} message: trailing bytes`);
  }
}

export function decodeStartupPacket(body: Buffer): FrontendMessage {
  const r = new BodyReader(body, 'startup packet');
  const code = r.int32();
  if (code === SSL_REQUEST_CODE) return { kind: 'SSLRequest' };
  if (code === GSSENC_REQUEST_CODE) return { kind: 'GSSENCRequest' };
  if (code === CANCEL_REQUEST_CODE) {
    const processId = r.int32();
    const secretKey = r.int32();
    return { kind: 'CancelRequest', processId, secretKey };
  }
  const majorVersion = code >>> 16;
  const minorVersion = code & 0xffff;
  const params = new Map<string, string>();
  if (majorVersion === 3) {
    for (;;) {
      const key = r.cstring();
      if (key === '') break;
      params.set(key, r.cstring());
    }
    r.done();
  }
  return { kind: 'Startup', majorVersion, minorVersion, params };
}

function target(b: number, what: string): 'S' | 'P' {
  if (b === 0x53) return 'S';
  if (b === 0x50) return 'P';
  throw protocolViolation(`invalid ${what} message subtype ${b}`);
}

/** Decodes a typed (post-startup) frame. Unknown types are a protocol violation. */
export function decodeMessage(frame: Frame): FrontendMessage {
  const body = frame.body;
  switch (frame.type) {
    case 0x51: { // 'Q'
      const r = new BodyReader(body, 'Query');
      const sql = r.cstring();
      r.done();
      return { kind: 'Query', sql };
    }
    case 0x50: { // 'P'
      const r = new BodyReader(body, 'Parse');
      const name = r.cstring();
      const sql = r.cstring();
      const n = r.count();
      const paramOids: number[] = new Array<number>(n);
      for (let i = 0; i < n; i++) paramOids[i] = r.uint32();
      r.done();
      return { kind: 'Parse', name, sql, paramOids };
    }
    case 0x42: { // 'B'
      const r = new BodyReader(body, 'Bind');
      const portal = r.cstring();
      const statement = r.cstring();
      const nf = r.count();
      const paramFormats: number[] = new Array<number>(nf);
      for (let i = 0; i < nf; i++) paramFormats[i] = r.int16();
      const np = r.count();
      const params: (Buffer | null)[] = new Array<Buffer | null>(np);
      for (let i = 0; i < np; i++) {
        const len = r.int32();
        if (len < -1) throw protocolViolation('invalid Bind message: negative parameter length');
        params[i] = len === -1 ? null : r.bytes(len);
      }
      const nr = r.count();
      const resultFormats: number[] = new Array<number>(nr);
      for (let i = 0; i < nr; i++) resultFormats[i] = r.int16();
      r.done();
      return { kind: 'Bind', portal, statement, paramFormats, params, resultFormats };
    }
    case 0x44: { // 'D'
      const r = new BodyReader(body, 'Describe');
      const t = target(r.byte(), 'Describe');
      const name = r.cstring();
      r.done();
      return { kind: 'Describe', target: t, name };
    }
    case 0x45: { // 'E'
      const r = new BodyReader(body, 'Execute');
      const portal = r.cstring();
      const maxRows = r.int32();
      r.done();
      return { kind: 'Execute', portal, maxRows: maxRows < 0 ? 0 : maxRows };
    }
    case 0x43: { // 'C'
      const r = new BodyReader(body, 'Close');
      const t = target(r.byte(), 'Close');
      const name = r.cstring();
      r.done();
      return { kind: 'Close', target: t, name };
    }
    case 0x53: // 'S'
      return { kind: 'Sync' };
    case 0x48: // 'H'
      return { kind: 'Flush' };
    case 0x58: // 'X'
      return { kind: 'Terminate' };
    case 0x64: // 'd'
      return { kind: 'CopyData', data: body };
    case 0x63: // 'c'
      return { kind: 'CopyDone' };
    case 0x66: { // 'f'
      const r = new BodyReader(body, 'CopyFail');
      return { kind: 'CopyFail', message: r.cstring() };
    }
    case 0x70: // 'p'
      return { kind: 'Password', data: body };
    default:
      throw protocolViolation(`invalid frontend message type ${frame.type}`);
  }
}

/** What the connection's inbound queue holds: a message, or the framing error that ended the input. */
export type Inbound = FrontendMessage | { readonly kind: 'ProtocolError'; readonly error: SqlError };
