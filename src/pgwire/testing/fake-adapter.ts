/**
 * A fake AdapterClient for pgwire tests (test fixture, not a database). It understands a handful of
 * toy statements, records what pgwire asked of it, and lets tests provoke every result kind:
 *
 * - `select <int>`                       one int4 column
 * - `select $1::type, $2, ...`           echoes its parameters (declared types, casts, else text)
 * - `generate <n>`                       n rows (i int4, label text), streamed in pieces
 * - `types`                              one row holding a value of every binary-capable type
 * - `record`                             one record column (a type without a binary format)
 * - `fail` / `crash` / `fatal`           SqlError 22012 / a plain Error / a FATAL SqlError
 * - `notice`                             a NoticeResponse, then command tag DO
 * - `set application_name = <v>`         ParameterStatus application_name
 * - `begin` / `commit` / `rollback`      transaction status bookkeeping
 * - `insert`                             command tag INSERT 0 1
 * - `copy out <n>`                       COPY TO STDOUT of n rows with characters that need escaping
 * - `copy in`                            COPY FROM STDIN; the received bytes are recorded
 * - `sleep`                              waits until cancelled (57014)
 * - `syntax <anything>` or unknown text  SqlError 42601 at parse time
 */
import type { AdapterClient, ExecuteResult, Notice, ParsedStatement, RowStream, Session, StartupParams, StatementDescription } from '../../adapter/index.ts';
import { type Column, type Datum, Interval, Numeric, type Row, type ScalarType, scalar, T, type ScalarTypeName } from '../../repr/index.ts';
import { Deferred, SqlError, SqlState } from '../../util/index.ts';

export interface FakeEvents {
  log: string[];
  cancels: [number, number][];
  copied: Buffer[];
  startups: StartupParams[];
}

