/** pgwire driven by hand-made frames: the extended protocol's corners, binary formats, and malformed input. */
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Numeric, scalar, typeOid } from '../repr/index.ts';
import { silentLogger } from '../util/index.ts';
import { decodeBinary } from './binary.ts';
import { startPgwireServer, type PgwireServer } from './index.ts';
import { FakeAdapter, TYPE_SAMPLES } from './testing/fake-adapter.ts';
import { commandTag, dataRowFields, errorFields, rawFrame, RawClient } from './testing/raw-client.ts';

let server: PgwireServer;
let adapter: FakeAdapter;
const clients: RawClient[] = [];

beforeAll(async () => {
  adapter = new FakeAdapter();
  server = await startPgwireServer({ host: '127.0.0.1', port: 0, adapter, logger: silentLogger, maxMessageBytes: 1 << 20 });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server.close();
});

beforeEach(() => {
  adapter.events.log.length = 0;
});

async function client(): Promise<RawClient> {
  const c = await RawClient.startup(server.port);
  clients.push(c);
  return c;
}

const types = (frames: { type: string }[]): string => frames.map((f) => f.type).join('');

/** Checks that the server still serves new connections. */
async function serverStillWorks(): Promise<void> {
  const c = await client();
  c.send(serialize.query('select 5'));
  const frames = await c.until('Z');
  expect(types(frames)).toBe('TDCZ');
  expect(dataRowFields(frames[1]!)[0]!.toString()).toBe('5');
}

describe('startup', () => {
  it('sends AuthenticationOk, ParameterStatus, BackendKeyData and ReadyForQuery', async () => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    c.send(serialize.startup({ user: 'materialize', database: 'materialize', application_name: 'raw' }));
    const frames = await c.until('Z');
    expect(types(frames)).toBe('RSSSSSSKZ');
    expect(frames.at(-1)!.body.toString()).toBe('I');
    expect(frames.at(-2)!.body.readInt32BE(0)).toBeGreaterThan(0);
  });

  it('answers SSLRequest and GSSENCRequest with N and continues', async () => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    c.expectSingleByte = true;
    c.send(serialize.requestSsl());
    expect(types(await c.until('single:N'))).toBe('single:N');
    c.expectSingleByte = true;
    const gss = Buffer.alloc(8);
    gss.writeInt32BE(8, 0);
    gss.writeInt32BE(80877104, 4);
    c.send(gss);
    expect(types(await c.until('single:N'))).toBe('single:N');
    c.send(serialize.startup({ user: 'materialize' }));
    expect((await c.until('Z')).length).toBeGreaterThan(2);
    expect(adapter.events.startups.at(-1)).toMatchObject({ user: 'materialize', database: 'materialize' });
  });

  it('negotiates down a newer protocol minor version', async () => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    const body = Buffer.from('\0\0\0\0user\0u\0_pq_.thing\0x\0\0');
    body.writeInt32BE((3 << 16) | 2, 0);
    const len = Buffer.alloc(4);
    len.writeInt32BE(body.length + 4, 0);
    c.send(len, body);
    const frames = await c.until('Z');
    expect(frames[0]!.type).toBe('v');
    expect(frames[0]!.body.readInt32BE(0)).toBe(0);
    expect(frames[0]!.body.toString('utf8', 8, frames[0]!.body.length - 1)).toBe('_pq_.thing');
  });

  it('rejects garbage startup packets and an unsupported protocol, and keeps serving', async () => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    c.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const frames = await c.untilEnd();
    expect(types(frames)).toBe('E');
    expect(errorFields(frames[0]!)).toMatchObject({ S: 'FATAL', C: '08P01' });
    expect(c.ended).toBe(true);

    const v2 = await RawClient.connect(server.port);
    clients.push(v2);
    const pkt = Buffer.alloc(8);
    pkt.writeInt32BE(8, 0);
    pkt.writeInt32BE(2 << 16, 4);
    v2.send(pkt);
    expect(errorFields((await v2.untilEnd())[0]!)).toMatchObject({ S: 'FATAL', C: '0A000' });
    await serverStillWorks();
  });

  it('closes after a CancelRequest and passes it to the adapter', async () => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    c.send(serialize.cancel(1234, 5678));
    expect(await c.untilEnd()).toEqual([]);
    expect(adapter.events.cancels).toContainEqual([1234, 5678]);
  });
});

