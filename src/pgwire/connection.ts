/**
 * One client connection: the startup handshake, the ordered inbound queue, dispatch of each message
 * to the simple or extended protocol, error reporting (ErrorResponse, skip-until-Sync) and output
 * flushing with backpressure. Messages are handled strictly one at a time, in arrival order.
 */
import type { Socket } from 'node:net';
import type { AdapterClient, Notice, ParsedStatement, Session } from '../adapter/index.ts';
import { assertNever, Deferred, type Logger, SqlError, toSqlError } from '../util/index.ts';
import {
  authenticationOk, backendKeyData, emptyQueryResponse, errorResponse, negotiateProtocolVersion,
  noticeResponse, parameterStatus, readyForQuery,
} from './backend.ts';
import { ExtendedProtocol } from './extended.ts';
import { FrameReader, protocolViolation } from './frames.ts';
import { decodeMessage, decodeStartupPacket, type FrontendMessage, type Inbound } from './frontend.ts';
import { sendResult } from './results.ts';
import { readStartup, type StartupRequest } from './startup.ts';
import { ConnectionClosed, type Wire } from './wire.ts';
import { MessageWriter } from './writer.ts';

/** Pause reading from the socket when this many messages wait unprocessed; resume below the low mark. */
const INBOUND_HIGH = 512;
const INBOUND_LOW = 64;
/** How long a closed connection waits for the client to close its end before destroying the socket. */
const SOCKET_LINGER_MS = 2000;

export interface ConnectionOptions {
  readonly adapter: AdapterClient;
  readonly logger: Logger;
  readonly maxMessageBytes: number;
}

