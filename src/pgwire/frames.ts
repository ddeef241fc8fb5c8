/**
 * Splits the client's byte stream into frames. Before startup completes, frames have no type byte
 * (int32 length, then payload: StartupMessage, SSLRequest, GSSENCRequest, CancelRequest); afterwards
 * each frame is a type byte, an int32 length that counts itself, and the payload.
 *
 * Chunks are buffered without copying until a whole frame is available, then joined once, so a frame
 * spread over many chunks costs one copy, and many frames in one chunk cost none.
 */
import { SqlError, SqlState } from '../util/index.ts';

export interface Frame {
  /** The message type byte, or 0 for a startup-phase packet. */
  readonly type: number;
  readonly body: Buffer;
}

/** Startup packets are small; PostgreSQL caps them at 10000 bytes. */
const MAX_STARTUP_BYTES = 10_000;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

export function protocolViolation(message: string): SqlError {
  return new SqlError(SqlState.protocolViolation, message, { severity: 'FATAL' });
}

export class FrameReader {
  private head: Buffer = Buffer.alloc(0);
  private headPos = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** True while the next frame is a startup-phase packet. */
  private startup = true;
  private readonly maxMessageBytes: number;

  constructor(maxMessageBytes: number) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Bytes received and not yet returned as frames. */
  get buffered(): number {
    return this.head.length - this.headPos + this.tailBytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.headPos === this.head.length && this.tail.length === 0) {
      this.head = chunk;
      this.headPos = 0;
    } else {
      this.tail.push(chunk);
      this.tailBytes += chunk.length;
    }
  }

  /** The next complete frame, or undefined when more bytes are needed. Throws SqlError 08P01 on a bad frame. */
  next(): Frame | undefined {
    const headerBytes = this.startup ? 4 : 5;
    if (!this.gather(headerBytes)) return undefined;
    const pos = this.headPos;
    const type = this.startup ? 0 : this.head[pos]!;
    const len = this.head.readInt32BE(this.startup ? pos : pos + 1);
    if (this.startup) {
      if (len < 8 || len > MAX_STARTUP_BYTES) throw protocolViolation(`invalid length of startup packet: ${len}`);
    } else {
      if (len < 4) throw protocolViolation(`invalid message length ${len} for message type 0x${type.toString(16)}`);
      if (len > this.maxMessageBytes) {
        throw protocolViolation(`message of ${len} bytes exceeds the limit of ${this.maxMessageBytes} bytes`);
      }
    }
    const total = len + (this.startup ? 0 : 1);
    if (!this.gather(total)) return undefined;
    const start = this.headPos; // gather may have moved the frame
    const body = this.head.subarray(start + headerBytes, start + total);
    this.headPos = start + total;
    if (this.startup) {
      const code = body.readInt32BE(0);
      // After SSLRequest/GSSENCRequest the client sends another startup packet; after anything else,
      // typed messages follow.
      if (code !== SSL_REQUEST_CODE && code !== GSSENC_REQUEST_CODE) this.startup = false;
    }
    return { type, body };
  }

  /** Ensures `n` contiguous bytes at headPos if that many are buffered. */
  private gather(n: number): boolean {
    const inHead = this.head.length - this.headPos;
    if (inHead >= n) return true;
    if (inHead + this.tailBytes < n) return false;
    const parts = [this.head.subarray(this.headPos), ...this.tail];
    this.head = Buffer.concat(parts, inHead + this.tailBytes);
    this.headPos = 0;
    this.tail = [];
    this.tailBytes = 0;
    return true;
  }
}
