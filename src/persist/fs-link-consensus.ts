/**
 * The earlier filesystem Consensus layout, kept to migrate data directories written before the
 * write-ahead log (fs-consensus.ts): `<dataDir>/consensus/<key>/<seqNo, 16 digits>`, one small file per
 * version. compareAndSet writes the new version to a temporary file, fdatasyncs it and publishes it
 * with link(2), which fails atomically if that seqNo already exists — a compare-and-set that holds
 * across processes without locks. The directory is fsynced before success is reported.
 *
 * Stale-expectation guard: link alone cannot tell "expected+1 is free because expected is the head"
 * from "expected+1 was truncated long ago". Truncation deletes oldest-first and always keeps the
 * newest KEEP versions, so after publishing we check that `expected` still exists and that no
 * version >= ours + KEEP does; otherwise ours was a stale write below the head, so we unlink it and
 * report failure. Readers take the largest seqNo as the head, so the stray file was never visible as one.
 *
 * Version file: magic 'TRCV' u32, format u8, 3 reserved, seqNo f64, length u32, data, CRC-32.
 */
import { crc32 } from 'node:zlib';
import { linkSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dataCorrupted } from '../repr/index.ts';
import { type CasResult, type Consensus, type Fence, type VersionedData, checkNextSeqNo } from './consensus.ts';
import { DirSync, escapeKey, isExists, isNotFound, mkdirDurable, tempName, unescapeKey, unlinkQuietly, unlinkQuietlyAsync, writeSynced } from './fs-util.ts';

const MAGIC = 0x56435254; // 'TRCV' as u32 LE
const FORMAT = 1;
const HEADER = 20;
/** Versions truncate never removes (see the stale-expectation guard above). */
export const FS_CONSENSUS_KEEP = 4;
const SEQ_NAME = /^\d{16}$/;

export class FsLinkConsensus implements Consensus {
  readonly name: string;
  readonly dir: string;
  private readonly rootSync: DirSync;
  private readonly keySyncs = new Map<string, DirSync>();

  private constructor(dir: string) {
    this.dir = dir;
    this.name = `fs-link:${dir}`;
    this.rootSync = new DirSync(dir);
  }

  static async open(dir: string): Promise<FsLinkConsensus> {
    await mkdir(dir, { recursive: true });
    const c = new FsLinkConsensus(dir);
    await c.rootSync.sync();
    return c;
  }

  keyDir(key: string): string {
    return join(this.dir, escapeKey(key));
  }

  versionPath(key: string, seqNo: number): string {
    return join(this.keyDir(key), String(seqNo).padStart(16, '0'));
  }

  private keySync(key: string): DirSync {
    let s = this.keySyncs.get(key);
    if (s === undefined) {
      s = new DirSync(this.keyDir(key));
      this.keySyncs.set(key, s);
    }
    return s;
  }

