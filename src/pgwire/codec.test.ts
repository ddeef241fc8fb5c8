/** Codec tests: framing, frontend decoding (against pg-protocol's serializer), backend encoding (against its parser), binary formats. */
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { describe, expect, it } from 'vitest';
import { Interval, Numeric, scalar, T } from '../repr/index.ts';
import { SqlError } from '../util/index.ts';
import * as be from './backend.ts';
import { decodeBinary, encodeBinary } from './binary.ts';
import { FrameReader } from './frames.ts';
import { decodeMessage, decodeStartupPacket } from './frontend.ts';
import { CopyTextEncoder, DataRowEncoder, escapeCopyText } from './rows.ts';
import { TYPE_SAMPLES } from './testing/fake-adapter.ts';
import { MessageWriter } from './writer.ts';

function parseBackend(buf: Buffer): BackendMessage[] {
  const out: BackendMessage[] = [];
  new Parser().parse(buf, (m) => out.push(m));
  return out;
}

describe('FrameReader', () => {
  it('splits startup packets, then typed frames, across arbitrary chunk boundaries', () => {
    const bytes = Buffer.concat([
      serialize.requestSsl(),
      serialize.startup({ user: 'u', database: 'd' }),
      serialize.query('select 1'),
      serialize.parse({ name: 's', text: 'select $1', types: [23] }),
      serialize.sync(),
    ]);
    for (const chunkSize of [1, 2, 3, 7, bytes.length]) {
      const r = new FrameReader(1 << 20);
      const frames = [];
      for (let i = 0; i < bytes.length; i += chunkSize) {
        r.push(bytes.subarray(i, i + chunkSize));
        for (let f = r.next(); f !== undefined; f = r.next()) frames.push(f);
      }
      expect(frames.map((f) => f.type)).toEqual([0, 0, 0x51, 0x50, 0x53]);
      expect(decodeStartupPacket(frames[0]!.body)).toEqual({ kind: 'SSLRequest' });
      const startup = decodeStartupPacket(frames[1]!.body);
      expect(startup).toMatchObject({ kind: 'Startup', majorVersion: 3, minorVersion: 0 });
      expect(decodeMessage(frames[2]!)).toEqual({ kind: 'Query', sql: 'select 1' });
      expect(decodeMessage(frames[3]!)).toEqual({ kind: 'Parse', name: 's', sql: 'select $1', paramOids: [23] });
      expect(r.buffered).toBe(0);
    }
  });

  it('rejects bad lengths and oversized frames with 08P01', () => {
    const r = new FrameReader(100);
    r.push(Buffer.from([0, 0, 0, 2, 0, 0, 0, 0]));
    expect(() => r.next()).toThrow(/invalid length of startup packet/);
    const r2 = new FrameReader(100);
    r2.push(serialize.startup({ user: 'u' }));
    r2.next();
    r2.push(Buffer.from([0x51, 0, 0, 1, 0]));
    try {
      r2.next();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SqlError);
      expect((e as SqlError).code).toBe('08P01');
      expect((e as SqlError).severity).toBe('FATAL');
    }
  });
});

describe('frontend decoding', () => {
  const typed = (buf: Buffer) => {
    const r = new FrameReader(1 << 20);
    r.push(serialize.startup({ user: 'u' }));
    r.next();
    r.push(buf);
    return decodeMessage(r.next()!);
  };

  it('decodes every extended-protocol message pg-protocol produces', () => {
    expect(typed(serialize.bind({ portal: 'p', statement: 's', values: ['a', null, Buffer.from([1, 2])], binary: true }))).toEqual({
      kind: 'Bind', portal: 'p', statement: 's', paramFormats: [0, 0, 1],
      params: [Buffer.from('a'), null, Buffer.from([1, 2])], resultFormats: [1],
    });
    expect(typed(serialize.describe({ type: 'S', name: 'x' }))).toEqual({ kind: 'Describe', target: 'S', name: 'x' });
    expect(typed(serialize.execute({ portal: 'p', rows: 5 }))).toEqual({ kind: 'Execute', portal: 'p', maxRows: 5 });
    expect(typed(serialize.close({ type: 'P', name: 'p' }))).toEqual({ kind: 'Close', target: 'P', name: 'p' });
    expect(typed(serialize.flush())).toEqual({ kind: 'Flush' });
    expect(typed(serialize.end())).toEqual({ kind: 'Terminate' });
    expect(typed(serialize.copyData(Buffer.from('x\n')))).toEqual({ kind: 'CopyData', data: Buffer.from('x\n') });
    expect(typed(serialize.copyDone())).toEqual({ kind: 'CopyDone' });
    expect(typed(serialize.copyFail('nope'))).toEqual({ kind: 'CopyFail', message: 'nope' });
    expect(typed(serialize.password('pw'))).toMatchObject({ kind: 'Password' });
  });

  it('decodes CancelRequest and GSSENCRequest', () => {
    const cancel = serialize.cancel(42, 99);
    expect(decodeStartupPacket(cancel.subarray(4))).toEqual({ kind: 'CancelRequest', processId: 42, secretKey: 99 });
    const gss = Buffer.alloc(8);
    gss.writeInt32BE(8, 0);
    gss.writeInt32BE(80877104, 4);
    expect(decodeStartupPacket(gss.subarray(4))).toEqual({ kind: 'GSSENCRequest' });
  });

  it('rejects truncated bodies and unknown types', () => {
    expect(() => decodeMessage({ type: 0x50, body: Buffer.from('name\0sql') })).toThrow(/unterminated/);
    expect(() => decodeMessage({ type: 0x45, body: Buffer.from('p\0\0') })).toThrow(/truncated/);
    expect(() => decodeMessage({ type: 0x7a, body: Buffer.alloc(0) })).toThrow(/invalid frontend message type/);
  });
});

