/**
 * A minimal PostgreSQL wire client for replaying captured client traffic: it sends the startup
 * parameters it is given and each statement as one simple Query message, and reports exactly what a
 * replay compares: every CommandComplete tag, the DataRow count, errors and notices, and the
 * transaction status of the final ReadyForQuery. (node-postgres hides ReadyForQuery's status and
 * merges results, so the replay speaks the protocol itself.)
 */
import { Socket, connect } from 'node:net';

export interface QueryOutcome {
  /** CommandComplete tags in order (one per statement of the message). */
  readonly tags: readonly string[];
  /** DataRows received over the whole message. */
  readonly rows: number;
  readonly error: { readonly code: string; readonly message: string } | undefined;
  readonly notices: readonly string[];
  /** ReadyForQuery's transaction status: I idle, T in a block, E in a failed block. */
  readonly status: 'I' | 'T' | 'E';
}

interface Message {
  readonly type: string;
  readonly body: Buffer;
}

export class ReplayConnection {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  readonly #queue: Message[] = [];
  #waiter: (() => void) | undefined;
  #closed: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 5) {
        const len = this.#buffer.readInt32BE(1);
        if (this.#buffer.length < 1 + len) break;
        this.#queue.push({ type: String.fromCharCode(this.#buffer[0]!), body: this.#buffer.subarray(5, 1 + len) });
        this.#buffer = this.#buffer.subarray(1 + len);
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed ??= new Error('connection closed by the server');
      this.#wake();
    });
    socket.on('error', (err) => {
      this.#closed = err;
      this.#wake();
    });
  }

  /** Connects and completes the startup handshake (trust authentication) with `params` (user, database, application_name, ...). */
  static async open(port: number, params: Readonly<Record<string, string>>): Promise<ReplayConnection> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new ReplayConnection(socket);
    const pairs = Object.entries(params).flatMap(([k, v]) => [k, v]);
    const payload = Buffer.concat([...pairs.map((s) => Buffer.from(`${s}\0`, 'utf8')), Buffer.from([0])]);
    const head = Buffer.alloc(8);
    head.writeInt32BE(8 + payload.length, 0);
    head.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([head, payload]));
    for (;;) {
      const m = await c.#next();
      if (m.type === 'E') throw new Error(`startup failed: ${errorFields(m.body).message}`);
      if (m.type === 'R' && m.body.readInt32BE(0) !== 0) throw new Error('the server asked for a password; the replay expects trust authentication');
      if (m.type === 'Z') return c;
    }
  }

  /** Sends `sql` as one simple Query message and collects everything up to ReadyForQuery. */
  async query(sql: string): Promise<QueryOutcome> {
    const text = Buffer.from(`${sql}\0`, 'utf8');
    const head = Buffer.alloc(5);
    head.write('Q', 0);
    head.writeInt32BE(4 + text.length, 1);
    this.#socket.write(Buffer.concat([head, text]));
    const tags: string[] = [];
    const notices: string[] = [];
    let rows = 0;
    let error: QueryOutcome['error'];
    for (;;) {
      const m = await this.#next();
      switch (m.type) {
        case 'C': tags.push(m.body.toString('utf8', 0, m.body.length - 1)); break;
        case 'D': rows++; break;
        case 'I': tags.push(''); break;
        case 'E': error = errorFields(m.body); break;
        case 'N': { const n = errorFields(m.body); notices.push(`${n.code}: ${n.message}`); break; }
        case 'Z': return { tags, rows, error, notices, status: String.fromCharCode(m.body[0]!) as QueryOutcome['status'] };
        default: break; // RowDescription, ParameterStatus, ...
      }
    }
  }

  /** Sends Terminate and closes the socket. */
  close(): void {
    const x = Buffer.alloc(5);
    x.write('X', 0);
    x.writeInt32BE(4, 1);
    this.#socket.end(x);
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  async #next(): Promise<Message> {
    for (;;) {
      const m = this.#queue.shift();
      if (m !== undefined) return m;
      if (this.#closed !== undefined) throw this.#closed;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }
}

function errorFields(body: Buffer): { code: string; message: string } {
  let code = '';
  let message = '';
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const field = String.fromCharCode(body[i]!);
    const end = body.indexOf(0, i + 1);
    const value = body.toString('utf8', i + 1, end);
    if (field === 'C') code = value;
    if (field === 'M') message = value;
    i = end + 1;
  }
  return { code, message };
}