export const TYPE_SAMPLES: readonly (readonly [ScalarTypeName, Datum])[] = [
  ['int2', -1234],
  ['int4', 2147483647],
  ['int8', -9007199254740993n],
  ['float4', 1.5],
  ['float8', -2.25e-10],
  ['bool', true],
  ['text', 'héllo ✓'],
  ['varchar', 'var'],
  ['bpchar', 'ab  '],
  ['name', 'a_name'],
  ['numeric', Numeric.fromString('-12345678901234567890.000123')!],
  ['date', 19000],
  ['time', 45_296_789_012],
  ['timestamp', 1_700_000_000_123_456n],
  ['timestamptz', -1_000_000n],
  ['interval', new Interval(14, 3, 4_000_005n)],
  ['bytea', new Uint8Array([0, 1, 2, 255])],
  ['uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  ['oid', 4000000000],
];

function stream(rows: Row[], pieces = 3): RowStream {
  let pos = 0;
  let closed = false;
  return {
    async next(max) {
      if (closed) throw new Error('stream used after close');
      await Promise.resolve();
      // Hand out rows in pieces smaller than asked for, so pgwire has to loop.
      const want = max === 0 ? Math.max(1, Math.ceil(rows.length / pieces)) : Math.max(1, Math.min(max, Math.ceil(rows.length / pieces)));
      const out = rows.slice(pos, pos + want);
      pos += out.length;
      return { rows: out, done: pos >= rows.length };
    },
    close() {
      closed = true;
    },
  };
}

function col(name: string, type: ScalarType): Column {
  return { name, type, nullable: true };
}

const KNOWN_TYPES = new Set<string>(['int2', 'int4', 'int8', 'float4', 'float8', 'bool', 'text', 'varchar', 'bpchar', 'name', 'numeric', 'date', 'time', 'timestamp', 'timestamptz', 'interval', 'bytea', 'uuid', 'oid', 'jsonb', 'json']);

class FakeSession implements Session {
  readonly connectionId: number;
  readonly secretKey: number;
  onParameterStatus: ((name: string, value: string) => void) | undefined;
  onNotice: ((notice: Notice) => void) | undefined;
  private status: 'I' | 'T' | 'E' = 'I';
  private readonly events: FakeEvents;
  private readonly params: StartupParams;
  sleeping: Deferred<void> | undefined;

  constructor(id: number, events: FakeEvents, params: StartupParams) {
    this.connectionId = id;
    this.secretKey = id * 7919;
    this.events = events;
    this.params = params;
  }

  initialParameterStatus(): readonly (readonly [string, string])[] {
    return [
      ['server_version', '9.5.0'], ['client_encoding', 'UTF8'], ['DateStyle', 'ISO, MDY'],
      ['integer_datetimes', 'on'], ['standard_conforming_strings', 'on'],
      ['application_name', this.params.applicationName ?? ''],
    ];
  }

  transactionStatus(): 'I' | 'T' | 'E' {
    return this.status;
  }

  parse(sql: string): readonly ParsedStatement[] {
    return sql.split(';').map((part) => {
      const text = part.trim();
      if (text === '') return { sql: text, paramCount: 0, tagHint: '', empty: true };
      const word = text.split(/\s+/)[0]!.toLowerCase();
      if (!['select', 'generate', 'types', 'fail', 'crash', 'fatal', 'notice', 'set', 'begin', 'commit', 'rollback', 'insert', 'copy', 'sleep', 'record'].includes(word)) {
        throw new SqlError(SqlState.syntaxError, `syntax error at or near "${word}"`, { position: sql.indexOf(text) + 1 });
      }
      let paramCount = 0;
      for (const m of text.matchAll(/\$(\d+)/g)) paramCount = Math.max(paramCount, Number(m[1]));
      return { sql: text, paramCount, tagHint: word.toUpperCase(), empty: false };
    });
  }

  describe(stmt: ParsedStatement, declared: readonly (ScalarType | undefined)[]): StatementDescription {
    this.events.log.push(`describe ${stmt.sql}`);
    return this.describeQuietly(stmt, declared);
  }

  private describeQuietly(stmt: ParsedStatement, declared: readonly (ScalarType | undefined)[]): StatementDescription {
    const paramTypes: ScalarType[] = [];
    for (let i = 0; i < Math.max(stmt.paramCount, declared.length); i++) {
      const cast = new RegExp(`\\$${i + 1}::(\\w+)`).exec(stmt.sql)?.[1];
      paramTypes.push(declared[i] ?? (cast !== undefined && KNOWN_TYPES.has(cast) ? scalar(cast as ScalarTypeName) : T.text));
    }
    return { columns: this.columns(stmt, paramTypes), paramTypes };
  }

  private columns(stmt: ParsedStatement, paramTypes: readonly ScalarType[]): Column[] | undefined {
    const text = stmt.sql.toLowerCase();
    if (text.startsWith('select $')) return paramTypes.map((t, i) => col(`p${i + 1}`, t));
    if (text.startsWith('select')) return [col('?column?', T.int4)];
    if (text.startsWith('generate')) return [col('i', T.int4), col('label', T.text)];
    if (text === 'types') return TYPE_SAMPLES.map(([name]) => col(name, scalar(name)));
    if (text === 'record') return [col('r', { name: 'record' })];
    return undefined;
  }

  async execute(stmt: ParsedStatement, params: readonly Datum[]): Promise<ExecuteResult> {
    this.events.log.push(`execute ${stmt.sql}${params.length > 0 ? ' ' + JSON.stringify(params, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) : ''}`);
    await Promise.resolve();
    if (this.status === 'E' && !/^(commit|rollback)/i.test(stmt.sql)) {
      throw new SqlError(SqlState.inFailedSqlTransaction, 'current transaction is aborted, commands ignored until end of transaction block');
    }
    const text = stmt.sql.toLowerCase();
    const words = text.split(/\s+/);
    if (text.startsWith('select $')) {
      const desc = this.describeQuietly(stmt, []);
      const columns = desc.columns!;
      return { kind: 'rows', columns, rows: stream([params.slice()]), tag: (n) => `SELECT ${n}` };
    }
    switch (words[0]) {
      case 'select': {
        const n = Number(words[1]);
        if (!Number.isInteger(n)) throw new SqlError(SqlState.undefinedColumn, `column "${words[1]}" does not exist`);
        return { kind: 'rows', columns: [col('?column?', T.int4)], rows: stream([[n]]), tag: (c) => `SELECT ${c}` };
      }
      case 'generate': {
        const n = Number(words[1]);
        const rows: Row[] = [];
        for (let i = 1; i <= n; i++) rows.push([i, i % 10 === 0 ? null : `row ${i}`]);
        return { kind: 'rows', columns: [col('i', T.int4), col('label', T.text)], rows: stream(rows), tag: (c) => `SELECT ${c}` };
      }
      case 'record':
        return { kind: 'rows', columns: [col('r', { name: 'record' })], rows: stream([[[1, 'a']]]), tag: (c) => `SELECT ${c}` };
      case 'types':
        return {
          kind: 'rows', columns: this.columns(stmt, [])!, rows: stream([TYPE_SAMPLES.map(([, v]) => v)]), tag: (c) => `SELECT ${c}`,
        };
      case 'fail':
        throw new SqlError(SqlState.divisionByZero, 'division by zero', { detail: 'some detail', hint: 'some hint' });
      case 'crash':
        throw new Error('boom');
      case 'fatal':
        throw new SqlError(SqlState.adminShutdown, 'going away', { severity: 'FATAL' });
      case 'notice':
        this.onNotice?.({ severity: 'NOTICE', code: '00000', message: 'hello from notice', detail: 'd' });
        return { kind: 'command', tag: 'DO' };
      case 'set': {
        const m = /set application_name\s*=\s*'?([^']*)'?/.exec(stmt.sql);
        if (m) this.onParameterStatus?.('application_name', m[1]!);
        return { kind: 'command', tag: 'SET' };
      }
      case 'begin':
        this.status = 'T';
        return { kind: 'command', tag: 'BEGIN' };
      case 'commit':
      case 'rollback': {
        const tag = this.status === 'E' ? 'ROLLBACK' : words[0].toUpperCase();
        this.status = 'I';
        return { kind: 'command', tag };
      }
      case 'insert':
        return { kind: 'command', tag: 'INSERT 0 1' };
      case 'copy': {
        if (words[1] === 'out') {
          const rows: Row[] = [];
          for (let i = 0; i < Number(words[2]); i++) rows.push([i, `a\tb\\c\nd`, null]);
          return { kind: 'copyOut', columns: [col('i', T.int4), col('s', T.text), col('n', T.text)], rows: stream(rows), tag: (c) => `COPY ${c}` };
        }
        const chunks: Buffer[] = [];
        return {
          kind: 'copyIn', columns: [col('a', T.text)],
          write: (chunk) => void chunks.push(Buffer.from(chunk)),
          finish: async () => {
            this.events.copied.push(Buffer.concat(chunks));
            const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l !== '').length;
            return `COPY ${lines}`;
          },
          abort: (reason) => void this.events.log.push(`copy aborted: ${reason}`),
        };
      }
      case 'sleep': {
        this.sleeping = new Deferred<void>();
        await this.sleeping.promise;
        throw new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
      }
      default:
        throw new SqlError(SqlState.syntaxError, 'unreachable');
    }
  }

  beginImplicit(statementCount: number): void {
    this.events.log.push(`begin ${statementCount}`);
  }

  async endImplicit(ok: boolean): Promise<void> {
    this.events.log.push(`end ${ok}`);
    if (!ok && this.status === 'T') this.status = 'E';
  }

  cancel(): void {
    this.events.log.push('cancel');
    this.sleeping?.resolve();
  }

  close(): void {
    this.events.log.push('close');
    this.sleeping?.resolve();
  }
}

export class FakeAdapter implements AdapterClient {
  readonly events: FakeEvents = { log: [], cancels: [], copied: [], startups: [] };
  readonly sessions = new Map<number, FakeSession>();
  private nextId = 1;

  startSession(params: StartupParams): Session {
    this.events.startups.push(params);
    if (params.database === 'nope') throw new SqlError('3D000', `database "${params.database}" does not exist`);
    const s = new FakeSession(this.nextId++, this.events, params);
    this.sessions.set(s.connectionId, s);
    return s;
  }

  cancelRequest(connectionId: number, secretKey: number): void {
    this.events.cancels.push([connectionId, secretKey]);
    const s = this.sessions.get(connectionId);
    if (s !== undefined && s.secretKey === secretKey) s.cancel();
  }
}