describe('backend encoding', () => {
  it('produces messages pg-protocol parses back', () => {
    const w = new MessageWriter(16); // tiny, to exercise growth
    be.authenticationOk(w);
    be.parameterStatus(w, 'client_encoding', 'UTF8');
    be.backendKeyData(w, 7, -5);
    be.rowDescription(w, [{ name: 'a', type: T.int4, nullable: true }, { name: 'ü', type: { name: 'numeric', typmod: 655366 }, nullable: true }], [0, 1]);
    new DataRowEncoder([{ name: 'a', type: T.int4, nullable: true }, { name: 'b', type: T.text, nullable: true }], [0, 0]).write(w, [5, 'ünï']);
    new DataRowEncoder([{ name: 'a', type: T.int4, nullable: true }, { name: 'b', type: T.text, nullable: true }], [0, 0]).write(w, [null, 'x'.repeat(100)]);
    be.commandComplete(w, 'SELECT 2');
    be.emptyQueryResponse(w);
    be.errorResponse(w, new SqlError('22012', 'division by zero', { detail: 'd', hint: 'h', position: 3 }));
    be.noticeResponse(w, { severity: 'WARNING', code: '25001', message: 'already in tx' });
    be.parseComplete(w);
    be.bindComplete(w);
    be.closeComplete(w);
    be.noData(w);
    be.parameterDescription(w, [T.int4, T.text]);
    be.portalSuspended(w);
    be.copyOutResponse(w, 2);
    be.copyData(w, Buffer.from('1\t2\n'));
    be.copyDone(w);
    be.copyInResponse(w, 1);
    be.readyForQuery(w, 'T');
    const msgs = parseBackend(w.take());
    expect(msgs.map((m) => m.name)).toEqual([
      'authenticationOk', 'parameterStatus', 'backendKeyData', 'rowDescription', 'dataRow', 'dataRow', 'commandComplete',
      'emptyQuery', 'error', 'notice', 'parseComplete', 'bindComplete', 'closeComplete', 'noData', 'parameterDescription',
      'portalSuspended', 'copyOutResponse', 'copyData', 'copyDone', 'copyInResponse', 'readyForQuery',
    ]);
    const m = msgs as unknown as Record<string, unknown>[];
    expect(m[1]).toMatchObject({ parameterName: 'client_encoding', parameterValue: 'UTF8' });
    expect(m[2]).toMatchObject({ processID: 7, secretKey: -5 });
    expect(m[3]).toMatchObject({ fieldCount: 2, fields: [
      { name: 'a', tableID: 0, columnID: 0, dataTypeID: 23, dataTypeSize: 4, dataTypeModifier: -1, format: 'text' },
      { name: 'ü', dataTypeID: 1700, dataTypeSize: -1, dataTypeModifier: 655366, format: 'binary' },
    ] });
    expect(m[4]).toMatchObject({ fields: ['5', 'ünï'] });
    expect(m[5]).toMatchObject({ fields: [null, 'x'.repeat(100)] });
    expect(m[6]).toMatchObject({ text: 'SELECT 2' });
    expect(m[8]).toMatchObject({ severity: 'ERROR', code: '22012', message: 'division by zero', detail: 'd', hint: 'h', position: '3' });
    expect(m[9]).toMatchObject({ severity: 'WARNING', code: '25001' });
    expect(m[14]).toMatchObject({ dataTypeIDs: [23, 25] });
    expect(m[16]).toMatchObject({ columnTypes: [0, 0], binary: false });
    expect(m[20]).toMatchObject({ status: 'T' });
  });

  it('writes COPY text rows with escapes and \\N', () => {
    const w = new MessageWriter();
    new CopyTextEncoder([{ name: 'a', type: T.text, nullable: true }, { name: 'b', type: T.bool, nullable: true }, { name: 'c', type: T.text, nullable: true }]).write(w, ['a\tb\\c\nd\re', true, null]);
    const msgs = parseBackend(w.take()) as unknown as { chunk: Buffer }[];
    expect(msgs[0]!.chunk.toString()).toBe('a\\tb\\\\c\\nd\\re\tt\t\\N\n');
    expect(escapeCopyText('plain')).toBe('plain');
  });
});