describe('malformed input', () => {
  it('answers an unknown message type with FATAL 08P01 and closes only that connection', async () => {
    const other = await client();
    const c = await client();
    c.send(rawFrame('z', Buffer.from('hello')));
    const frames = await c.untilEnd();
    expect(types(frames)).toBe('E');
    expect(errorFields(frames[0]!)).toMatchObject({ S: 'FATAL', V: 'FATAL', C: '08P01' });
    expect(c.ended).toBe(true);
    other.send(serialize.query('select 1'));
    expect(types(await other.until('Z'))).toBe('TDCZ');
    await serverStillWorks();
  });

  it('rejects oversized and undersized lengths', async () => {
    const big = await client();
    big.send(rawFrame('Q', Buffer.alloc(0), 0x7fffffff));
    expect(errorFields((await big.untilEnd())[0]!)).toMatchObject({ C: '08P01', S: 'FATAL' });
    const small = await client();
    small.send(rawFrame('Q', Buffer.alloc(0), 2));
    expect(errorFields((await small.untilEnd())[0]!)).toMatchObject({ C: '08P01' });
    await serverStillWorks();
  });

  it('rejects malformed bodies (truncated Bind, missing terminator) after answering earlier messages', async () => {
    const c = await client();
    const bind = serialize.bind({ statement: '', values: ['1'] });
    // Keep the frame length consistent but cut the body short: a truncated parameter.
    const body = bind.subarray(5, bind.length - 6);
    c.send(serialize.query('select 1'), rawFrame('B', body));
    const frames = await c.untilEnd();
    expect(types(frames)).toBe('TDCZE');
    expect(errorFields(frames.at(-1)!)).toMatchObject({ C: '08P01', S: 'FATAL' });

    const d = await client();
    d.send(rawFrame('Q', Buffer.from('select 1')));
    expect(errorFields((await d.untilEnd())[0]!)).toMatchObject({ C: '08P01' });
    await serverStillWorks();
  });

  it('survives a client that disconnects mid-frame and mid-statement', async () => {
    const c = await client();
    const q = serialize.query('select 1');
    c.send(q.subarray(0, 6));
    c.destroy();
    const d = await client();
    d.send(serialize.query('sleep'));
    await new Promise((r) => setTimeout(r, 20));
    d.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(adapter.events.log).toContain('cancel');
    expect(adapter.events.log).toContain('close');
    await serverStillWorks();
  });

  it('refuses a second startup packet and a password message after startup', async () => {
    const c = await client();
    c.send(serialize.password('x'));
    expect(errorFields((await c.untilEnd())[0]!)).toMatchObject({ C: '08P01' });
  });
});

describe('errors from the adapter', () => {
  it('reports non-SqlErrors as XX000 and keeps the connection; FATAL SqlErrors end it', async () => {
    const c = await client();
    c.send(serialize.parse({ text: 'crash' }), serialize.bind({}), serialize.execute({}), serialize.sync());
    let frames = await c.until('Z');
    expect(types(frames)).toBe('12EZ');
    expect(errorFields(frames[2]!)).toMatchObject({ S: 'ERROR', C: 'XX000', M: 'internal error: boom' });
    c.send(serialize.query('fatal'));
    frames = await c.untilEnd();
    expect(types(frames)).toBe('E');
    expect(errorFields(frames[0]!)).toMatchObject({ S: 'FATAL', C: '57P01' });
    expect(c.ended).toBe(true);
  });

  it('sends NoticeResponse with its fields ahead of CommandComplete', async () => {
    const c = await client();
    c.send(serialize.query('notice'));
    const frames = await c.until('Z');
    expect(types(frames)).toBe('NCZ');
    expect(errorFields(frames[0]!)).toMatchObject({ S: 'NOTICE', V: 'NOTICE', C: '00000', M: 'hello from notice', D: 'd' });
  });
});

