/**
 * Sending an ExecuteResult: rows drained from a RowStream (optionally up to a row limit) with
 * backpressure, COPY TO STDOUT, and COPY FROM STDIN (which pulls CopyData from the inbound queue).
 */
import type { ExecuteResult, RowStream } from '../adapter/index.ts';
import type { Row } from '../repr/index.ts';
import { assertNever, SqlError, SqlState } from '../util/index.ts';
import { commandComplete, copyDone, copyInResponse, copyOutResponse, rowDescription } from './backend.ts';
import { CopyTextEncoder, DataRowEncoder } from './rows.ts';
import { ConnectionClosed, FLUSH_THRESHOLD, type Wire } from './wire.ts';
import type { MessageWriter } from './writer.ts';

export interface RowEncoder {
  write(w: MessageWriter, row: Row): void;
}

type Batch = Awaited<ReturnType<RowStream['next']>>;

/**
 * Sends rows from `stream` until it is done or `limit` rows were sent (0 = no limit). Whatever is
 * buffered is flushed before really waiting on the stream, so a slow stream (SUBSCRIBE) delivers
 * promptly; a stream whose rows are already there (every SELECT) is not waited on, so the rows,
 * CommandComplete and ReadyForQuery leave in one socket write instead of two (a loopback write costs
 * as much as planning a point SELECT).
 */
export async function drainRows(wire: Wire, stream: RowStream, encoder: RowEncoder, limit: number): Promise<{ count: number; done: boolean }> {
  let count = 0;
  for (;;) {
    const pending = stream.next(limit === 0 ? 0 : limit - count);
    let ready: Batch | undefined;
    pending.then((b) => (ready = b), () => undefined);
    // An already-settled promise runs its reaction before this await resumes.
    await undefined;
    if (ready === undefined && wire.out.length > 0) await wire.flushAndDrain();
    const { rows, done } = ready ?? (await pending);
    const out = wire.out;
    for (let i = 0; i < rows.length; i++) {
      encoder.write(out, rows[i]!);
      if (out.length >= FLUSH_THRESHOLD) await wire.flushAndDrain();
    }
    count += rows.length;
    if (done) return { count, done: true };
    if (limit !== 0 && count >= limit) return { count, done: false };
  }
}

/** COPY ... TO STDOUT: CopyOutResponse, one CopyData per row, CopyDone, CommandComplete. */
export async function sendCopyOut(wire: Wire, result: Extract<ExecuteResult, { kind: 'copyOut' }>): Promise<void> {
  try {
    copyOutResponse(wire.out, result.columns.length);
    const { count } = await drainRows(wire, result.rows, new CopyTextEncoder(result.columns), 0);
    copyDone(wire.out);
    commandComplete(wire.out, result.tag(count));
  } finally {
    result.rows.close();
  }
}

/**
 * COPY ... FROM STDIN: CopyInResponse, then CopyData until CopyDone (→ finish) or CopyFail (→ abort).
 * Flush and Sync during COPY are ignored, as the protocol specifies.
 */
export async function receiveCopyIn(wire: Wire, result: Extract<ExecuteResult, { kind: 'copyIn' }>): Promise<void> {
  copyInResponse(wire.out, result.columns.length);
  await wire.flushAndDrain();
  let finished = false;
  try {
    for (;;) {
      const msg = await wire.nextMessage();
      if (msg === undefined) throw new ConnectionClosed();
      switch (msg.kind) {
        case 'CopyData':
          result.write(msg.data);
          continue;
        case 'CopyDone': {
          finished = true;
          const tag = await result.finish();
          commandComplete(wire.out, tag);
          return;
        }
        case 'CopyFail':
          finished = true;
          result.abort(msg.message);
          throw new SqlError(SqlState.queryCanceled, `COPY from stdin failed: ${msg.message}`);
        case 'Flush': case 'Sync':
          continue;
        case 'Terminate':
          throw new ConnectionClosed();
        case 'ProtocolError':
          throw msg.error;
        default:
          throw new SqlError(SqlState.protocolViolation, `unexpected message type ${msg.kind} during COPY from stdin`);
      }
    }
  } catch (err) {
    if (!finished) {
      try {
        result.abort(err instanceof Error ? err.message : String(err));
      } catch {
        // The original error is the one to report.
      }
    }
    throw err;
  }
}

/** A simple-query statement's whole result: RowDescription and all rows in text, a command tag, or COPY. */
export async function sendResult(wire: Wire, result: ExecuteResult): Promise<void> {
  switch (result.kind) {
    case 'command':
      commandComplete(wire.out, result.tag);
      return;
    case 'rows':
      try {
        const formats = new Array<number>(result.columns.length).fill(0);
        rowDescription(wire.out, result.columns, formats);
        const { count } = await drainRows(wire, result.rows, new DataRowEncoder(result.columns, formats), 0);
        commandComplete(wire.out, result.tag(count));
      } finally {
        result.rows.close();
      }
      return;
    case 'copyOut':
      await sendCopyOut(wire, result);
      return;
    case 'copyIn':
      await receiveCopyIn(wire, result);
      return;
    default:
      assertNever(result, 'execute result');
  }
}
