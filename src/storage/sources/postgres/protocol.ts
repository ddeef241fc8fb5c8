/**
 * The logical replication wire formats: LSNs, the CopyBoth framing of START_REPLICATION (XLogData,
 * primary keepalive, standby status update) and pgoutput protocol version 1 messages. Values stay
 * PostgreSQL text (decoded later with the column's type OID), LSNs are bigints, so nothing is lost
 * to a global type parser (see src/storage/README.md for why this is ours and not a library's).
 */

/** A WAL position (PostgreSQL's XLogRecPtr, 64 bits). */
export type Lsn = bigint;

/** Parses `16/B374D848` (PostgreSQL's pg_lsn text form). */
export function parseLsn(text: string): Lsn {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (m === null) throw new Error(`invalid LSN "${text}"`);
  return (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01). */
const PG_EPOCH_MICROS = 946_684_800_000_000n;

/** One CopyData payload of a replication stream. */
export type ReplicationMessage =
  | { readonly kind: 'xlogData'; readonly walStart: Lsn; readonly walEnd: Lsn; readonly payload: Buffer }
  | { readonly kind: 'keepalive'; readonly walEnd: Lsn; readonly replyRequested: boolean };

export function decodeReplicationMessage(buf: Buffer): ReplicationMessage {
  const tag = buf[0];
  if (tag === 0x77 /* w */) {
    return { kind: 'xlogData', walStart: buf.readBigUInt64BE(1), walEnd: buf.readBigUInt64BE(9), payload: buf.subarray(25) };
  }
  if (tag === 0x6b /* k */) {
    return { kind: 'keepalive', walEnd: buf.readBigUInt64BE(1), replyRequested: buf[17] === 1 };
  }
  throw new Error(`unexpected replication message tag ${String(tag)}`);
}

/** Standby status update: everything up to `flushed` is durable here, so the slot may release it. */
export function encodeStandbyStatus(flushed: Lsn, replyNow = false): Buffer {
  const b = Buffer.alloc(34);
  b[0] = 0x72; // r
  b.writeBigUInt64BE(flushed, 1); // written
  b.writeBigUInt64BE(flushed, 9); // flushed
  b.writeBigUInt64BE(flushed, 17); // applied
  b.writeBigInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_MICROS, 25);
  b[33] = replyNow ? 1 : 0;
  return b;
}

/** A column value in a pgoutput tuple: text, NULL, or an unchanged TOASTed value that was not sent. */
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged-toast');
export type TupleValue = string | null | typeof UNCHANGED_TOAST;
export type TupleData = readonly TupleValue[];

export interface RelationColumn {
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
  /** Part of the replica identity key. */
  readonly isKey: boolean;
}

export type PgOutputMessage =
  | { readonly kind: 'begin'; readonly finalLsn: Lsn; readonly xid: number }
  | { readonly kind: 'commit'; readonly commitLsn: Lsn; readonly endLsn: Lsn }
  | {
    readonly kind: 'relation'; readonly oid: number; readonly schema: string; readonly name: string;
    /** 'd' default, 'n' nothing, 'f' full, 'i' index. */
    readonly replicaIdentity: string; readonly columns: readonly RelationColumn[];
  }
  | { readonly kind: 'insert'; readonly relOid: number; readonly newTuple: TupleData }
  /** `old` is the whole old row (REPLICA IDENTITY FULL), `key` only the identity columns, neither when unchanged key. */
  | { readonly kind: 'update'; readonly relOid: number; readonly old: TupleData | undefined; readonly keyOnly: boolean; readonly newTuple: TupleData }
  | { readonly kind: 'delete'; readonly relOid: number; readonly old: TupleData; readonly keyOnly: boolean }
  | { readonly kind: 'truncate'; readonly relOids: readonly number[] }
  /** Type, origin and logical decoding messages: nothing a source needs. */
  | { readonly kind: 'other'; readonly tag: string };

class Reader {
  pos = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  u8(): number {
    return this.buf[this.pos++]!;
  }
  i16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  cstr(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new Error('pgoutput: unterminated string');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  tuple(): TupleData {
    const n = this.i16();
    const out: TupleValue[] = new Array<TupleValue>(n);
    for (let i = 0; i < n; i++) {
      const kind = this.u8();
      switch (kind) {
        case 0x6e: // n
          out[i] = null;
          break;
        case 0x75: // u
          out[i] = UNCHANGED_TOAST;
          break;
        case 0x74: { // t
          const len = this.i32();
          out[i] = this.buf.toString('utf8', this.pos, this.pos + len);
          this.pos += len;
          break;
        }
        default:
          // 'b' (binary) only appears when the binary option is requested, which we never do.
          throw new Error(`pgoutput: unexpected tuple column kind ${String(kind)}`);
      }
    }
    return out;
  }
}

/** Decodes one pgoutput (proto_version 1) message. */
export function decodePgOutput(payload: Buffer): PgOutputMessage {
  const r = new Reader(payload);
  const tag = String.fromCharCode(r.u8());
  switch (tag) {
    case 'B': {
      const finalLsn = r.u64();
      r.u64(); // commit timestamp
      return { kind: 'begin', finalLsn, xid: r.u32() };
    }
    case 'C': {
      r.u8(); // flags
      const commitLsn = r.u64();
      const endLsn = r.u64();
      return { kind: 'commit', commitLsn, endLsn };
    }
    case 'R': {
      const oid = r.u32();
      const schema = r.cstr();
      const name = r.cstr();
      const replicaIdentity = String.fromCharCode(r.u8());
      const n = r.i16();
      const columns: RelationColumn[] = [];
      for (let i = 0; i < n; i++) {
        const flags = r.u8();
        const colName = r.cstr();
        const typeOid = r.u32();
        const typmod = r.i32();
        columns.push({ name: colName, typeOid, typmod, isKey: (flags & 1) === 1 });
      }
      return { kind: 'relation', oid, schema, name, replicaIdentity, columns };
    }
    case 'I': {
      const relOid = r.u32();
      r.u8(); // 'N'
      return { kind: 'insert', relOid, newTuple: r.tuple() };
    }
    case 'U': {
      const relOid = r.u32();
      let kind = String.fromCharCode(r.u8());
      let old: TupleData | undefined;
      let keyOnly = false;
      if (kind === 'K' || kind === 'O') {
        keyOnly = kind === 'K';
        old = r.tuple();
        kind = String.fromCharCode(r.u8());
      }
      if (kind !== 'N') throw new Error(`pgoutput: update without new tuple (saw ${kind})`);
      return { kind: 'update', relOid, old, keyOnly, newTuple: r.tuple() };
    }
    case 'D': {
      const relOid = r.u32();
      const kind = String.fromCharCode(r.u8());
      return { kind: 'delete', relOid, keyOnly: kind === 'K', old: r.tuple() };
    }
    case 'T': {
      const n = r.u32();
      r.u8(); // options: cascade, restart identity
      const relOids: number[] = [];
      for (let i = 0; i < n; i++) relOids.push(r.u32());
      return { kind: 'truncate', relOids };
    }
    default:
      return { kind: 'other', tag };
  }
}
