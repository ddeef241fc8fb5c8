import { describe, expect, it } from 'vitest';
import { PgArray, T, arrayOf, formatText } from '../../../repr/index.ts';
import { decoderFor, parseArrayText, sourceTypeForOid, splitCopyLine } from './decode.ts';
import { UNCHANGED_TOAST, decodePgOutput, decodeReplicationMessage, encodeStandbyStatus, formatLsn, parseLsn } from './protocol.ts';

describe('array text', () => {
  const int4s = decoderFor(arrayOf(T.int4), 1007);
  it('parses nesting, NULLs, quoting and bounds', () => {
    const a = int4s('{{1,2},{3,NULL}}') as PgArray;
    expect(a.elems).toEqual([1, 2, 3, null]);
    expect(a.dims).toEqual([{ length: 2, lower: 1 }, { length: 2, lower: 1 }]);
    const t = parseArrayText('{"a b","c\\"d",NULL,"",plain}', (s) => s);
    expect(t.elems).toEqual(['a b', 'c"d', null, '', 'plain']);
    const b = int4s('[0:1]={7,8}') as PgArray;
    expect(b.dims).toEqual([{ length: 2, lower: 0 }]);
    expect((int4s('{}') as PgArray).elems).toEqual([]);
  });
  it('round-trips through repr formatting', () => {
    for (const s of ['{{1,2},{3,NULL}}', '{}', '[0:1]={7,8}']) expect(formatText(int4s(s), arrayOf(T.int4))).toBe(s);
    expect(() => int4s('{{1,2},{3}}')).toThrow(/ragged/);
  });
});

describe('COPY text', () => {
  it('splits fields and unescapes', () => {
    const out: (string | null)[] = [];
    const n = splitCopyLine('1\t\\N\ta\\tb\\nc\\\\d\t\t\\101', out);
    expect(out.slice(0, n)).toEqual(['1', null, 'a\tb\nc\\d', '', 'A']);
  });
});

describe('types', () => {
  it('maps supported OIDs, keeps typmods, refuses the rest', () => {
    expect(sourceTypeForOid(1700, ((10 << 16) | 2) + 4)).toEqual({ name: 'numeric', typmod: ((10 << 16) | 2) + 4 });
    expect(sourceTypeForOid(1184, -1)).toBe(T.timestamptz);
    expect(sourceTypeForOid(3904, -1)).toBe(T.text);
    expect(sourceTypeForOid(22, -1)).toEqual(arrayOf(T.int2));
    expect(sourceTypeForOid(600, -1)).toBeUndefined(); // point
    expect(decoderFor(arrayOf(T.int2), 22)('1 2 3')).toEqual(new PgArray([1, 2, 3]));
  });
});

describe('replication protocol', () => {
  it('parses and prints LSNs', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16B374D848n);
    expect(formatLsn(0x16B374D848n)).toBe('16/B374D848');
  });
  it('decodes keepalives, XLogData and pgoutput messages', () => {
    const k = Buffer.alloc(18);
    k[0] = 0x6b;
    k.writeBigUInt64BE(42n, 1);
    k[17] = 1;
    expect(decodeReplicationMessage(k)).toEqual({ kind: 'keepalive', walEnd: 42n, replyRequested: true });
    // Update with an old tuple ('O') and a new tuple holding NULL, text and unchanged TOAST.
    const parts = [Buffer.from('U'), u32(16384), Buffer.from('O'), i16(3), Buffer.from('t'), u32(1), Buffer.from('1'), Buffer.from('n'),
      Buffer.from('t'), u32(2), Buffer.from('hi'), Buffer.from('N'), i16(3), Buffer.from('t'), u32(1), Buffer.from('2'), Buffer.from('n'), Buffer.from('u')];
    const m = decodePgOutput(Buffer.concat(parts));
    expect(m).toEqual({ kind: 'update', relOid: 16384, keyOnly: false, old: ['1', null, 'hi'], newTuple: ['2', null, UNCHANGED_TOAST] });
    const s = encodeStandbyStatus(0x10n);
    expect(s[0]).toBe(0x72);
    expect(s.readBigUInt64BE(9)).toBe(0x10n);
  });
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
function i16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