describe('extended protocol', () => {
  it('describes statements and portals', async () => {
    const c = await client();
    c.send(
      serialize.parse({ name: 's1', text: 'select $1::int8, $2', types: [0, 25] }),
      serialize.describe({ type: 'S', name: 's1' }),
      serialize.parse({ name: 's2', text: 'insert' }),
      serialize.describe({ type: 'S', name: 's2' }),
      serialize.bind({ portal: 'p1', statement: 's1', values: ['1', 'x'], binary: true }),
      serialize.describe({ type: 'P', name: 'p1' }),
      serialize.sync(),
    );
    const frames = await c.until('Z');
    expect(types(frames)).toBe('1tT1tn2TZ');
    const pd = frames[1]!.body;
    expect([pd.readInt16BE(0), pd.readInt32BE(2), pd.readInt32BE(6)]).toEqual([2, 20, 25]);
    // Describe S reports text format; Describe P the portal's (binary) formats.
    const lastFormat = (f: { body: Buffer }) => f.body.readInt16BE(f.body.length - 2);
    expect(lastFormat(frames[2]!)).toBe(0);
    expect(lastFormat(frames[7]!)).toBe(1);
    expect(adapter.events.log.filter((l) => l.startsWith('execute'))).toEqual([]);
  });

  it('suspends portals at the row limit and resumes them', async () => {
    const c = await client();
    c.send(
      serialize.parse({ text: 'generate 10' }),
      serialize.bind({ portal: 'cur' }),
      serialize.execute({ portal: 'cur', rows: 4 }),
      serialize.flush(),
    );
    let frames = await c.until('s');
    expect(types(frames)).toBe('12DDDDs');
    expect(dataRowFields(frames[2]!).map((f) => f?.toString())).toEqual(['1', 'row 1']);
    c.send(serialize.execute({ portal: 'cur', rows: 4 }), serialize.flush());
    frames = await c.until('s');
    expect(types(frames)).toBe('DDDDs');
    c.send(serialize.execute({ portal: 'cur', rows: 4 }), serialize.execute({ portal: 'cur', rows: 4 }), serialize.sync());
    frames = await c.until('Z');
    expect(types(frames)).toBe('DDCCZ');
    expect(dataRowFields(frames[1]!)).toEqual([Buffer.from('10'), null]);
    expect(commandTag(frames[2]!)).toBe('SELECT 10');
    expect(commandTag(frames[3]!)).toBe('SELECT 0');
    // One implicit transaction for the whole batch, executed once.
    expect(adapter.events.log).toEqual(['describe generate 10', 'begin 1', 'execute generate 10', 'end true']);
    // Portals die with their (implicit) transaction.
    c.send(serialize.execute({ portal: 'cur' }), serialize.sync());
    frames = await c.until('Z');
    expect(errorFields(frames[0]!)).toMatchObject({ C: '34000' });
  });

  it('keeps named portals across Sync inside a transaction block', async () => {
    const c = await client();
    c.send(serialize.query('begin'));
    await c.until('Z');
    c.send(serialize.parse({ text: 'generate 5' }), serialize.bind({ portal: 'C_1' }), serialize.execute({ portal: 'C_1', rows: 2 }), serialize.sync());
    let frames = await c.until('Z');
    expect(types(frames)).toBe('12DDsZ');
    expect(frames.at(-1)!.body.toString()).toBe('T');
    c.send(serialize.execute({ portal: 'C_1', rows: 0 }), serialize.close({ type: 'P', name: 'C_1' }), serialize.sync());
    frames = await c.until('Z');
    expect(types(frames)).toBe('DDDC3Z');
    c.send(serialize.query('commit'));
    await c.until('Z');
  });

  it('handles statement names: duplicates, unknown names, unnamed redefinition, Close', async () => {
    const c = await client();
    c.send(serialize.parse({ name: 'a', text: 'select 1' }), serialize.sync());
    expect(types(await c.until('Z'))).toBe('1Z');
    c.send(serialize.parse({ name: 'a', text: 'select 2' }), serialize.sync());
    let frames = await c.until('Z');
    expect(errorFields(frames[0]!)).toMatchObject({ C: '42P05', M: 'prepared statement "a" already exists' });
    c.send(serialize.bind({ statement: 'zzz' }), serialize.sync());
    frames = await c.until('Z');
    expect(errorFields(frames[0]!)).toMatchObject({ C: '26000' });
    c.send(serialize.describe({ type: 'P', name: 'nope' }), serialize.sync());
    expect(errorFields((await c.until('Z'))[0]!)).toMatchObject({ C: '34000' });
    c.send(
      serialize.parse({ text: 'select 1' }), serialize.parse({ text: 'select 2' }),
      serialize.bind({}), serialize.execute({}), serialize.sync(),
    );
    frames = await c.until('Z');
    expect(types(frames)).toBe('112DCZ');
    expect(dataRowFields(frames[3]!)[0]!.toString()).toBe('2');
    c.send(serialize.close({ type: 'S', name: 'a' }), serialize.close({ type: 'S', name: 'never' }), serialize.bind({ statement: 'a' }), serialize.sync());
    frames = await c.until('Z');
    expect(types(frames)).toBe('33EZ');
    expect(errorFields(frames[2]!)).toMatchObject({ C: '26000' });
  });

  it('skips to Sync after an error and tells the adapter the batch failed', async () => {
    const c = await client();
    c.send(
      serialize.parse({ text: 'bogus' }),
      serialize.bind({}),
      serialize.execute({}),
      serialize.query('select 1'),
      serialize.sync(),
      serialize.parse({ text: 'select 3' }), serialize.bind({}), serialize.execute({}), serialize.sync(),
    );
    const frames = await c.until('Z');
    expect(types(frames)).toBe('EZ');
    expect(errorFields(frames[0]!)).toMatchObject({ C: '42601' });
    expect(types(await c.until('Z'))).toBe('12DCZ');
    expect(adapter.events.log).toEqual(['begin 1', 'end false', 'describe select 3', 'begin 1', 'execute select 3', 'end true']);
  });

  it('rejects multiple statements in one Parse and wrong parameter counts', async () => {
    const c = await client();
    c.send(serialize.parse({ text: 'select 1; select 2' }), serialize.sync());
    expect(errorFields((await c.until('Z'))[0]!)).toMatchObject({ C: '42601' });
    c.send(serialize.parse({ text: 'select $1::int4' }), serialize.bind({ values: [] }), serialize.sync());
    const frames = await c.until('Z');
    expect(types(frames)).toBe('1EZ');
    expect(errorFields(frames[1]!)).toMatchObject({ C: '08P01', S: 'ERROR' });
  });

  it('answers empty statements with EmptyQueryResponse', async () => {
    const c = await client();
    c.send(serialize.parse({ text: '  ' }), serialize.bind({}), serialize.describe({ type: 'P', name: '' }), serialize.execute({}), serialize.sync());
    expect(types(await c.until('Z'))).toBe('12nIZ');
    c.send(serialize.query(';;'));
    expect(types(await c.until('Z'))).toBe('IZ');
  });

  it('pipelines a simple Query before extended messages', async () => {
    const c = await client();
    c.send(serialize.query('begin'), serialize.parse({ text: 'select 8' }), serialize.bind({}), serialize.execute({}), serialize.sync());
    const frames = await c.until('Z');
    expect(types(frames)).toBe('CZ');
    expect(frames[1]!.body.toString()).toBe('T');
    const rest = await c.until('Z');
    expect(types(rest)).toBe('12DCZ');
    expect(rest.at(-1)!.body.toString()).toBe('T');
  });
});

