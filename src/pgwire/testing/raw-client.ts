/**
 * A raw protocol client for pgwire tests (test fixture): sends hand-made frames (usually built with
 * pg-protocol's serializer) and splits the server's replies into frames with an independent parser.
 */
import { connect, type Socket } from 'node:net';
import { serialize } from 'pg-protocol';

export interface BackendFrame {
  /** The type byte as a character ('Z', 'D', ...). */
  readonly type: string;
  readonly body: Buffer;
}

export class RawClient {
  readonly frames: BackendFrame[] = [];
  ended = false;
  private readonly socket: Socket;
  private buf = Buffer.alloc(0);
  private readonly waiters: (() => void)[] = [];
  private consumed = 0;
  /** Set before startup when the first reply is a single byte ('N' to SSLRequest). */
  expectSingleByte = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Connects and completes startup; resolves after the first ReadyForQuery. */
  static async startup(port: number, params: Record<string, string> = { user: 'materialize', database: 'materialize' }): Promise<RawClient> {
    const c = await RawClient.connect(port);
    c.send(serialize.startup(params));
    await c.until('Z');
    return c;
  }

  send(...bufs: Buffer[]): void {
    this.socket.write(Buffer.concat(bufs));
  }

  end(): void {
    this.socket.end();
  }

  /** Stops reading, so the server's socket fills up (backpressure tests). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Waits for a frame of `type` (or the connection end); returns the frames received since the last call. */
  async until(type: string, timeoutMs = 5000): Promise<BackendFrame[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const idx = this.frames.findIndex((f, i) => i >= this.consumed && f.type === type);
      if (idx >= 0) {
        const out = this.frames.slice(this.consumed, idx + 1);
        this.consumed = idx + 1;
        return out;
      }
      if (this.ended) {
        const out = this.frames.slice(this.consumed);
        this.consumed = this.frames.length;
        return out;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for '${type}'; got ${this.frames.slice(this.consumed).map((f) => f.type).join('')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until the server closes the connection; returns the remaining frames. */
  async untilEnd(timeoutMs = 5000): Promise<BackendFrame[]> {
    return this.until('\u0000never', timeoutMs);
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.expectSingleByte && this.buf.length >= 1) {
      this.expectSingleByte = false;
      this.frames.push({ type: `single:${String.fromCharCode(this.buf[0]!)}`, body: Buffer.alloc(0) });
      this.buf = this.buf.subarray(1);
    }
    while (this.buf.length >= 5) {
      const len = this.buf.readInt32BE(1);
      if (this.buf.length < len + 1) break;
      this.frames.push({ type: String.fromCharCode(this.buf[0]!), body: this.buf.subarray(5, len + 1) });
      this.buf = this.buf.subarray(len + 1);
    }
    this.notify();
  }
}

/** ErrorResponse / NoticeResponse fields by code letter. */
export function errorFields(f: BackendFrame): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < f.body.length && f.body[pos] !== 0) {
    const code = String.fromCharCode(f.body[pos]!);
    const end = f.body.indexOf(0, pos + 1);
    out[code] = f.body.toString('utf8', pos + 1, end);
    pos = end + 1;
  }
  return out;
}

/** DataRow columns as raw bytes (null for SQL NULL). */
export function dataRowFields(f: BackendFrame): (Buffer | null)[] {
  const n = f.body.readInt16BE(0);
  const out: (Buffer | null)[] = [];
  let pos = 2;
  for (let i = 0; i < n; i++) {
    const len = f.body.readInt32BE(pos);
    pos += 4;
    if (len < 0) out.push(null);
    else {
      out.push(f.body.subarray(pos, pos + len));
      pos += len;
    }
  }
  return out;
}

export function commandTag(f: BackendFrame): string {
  return f.body.toString('utf8', 0, f.body.length - 1);
}

/** A frame with an arbitrary type byte and body (for malformed-input tests). */
export function rawFrame(type: string, body: Buffer, lengthOverride?: number): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeInt32BE(lengthOverride ?? body.length + 4, 1);
  return Buffer.concat([head, body]);
}
