/**
 * What protocol handlers need from their connection: the output buffer, flushing with backpressure,
 * and the next inbound message (COPY FROM STDIN pulls CopyData from the same ordered queue).
 */
import type { Inbound } from './frontend.ts';
import type { MessageWriter } from './writer.ts';

export interface Wire {
  readonly out: MessageWriter;
  /** Sends buffered bytes and waits while the socket is above its high-water mark. Throws ConnectionClosed. */
  flushAndDrain(): Promise<void>;
  /** The next inbound message in arrival order; undefined once the connection is closed. */
  nextMessage(): Promise<Inbound | undefined>;
}

/** Thrown to unwind a handler when the client went away; never reported to the client. */
export class ConnectionClosed extends Error {
  constructor() {
    super('connection closed');
    this.name = 'ConnectionClosed';
  }
}

/** Flush to the socket once this much is buffered, even mid-result. */
export const FLUSH_THRESHOLD = 64 * 1024;