describe('binary format', () => {
  it('sends every supported type in binary exactly as the adapter holds it', async () => {
    const c = await client();
    c.send(serialize.parse({ text: 'types' }), serialize.bind({ binary: true }), serialize.execute({}), serialize.sync());
    const frames = await c.until('Z');
    expect(types(frames)).toBe('12DCZ');
    const fields = dataRowFields(frames[2]!);
    TYPE_SAMPLES.forEach(([name, value], i) => {
      const back = decodeBinary(fields[i]!, scalar(name));
      if (value instanceof Numeric) expect((back as Numeric).toString()).toBe(value.toString());
      else expect(back).toEqual(value);
    });
    expect(fields[0]!.readInt16BE(0)).toBe(-1234);
    expect(fields[2]!.readBigInt64BE(0)).toBe(-9007199254740993n);
  });

  it('receives binary parameters of every supported type and echoes them back unchanged', async () => {
    const c = await client();
    c.send(serialize.parse({ text: 'types' }), serialize.bind({ binary: true }), serialize.execute({}), serialize.sync());
    const sample = dataRowFields((await c.until('Z'))[2]!) as Buffer[];
    const sql = 'select ' + TYPE_SAMPLES.map(([name], i) => `$${i + 1}::${name}`).join(', ');
    c.send(
      serialize.parse({ name: 'echo', text: sql, types: TYPE_SAMPLES.map(([name]) => typeOid(scalar(name))) }),
      serialize.bind({ statement: 'echo', values: sample, binary: true }),
      serialize.execute({}),
      serialize.bind({ statement: 'echo', values: sample.map(() => null) }),
      serialize.execute({}),
      serialize.sync(),
    );
    const frames = await c.until('Z');
    expect(types(frames)).toBe('12DC2DCZ');
    expect(dataRowFields(frames[2]!)).toEqual(sample);
    expect(dataRowFields(frames[5]!)).toEqual(sample.map(() => null));
  });

  it('maps date and timestamp infinities to and from the extreme integers, in parameters and results', async () => {
    const c = await client();
    const int32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
    const int64 = (n: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b; };
    const inf = [int32(0x7fffffff), int32(-0x80000000), int64(9223372036854775807n), int64(-9223372036854775808n)];
    c.send(
      serialize.parse({ name: 'inf', text: 'select $1::date, $2::date, $3::timestamptz, $4::timestamp', types: [1082, 1082, 1184, 1114] }),
      serialize.bind({ statement: 'inf', values: inf, binary: true }),
      serialize.execute({}),
      serialize.bind({ statement: 'inf', values: ['infinity', '-infinity', 'infinity', '-infinity'], binary: false }),
      serialize.execute({}),
      serialize.sync(),
    );
    const frames = await c.until('Z');
    expect(types(frames)).toBe('12DC2DCZ');
    expect(dataRowFields(frames[2]!)).toEqual(inf);
    expect(dataRowFields(frames[5]!).map((f) => f?.toString())).toEqual(['infinity', '-infinity', 'infinity', '-infinity']);
  });

  it('mixes text and binary result formats per column and decodes text parameters', async () => {
    const c = await client();
    const bind = serialize.bind({ values: ['12.50', '-3'], binary: false });
    // Rewrite the trailing result-format section: 2 codes, [1, 0].
    const head = bind.subarray(0, bind.length - 4);
    const formats = Buffer.from([0, 2, 0, 1, 0, 0]);
    const fixed = Buffer.concat([head, formats]);
    fixed.writeInt32BE(fixed.length - 1, 1);
    c.send(serialize.parse({ text: 'select $1::numeric, $2::int4' }), fixed, serialize.execute({}), serialize.sync());
    const frames = await c.until('Z');
    expect(types(frames)).toBe('12DCZ');
    const [a, b] = dataRowFields(frames[2]!);
    expect((decodeBinary(a!, scalar('numeric')) as Numeric).toString()).toBe('12.50');
    expect(b!.toString()).toBe('-3');
  });

  it('refuses binary for types without a binary format (0A000) and malformed binary input (22P03)', async () => {
    const c = await client();
    c.send(serialize.parse({ text: 'record' }), serialize.bind({ binary: true }), serialize.sync());
    let frames = await c.until('Z');
    expect(types(frames)).toBe('1EZ');
    expect(errorFields(frames[1]!)).toMatchObject({ C: '0A000', M: 'binary format for type record not yet supported' });
    c.send(serialize.parse({ text: 'select $1::int4', types: [23] }), serialize.bind({ values: [Buffer.from([1, 2])] }), serialize.sync());
    frames = await c.until('Z');
    expect(errorFields(frames[1]!)).toMatchObject({ C: '22P03' });
    c.send(serialize.query('record'));
    frames = await c.until('Z');
    expect(types(frames)).toBe('TDCZ');
    expect(dataRowFields(frames[1]!)[0]!.toString()).toBe('(1,a)');
  });
});