  /** Version numbers present for `key`, ascending. */
  private seqNos(key: string): number[] {
    let names: string[];
    try {
      names = readdirSync(this.keyDir(key));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    return names.filter((n) => SEQ_NAME.test(n)).map(Number).sort((a, b) => a - b);
  }

  private async readVersion(key: string, seqNo: number): Promise<VersionedData | undefined> {
    const path = this.versionPath(key, seqNo);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return { seqNo, data: decodeVersion(bytes, seqNo, `file ${path}`) };
  }

  async head(key: string): Promise<VersionedData | undefined> {
    for (;;) {
      const seqs = this.seqNos(key);
      const last = seqs[seqs.length - 1];
      if (last === undefined) return undefined;
      const v = await this.readVersion(key, last);
      if (v !== undefined) return v;
      // Truncated between readdir and read: only possible if newer versions exist; look again.
    }
  }

  async compareAndSet(key: string, expected: number | undefined, next: VersionedData, fence?: Fence): Promise<CasResult> {
    checkNextSeqNo(expected, next);
    const dir = this.keyDir(key);
    if (expected === undefined) await mkdirDurable(dir, this.rootSync);
    const tmp = join(dir, tempName());
    const final = this.versionPath(key, next.seqNo);
    try {
      await writeSynced(tmp, encodeVersion(next));
    } catch (err) {
      unlinkQuietly(tmp);
      if (isNotFound(err)) return { ok: false, current: await this.head(key) };
      throw err;
    }
    try {
      // The fence check and the link are synchronous calls with no await between them: atomic
      // against every other client in this process, and a window of microseconds across processes.
      if (fence !== undefined) {
        const fenceHead = this.seqNos(fence.key).at(-1) ?? 0;
        if (fenceHead !== fence.seqNo) return { ok: false, fencedBy: fenceHead };
      }
      linkSync(tmp, final);
    } catch (err) {
      if (isExists(err)) return { ok: false, current: await this.head(key) };
      throw err;
    } finally {
      // The temp name is unique to this call: removing it can happen off the event loop.
      void unlinkQuietlyAsync(tmp).catch(() => undefined);
    }
    const seqs = this.seqNos(key);
    const stale = (expected !== undefined && !seqs.includes(expected)) || seqs.some((s) => s >= next.seqNo + FS_CONSENSUS_KEEP);
    if (stale) {
      unlinkQuietly(final);
      return { ok: false, current: await this.head(key) };
    }
    await this.keySync(key).sync();
    return { ok: true };
  }

  async scan(key: string, from: number, limit = Infinity): Promise<VersionedData[]> {
    const out: VersionedData[] = [];
    for (const s of this.seqNos(key)) {
      if (s < from) continue;
      if (out.length >= limit) break;
      const v = await this.readVersion(key, s);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  async truncate(key: string, upTo: number): Promise<number> {
    const seqs = this.seqNos(key);
    const head = seqs[seqs.length - 1];
    if (head === undefined || upTo > head) throw new Error(`internal error: truncate(${key}, ${upTo}) beyond head ${head}`);
    const limit = Math.min(upTo, head - FS_CONSENSUS_KEEP + 1);
    let removed = 0;
    // Oldest first: the stale-expectation guard relies on it.
    for (const s of seqs) {
      if (s >= limit) break;
      await unlinkQuietlyAsync(this.versionPath(key, s));
      removed++;
    }
    return removed;
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith('.')) continue;
      const key = unescapeKey(name);
      if ((this.seqNos(key)).length > 0) out.push(key);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.rootSync.close();
    for (const s of this.keySyncs.values()) await s.close();
    this.keySyncs.clear();
  }
}

function encodeVersion(v: VersionedData): Uint8Array {
  const out = Buffer.allocUnsafe(HEADER + v.data.length + 4);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt8(FORMAT, 4);
  out.fill(0, 5, 8);
  out.writeDoubleLE(v.seqNo, 8);
  out.writeUInt32LE(v.data.length, 16);
  out.set(v.data, HEADER);
  out.writeUInt32LE(crc32(out.subarray(0, HEADER + v.data.length)), HEADER + v.data.length);
  return out;
}

function decodeVersion(bytes: Buffer, seqNo: number, source: string): Uint8Array {
  if (bytes.length < HEADER + 4) throw dataCorrupted(source, `${bytes.length} bytes is too short for a consensus version`);
  if (bytes.readUInt32LE(0) !== MAGIC) throw dataCorrupted(source, 'bad magic number (not a consensus version)');
  if (bytes[4] !== FORMAT) throw dataCorrupted(source, `unsupported format version ${bytes[4]}`);
  const len = bytes.readUInt32LE(16);
  if (HEADER + len + 4 !== bytes.length) throw dataCorrupted(source, `length ${len} does not match file size ${bytes.length}`);
  const stored = bytes.readUInt32LE(HEADER + len);
  const actual = crc32(bytes.subarray(0, HEADER + len));
  if (stored !== actual) throw dataCorrupted(source, `checksum mismatch (stored ${stored}, computed ${actual})`);
  if (bytes.readDoubleLE(8) !== seqNo) throw dataCorrupted(source, `holds seqNo ${bytes.readDoubleLE(8)}, not ${seqNo}`);
  return bytes.subarray(HEADER, HEADER + len);
}