describe('binary formats', () => {
  const roundTrip = (typeName: Parameters<typeof scalar>[0], value: Parameters<typeof encodeBinary>[1]) => {
    const w = new MessageWriter();
    encodeBinary(w, value, scalar(typeName));
    const bytes = w.take();
    return { bytes, back: decodeBinary(bytes, scalar(typeName)) };
  };

  it('round-trips a value of every supported type', () => {
    for (const [name, value] of TYPE_SAMPLES) {
      const { back } = roundTrip(name, value);
      if (value instanceof Numeric) expect((back as Numeric).toString()).toBe(value.toString());
      else expect(back).toEqual(value);
    }
  });

  it('matches PostgreSQL byte layouts', () => {
    // numeric 12345.678 → ndigits 3, weight 1, sign +, dscale 3, digits 1 2345 6780
    expect([...roundTrip('numeric', Numeric.fromString('12345.678')!).bytes]).toEqual([0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c]);
    // numeric -0.0001 → ndigits 1, weight -1, sign 0x4000, dscale 4, digit 1
    expect([...roundTrip('numeric', Numeric.fromString('-0.0001')!).bytes]).toEqual([0, 1, 0xff, 0xff, 0x40, 0, 0, 4, 0, 1]);
    // numeric 0.00 → no digits, dscale 2
    expect([...roundTrip('numeric', Numeric.fromString('0.00')!).bytes]).toEqual([0, 0, 0, 0, 0, 0, 0, 2]);
    // numeric 1000000 (trailing zero groups dropped): ndigits 1, weight 1, digit 100
    expect([...roundTrip('numeric', Numeric.fromString('1000000')!).bytes]).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 0, 100]);
    expect([...roundTrip('numeric', new Numeric(0n, 0, 'nan')).bytes]).toEqual([0, 0, 0, 0, 0xc0, 0, 0, 0]);
    // date 2000-01-01 is 0 on the wire; timestamp 2000-01-01 00:00:01 is 1e6 µs
    expect([...roundTrip('date', 10957).bytes]).toEqual([0, 0, 0, 0]);
    expect(roundTrip('timestamp', 946_684_801_000_000n).bytes.readBigInt64BE(0)).toBe(1_000_000n);
    expect([...roundTrip('interval', new Interval(1, 2, 3n)).bytes]).toEqual([0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1]);
    expect([...roundTrip('bool', false).bytes]).toEqual([0]);
  });

  it('sends and receives date and timestamp infinities as the extreme integers, as PostgreSQL does', () => {
    expect([...roundTrip('date', Infinity).bytes]).toEqual([0x7f, 0xff, 0xff, 0xff]);
    expect([...roundTrip('date', -Infinity).bytes]).toEqual([0x80, 0, 0, 0]);
    expect(roundTrip('date', Infinity).back).toBe(Infinity);
    expect(roundTrip('date', -Infinity).back).toBe(-Infinity);
    for (const t of ['timestamp', 'timestamptz'] as const) {
      const inf = roundTrip(t, 9223372036854775807n);
      expect([...inf.bytes]).toEqual([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
      expect(inf.back).toBe(9223372036854775807n);
      const ninf = roundTrip(t, -9223372036854775808n);
      expect([...ninf.bytes]).toEqual([0x80, 0, 0, 0, 0, 0, 0, 0]);
      expect(ninf.back).toBe(-9223372036854775808n);
    }
  });

  it('round-trips numerics exactly, including scale', () => {
    for (const s of ['0', '1', '-1', '9999', '10000', '0.5', '123.4500', '-98765432109876543210.0123456789', '1e-20', '0.000000001']) {
      const n = Numeric.fromString(s)!;
      const back = roundTrip('numeric', n).back as Numeric;
      expect(back.toString()).toBe(n.toString());
    }
  });

  it('refuses malformed binary input with 22P03 and unsupported types with 0A000', () => {
    expect(() => decodeBinary(Buffer.from([0, 1]), T.int4)).toThrow(expect.objectContaining({ code: '22P03' }));
    expect(() => decodeBinary(Buffer.from([0, 1]), scalar('record'))).toThrow(expect.objectContaining({ code: '0A000' }));
  });
});

describe('binary arrays', () => {
  it('round-trips one- and two-dimensional arrays with NULLs in PostgreSQL layout', async () => {
    const { PgArray, arrayOf } = await import('../repr/index.ts');
    const type = arrayOf(T.int4);
    const a = new PgArray([1, null, 3, 4], [{ length: 2, lower: 1 }, { length: 2, lower: 0 }]);
    const w = new MessageWriter();
    encodeBinary(w, a, type);
    const bytes = w.take();
    expect(bytes.readInt32BE(0)).toBe(2); // ndim
    expect(bytes.readInt32BE(4)).toBe(1); // has nulls
    expect(bytes.readUInt32BE(8)).toBe(23); // element OID
    expect(decodeBinary(bytes, type)).toEqual(a);
    const empty = new PgArray([]);
    const w2 = new MessageWriter();
    encodeBinary(w2, empty, type);
    expect([...w2.take()]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23]);
    expect(() => decodeBinary(bytes, arrayOf(T.int8))).toThrow(expect.objectContaining({ code: '42804' }));
  });
});