export class Connection implements Wire {
  readonly out = new MessageWriter();
  /** Resolves once the connection is fully torn down. */
  readonly closedPromise: Promise<void>;
  private readonly socket: Socket;
  private readonly adapter: AdapterClient;
  private readonly log: Logger;
  private readonly reader: FrameReader;
  private readonly inbound: (Inbound | undefined)[] = [];
  private inboundHead = 0;
  private inputStopped = false;
  private paused = false;
  private waiter: Deferred<void> | undefined;
  private drainWaiter: Deferred<void> | undefined;
  private closed = false;
  private tornDown = false;
  private readonly closedDeferred = new Deferred<void>();
  /** True while waiting for input, i.e. not inside a message handler: notices are flushed at once. */
  private idle = false;
  private session: Session | undefined;
  private extended: ExtendedProtocol | undefined;
  /** Extended protocol: an error happened; ignore everything up to the next Sync. */
  private skipUntilSync = false;
  /** Extended protocol: beginImplicit was called for the batch ending at the next Sync. */
  private batchStarted = false;
  private batchOk = true;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.adapter = options.adapter;
    this.log = options.logger;
    this.reader = new FrameReader(options.maxMessageBytes);
    this.closedPromise = this.closedDeferred.promise;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.wakeDrain());
    socket.on('error', (err) => this.log.debug({ err }, 'pgwire socket error'));
    socket.on('close', () => this.onSocketClosed());
  }

  /** Runs the connection until it closes. Never rejects. */
  async run(): Promise<void> {
    try {
      if (await this.startup()) {
        for (;;) {
          const msg = await this.nextMessage();
          if (msg === undefined || this.closed) break;
          await this.dispatch(msg);
          if (this.closed) break;
        }
      }
    } catch (err) {
      if (!(err instanceof ConnectionClosed)) {
        this.log.warn({ err }, 'pgwire connection failed');
        this.fatal(toSqlError(err));
      }
    } finally {
      this.close();
      this.teardown();
    }
  }

  /** Ends the connection from the server side (shutdown), telling the client why. */
  terminate(error: SqlError): void {
    if (this.closed) return;
    this.fatal(error);
    this.cancelRunning();
  }

  // ---- Wire -------------------------------------------------------------------------------------

  async flushAndDrain(): Promise<void> {
    if (this.closed) throw new ConnectionClosed();
    this.flush();
    while (this.socket.writableNeedDrain && !this.closed) {
      this.drainWaiter = new Deferred<void>();
      await this.drainWaiter.promise;
    }
    if (this.closed) throw new ConnectionClosed();
  }

  async nextMessage(): Promise<Inbound | undefined> {
    while (this.inboundHead === this.inbound.length) {
      if (this.closed) return undefined;
      // Nothing more to process for now: deliver everything produced so far.
      this.flush();
      this.idle = true;
      this.waiter = new Deferred<void>();
      await this.waiter.promise;
      this.idle = false;
    }
    const msg = this.inbound[this.inboundHead]!;
    this.inbound[this.inboundHead++] = undefined;
    if (this.inboundHead === this.inbound.length) {
      this.inbound.length = 0;
      this.inboundHead = 0;
    } else if (this.inboundHead >= 1024 && this.inboundHead * 2 >= this.inbound.length) {
      // A queue that never empties (long pipelines) is compacted instead of growing forever.
      this.inbound.splice(0, this.inboundHead);
      this.inboundHead = 0;
    }
    if (this.paused && this.inbound.length - this.inboundHead < INBOUND_LOW) {
      this.paused = false;
      this.socket.resume();
    }
    return msg;
  }

  // ---- input ------------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.inputStopped || this.closed) return;
    this.reader.push(chunk);
    try {
      for (;;) {
        const frame = this.reader.next();
        if (frame === undefined) break;
        this.inbound.push(frame.type === 0 ? decodeStartupPacket(frame.body) : decodeMessage(frame));
      }
    } catch (err) {
      // Framing is lost: report after the messages already queued, then stop reading.
      this.inbound.push({ kind: 'ProtocolError', error: toSqlError(err) });
      this.inputStopped = true;
    }
    if (!this.paused && this.inbound.length - this.inboundHead > INBOUND_HIGH) {
      this.paused = true;
      this.socket.pause();
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
  }

  private wakeDrain(): void {
    const w = this.drainWaiter;
    this.drainWaiter = undefined;
    w?.resolve();
  }

  // ---- output -----------------------------------------------------------------------------------

  private flush(): void {
    if (this.out.length === 0 || this.closed) return;
    if (!this.socket.writable) {
      this.out.take(); // the client is gone; drop the output
      return;
    }
    this.socket.write(this.out.take());
  }

  private sendError(err: unknown): void {
    const e = toSqlError(err);
    if (!(err instanceof SqlError)) this.log.warn({ err }, 'pgwire: internal error while handling a message');
    errorResponse(this.out, e);
    if (e.severity === 'FATAL') this.fatal(e, false);
  }

  /** Sends a FATAL error (unless already sent) and ends the connection. */
  private fatal(err: SqlError, send = true): void {
    if (this.closed) return;
    if (send) errorResponse(this.out, withSeverityFatal(err));
    this.flush();
    this.closed = true;
    this.endSocket();
    this.interrupt();
  }

  /** Notices are flushed at once, as PostgreSQL does, so a client sees them while a statement runs. */
  private onNotice(notice: Notice): void {
    if (this.closed) return;
    noticeResponse(this.out, notice);
    this.flush();
  }

  private onParameterStatus(name: string, value: string): void {
    if (this.closed) return;
    parameterStatus(this.out, name, value);
    if (this.idle) this.flush();
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Ends the connection normally; the run loop exits and tears the session down. */
  private close(): void {
    if (!this.closed) {
      this.flush();
      this.closed = true;
    }
    this.endSocket();
    this.interrupt();
  }

  private onSocketClosed(): void {
    this.closed = true;
    this.interrupt();
    this.cancelRunning();
  }

  /** Wakes the run loop wherever it waits (input or drain) so it notices the connection closed. */
  private interrupt(): void {
    this.wake();
    this.wakeDrain();
  }

  /** Cancels a statement still running when the connection ends from outside, so the loop can finish. */
  private cancelRunning(): void {
    if (!this.idle && this.session !== undefined && !this.tornDown) {
      try {
        this.session.cancel();
      } catch (err) {
        this.log.debug({ err }, 'pgwire: cancel on close failed');
      }
    }
  }

  /** Half-closes so the client can read what was sent; destroys the socket if the client lingers. */
  private endSocket(): void {
    if (this.socket.destroyed) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), SOCKET_LINGER_MS).unref();
  }

  /** Releases the session and portals; called once, when the run loop has exited. */
  private teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    try {
      this.extended?.closeAllPortals();
    } catch (err) {
      this.log.debug({ err }, 'pgwire: closing portals failed');
    }
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) {
      try {
        session.onNotice = undefined;
        session.onParameterStatus = undefined;
        session.close();
      } catch (err) {
        this.log.warn({ err }, 'pgwire: session close failed');
      }
    }
    this.closedDeferred.resolve();
  }

  /** Handles the startup phase; true once a session is ready for queries. */
  private async startup(): Promise<boolean> {
    for (;;) {
      const msg = await this.nextMessage();
      if (msg === undefined) return false;
      switch (msg.kind) {
        case 'SSLRequest':
        case 'GSSENCRequest':
          this.out.byte(0x4e); // 'N': not supported; the client continues unencrypted
          this.flush();
          continue;
        case 'CancelRequest':
          try {
            this.adapter.cancelRequest(msg.processId, msg.secretKey);
          } catch (err) {
            this.log.debug({ err }, 'pgwire: cancel request failed');
          }
          this.close();
          return false;
        case 'Startup':
          return this.startSession(msg);
        case 'ProtocolError':
          this.fatal(msg.error);
          return false;
        default:
          this.fatal(protocolViolation(`unexpected message ${msg.kind} during startup`));
          return false;
      }
    }
  }

  private startSession(msg: Extract<FrontendMessage, { kind: 'Startup' }>): boolean {
    let session: Session;
    let request: StartupRequest;
    try {
      request = readStartup(msg);
      session = this.adapter.startSession(request.params);
    } catch (err) {
      this.fatal(withSeverityFatal(toSqlError(err)));
      return false;
    }
    this.session = session;
    this.extended = new ExtendedProtocol(session, this);
    session.onNotice = (n) => this.onNotice(n);
    session.onParameterStatus = (name, value) => this.onParameterStatus(name, value);
    const out = this.out;
    if (request.negotiate) negotiateProtocolVersion(out, 0, request.unrecognizedOptions);
    authenticationOk(out);
    for (const [name, value] of session.initialParameterStatus()) parameterStatus(out, name, value);
    backendKeyData(out, session.connectionId, session.secretKey);
    readyForQuery(out, session.transactionStatus());
    this.flush();
    return true;
  }

  // ---- dispatch ---------------------------------------------------------------------------------

  private async dispatch(msg: Inbound): Promise<void> {
    const session = this.session!;
    const ext = this.extended!;
    try {
      switch (msg.kind) {
        case 'Terminate':
          this.close();
          return;
        case 'Sync':
          await this.sync(session);
          return;
        case 'ProtocolError':
          this.fatal(msg.error);
          return;
        default:
          break;
      }
      if (this.skipUntilSync) return;
      switch (msg.kind) {
        case 'Query':
          await this.simpleQuery(session, msg.sql);
          return;
        case 'Flush':
          this.flush();
          return;
        case 'CopyData': case 'CopyDone': case 'CopyFail':
          // Stragglers after a failed COPY FROM STDIN: the protocol says to ignore them.
          return;
        case 'Parse': case 'Bind': case 'Describe': case 'Execute': case 'Close':
          break;
        case 'Startup': case 'SSLRequest': case 'GSSENCRequest': case 'CancelRequest': case 'Password':
          this.fatal(protocolViolation(`unexpected ${msg.kind} message after startup`));
          return;
        default:
          assertNever(msg, 'frontend message');
      }
      try {
        switch (msg.kind) {
          case 'Parse': ext.parse(msg.name, msg.sql, msg.paramOids); return;
          case 'Bind': ext.bind(msg.portal, msg.statement, msg.paramFormats, msg.params, msg.resultFormats); return;
          case 'Describe': ext.describe(msg.target, msg.name); return;
          case 'Close': ext.close(msg.target, msg.name); return;
          case 'Execute':
            if (!this.batchStarted) {
              this.batchStarted = true;
              session.beginImplicit(1);
            }
            await ext.execute(msg.portal, msg.maxRows);
            return;
          default:
            assertNever(msg, 'extended message');
        }
      } catch (err) {
        if (err instanceof ConnectionClosed) throw err;
        this.sendError(err);
        this.skipUntilSync = true;
        this.batchOk = false;
        if (!this.batchStarted) {
          // The adapter must learn of the failure (it fails an open transaction block) at Sync.
          this.batchStarted = true;
          session.beginImplicit(1);
        }
      }
    } catch (err) {
      if (err instanceof ConnectionClosed) {
        this.close();
        return;
      }
      this.sendError(err);
    }
  }

  private async sync(session: Session): Promise<void> {
    if (this.batchStarted) {
      const ok = this.batchOk;
      this.batchStarted = false;
      this.batchOk = true;
      try {
        await session.endImplicit(ok);
      } catch (err) {
        this.sendError(err);
      }
    }
    this.skipUntilSync = false;
    this.ready(session);
  }

  private ready(session: Session): void {
    const status = session.transactionStatus();
    if (status === 'I') this.extended!.closeAllPortals();
    readyForQuery(this.out, status);
    this.flush();
  }

  // ---- simple query -----------------------------------------------------------------------------

  private async simpleQuery(session: Session, sql: string): Promise<void> {
    if (this.batchStarted) {
      // A Query in the middle of an extended batch ends that batch first.
      this.batchStarted = false;
      const ok = this.batchOk;
      this.batchOk = true;
      await this.endImplicit(session, ok);
    }
    let ok = true;
    let stmts: ParsedStatement[];
    try {
      stmts = session.parse(sql).filter((s) => !s.empty);
    } catch (err) {
      this.sendError(err);
      session.beginImplicit(1);
      await this.endImplicit(session, false);
      this.ready(session);
      return;
    }
    if (stmts.length === 0) {
      emptyQueryResponse(this.out);
      this.ready(session);
      return;
    }
    session.beginImplicit(stmts.length);
    for (const stmt of stmts) {
      try {
        await sendResult(this, await session.execute(stmt, []));
      } catch (err) {
        if (err instanceof ConnectionClosed) throw err;
        this.sendError(err);
        ok = false;
        break;
      }
      if (this.closed) throw new ConnectionClosed();
    }
    await this.endImplicit(session, ok);
    this.ready(session);
  }

  private async endImplicit(session: Session, ok: boolean): Promise<void> {
    try {
      await session.endImplicit(ok);
    } catch (err) {
      this.sendError(err);
    }
  }
}

function withSeverityFatal(err: SqlError): SqlError {
  if (err.severity === 'FATAL') return err;
  return new SqlError(err.code, err.message, { detail: err.detail, hint: err.hint, position: err.position, severity: 'FATAL' });
}