describe('COPY', () => {
  it('aborts COPY FROM STDIN on CopyFail and ignores stray copy messages', async () => {
    const c = await client();
    c.send(serialize.query('copy in'));
    expect(types(await c.until('G'))).toBe('G');
    c.send(serialize.copyData(Buffer.from('x\n')), serialize.copyFail('client gave up'));
    const frames = await c.until('Z');
    expect(types(frames)).toBe('EZ');
    expect(errorFields(frames[0]!)).toMatchObject({ C: '57014', M: 'COPY from stdin failed: client gave up' });
    expect(adapter.events.log).toContain('copy aborted: client gave up');
    c.send(serialize.copyData(Buffer.from('late')), serialize.copyDone(), serialize.query('select 1'));
    expect(types(await c.until('Z'))).toBe('TDCZ');
  });

  it('runs COPY FROM STDIN through the extended protocol', async () => {
    const c = await client();
    c.send(serialize.parse({ text: 'copy in' }), serialize.bind({}), serialize.execute({}), serialize.flush());
    expect(types(await c.until('G'))).toBe('12G');
    c.send(serialize.copyData(Buffer.from('1\n2\n')), serialize.copyDone(), serialize.sync());
    const frames = await c.until('Z');
    expect(types(frames)).toBe('CZ');
    expect(commandTag(frames[0]!)).toBe('COPY 2');
  });

  it('rejects a non-COPY message during COPY FROM STDIN', async () => {
    const c = await client();
    c.send(serialize.query('copy in'));
    await c.until('G');
    c.send(serialize.query('select 1'));
    const frames = await c.until('Z');
    expect(errorFields(frames[0]!)).toMatchObject({ C: '08P01' });
  });
});

describe('large results', () => {
  it('streams 100k rows with backpressure', async () => {
    const c = await client();
    c.send(serialize.query('generate 100000'));
    const frames = await c.until('Z', 20_000);
    expect(frames.length).toBe(100_003);
    expect(commandTag(frames.at(-2)!)).toBe('SELECT 100000');
  });

  it('waits for a client that stops reading, then finishes, while other connections are served', async () => {
    const c = await client();
    c.pause();
    c.send(serialize.query('generate 150000'));
    await new Promise((r) => setTimeout(r, 200));
    expect(c.frames.length).toBeLessThan(20); // nothing read while paused
    await serverStillWorks();
    c.resume();
    const frames = await c.until('Z', 20_000);
    expect(frames.length).toBe(150_003);
  });
});

describe('shutdown', () => {
  it('ends every connection with FATAL 57P01', async () => {
    const local = new FakeAdapter();
    const s = await startPgwireServer({ host: '127.0.0.1', port: 0, adapter: local, logger: silentLogger });
    const c = await RawClient.startup(s.port);
    await s.close();
    const frames = await c.untilEnd();
    expect(errorFields(frames[0]!)).toMatchObject({ S: 'FATAL', C: '57P01' });
    expect(local.events.log).toContain('close');
  });
});
