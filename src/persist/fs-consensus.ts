/**
 * The filesystem Consensus: one write-ahead log for every key, `<dataDir>/consensus/wal.<generation>`.
 * A compare-and-set appends one entry (key, seqNo, fence, data) with O_APPEND and resolves once the
 * log is fdatasynced. Whether an entry took effect is decided by replaying the log in file order,
 * the same way by every reader and every process (`apply`):
 * - a version entry is accepted iff its seqNo is its key's head + 1 (first one wins), and, if it
 *   carries a fence, the fence key's head at that point of the log is the fence's seqNo;
 * - entries after a seal entry are void (the log was rotated into the next generation).
 * So the compare-and-set is linearizable across processes without locks (an O_APPEND write lands
 * whole at the end of the file), and the fence check is exact: a write from a fenced process that
 * lands after the newer epoch is void, whatever the timing.
 *
 * Group commit: every compare-and-set requested while one fdatasync runs goes into the next write, so
 * concurrent writers of different keys (a table's append, idle tables advancing, builtin relations)
 * share one fdatasync, and the next batch accumulates while the current one syncs. One append costs
 * a write and an fdatasync of an existing file: no file creation, link, directory fsync or unlink.
 *
 * Rotation: once the log passes `rotateBytes`, a seal entry is appended and synced, the state as of
 * the seal is written as a checkpoint (base entries, then a checkpoint-end entry) to a temporary file,
 * fdatasynced and published with link(2) as generation g+1 (EEXIST: another process published the
 * same state first), and the directory is fsynced. A writer whose entry landed after a seal never
 * acknowledges it (it sees the seal when it checks what landed before its entry), so no acknowledged
 * write is lost; a process finding a sealed log without a successor (its rotator crashed) rotates it
 * itself — the checkpoint is a deterministic function of the sealed log.
 *
 * Crashes: a write torn by a crash leaves an incomplete entry at the tail; it was never acknowledged
 * and is skipped. Opening a log whose tail is torn seals and rotates it before appending, so garbage
 * never sits before valid entries written later, except when a torn write from one process is
 * followed by another live process's append (then the torn span is recognised because a valid
 * entry starts inside it). An entry that is complete but fails its CRC is corruption: the key it
 * belongs to reports `data corrupted in file <wal>: ...` on every read (XX001).
 *
 * Entry: magic u32 | length u32 | kind u8 | 3 reserved | seqNo f64 | fence seqNo f64 (-1: none) |
 * writer id u32 | counter u32 | key length u16 | fence key length u16 | key | fence key | data | CRC-32.
 */
import { crc32 } from 'node:zlib';
import { closeSync, fdatasync, fstatSync, linkSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dataCorrupted } from '../repr/index.ts';
import { type CasResult, type Consensus, type Fence, type VersionedData, checkNextSeqNo } from './consensus.ts';
import { FsLinkConsensus } from './fs-link-consensus.ts';
import { DirSync, isExists, tempName, unlinkQuietly, unlinkQuietlyAsync } from './fs-util.ts';

const MAGIC = 0x4c5754fe; // bytes FE 'T' 'W' 'L': not ASCII, so never inside a JSON state
const HEADER = 40;
const MAX_ENTRY = 1 << 30;
const WAL_NAME = /^wal\.(\d{10})$/;
/** Rotate the log once it is this long (a checkpoint holds only each key's retained versions). */
const DEFAULT_ROTATE_BYTES = 16 * 1024 * 1024;

const enum_ = { version: 1, truncate: 2, base: 3, checkpointEnd: 4, seal: 5 } as const;
type EntryKind = (typeof enum_)[keyof typeof enum_];

interface Entry {
  readonly kind: EntryKind;
  readonly key: string;
  readonly seqNo: number;
  readonly fence: Fence | undefined;
  readonly writer: number;
  readonly counter: number;
  readonly data: Uint8Array;
}

interface KeyState {
  /** Retained versions, ascending; the last is the head. */
  versions: VersionedData[];
}

interface PendingCas {
  readonly key: string;
  readonly expected: number | undefined;
  readonly next: VersionedData;
  readonly fence: Fence | undefined;
  readonly counter: number;
  readonly resolve: (r: CasResult) => void;
  readonly reject: (e: unknown) => void;
}

export interface FsConsensusOptions {
  readonly rotateBytes?: number;
}

const walName = (gen: number): string => `wal.${String(gen).padStart(10, '0')}`;
const fdatasyncAsync = (fd: number): Promise<void> => new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class FsConsensus implements Consensus {
  readonly name: string;
  readonly dir: string;
  private readonly rotateBytes: number;
  private readonly dirSync: DirSync;
  /** This instance's id in the entries it writes (with `counter`, how it recognises its own entries). */
  private readonly writer = (Math.random() * 0xffffffff) >>> 0;
  private counter = 0;
  private gen = 0;
  private path = '';
  private fd = -1;
  /** Bytes of the current generation replayed into `keys`. */
  private end = 0;
  private sealed = false;
  private keys = new Map<string, KeyState>();
  /** Keys whose log entries are damaged (key → reason); reads of them fail. */
  private corrupt = new Map<string, string>();
  private pending: PendingCas[] = [];
  private truncations: { key: string; upTo: number }[] = [];
  private flushing: Promise<void> | undefined;
  /** Set from an append until its entries are synced and replayed. */
  private writing: Promise<void> | undefined;
  private checkpointed = false;
  private closed = false;

  private constructor(dir: string, options: FsConsensusOptions) {
    this.dir = dir;
    this.name = `fs:${dir}`;
    // The environment knob lets crash tests of a whole server rotate often (seal, checkpoint, publish).
    this.rotateBytes = options.rotateBytes ?? (Number(process.env['TRIBUTARY_CONSENSUS_ROTATE_BYTES']) || DEFAULT_ROTATE_BYTES);
    this.dirSync = new DirSync(dir);
  }

  static async open(dir: string, options: FsConsensusOptions = {}): Promise<FsConsensus> {
    await mkdir(dir, { recursive: true });
    const c = new FsConsensus(dir, options);
    await c.start();
    return c;
  }

  // --- reads -----------------------------------------------------------------------------------

  async head(key: string): Promise<VersionedData | undefined> {
    await this.settled();
    this.checkKey(key);
    return this.keys.get(key)?.versions.at(-1);
  }

  async scan(key: string, from: number, limit = Infinity): Promise<VersionedData[]> {
    await this.settled();
    this.checkKey(key);
    const out: VersionedData[] = [];
    for (const v of this.keys.get(key)?.versions ?? []) {
      if (v.seqNo < from) continue;
      if (out.length >= limit) break;
      out.push(v);
    }
    return out;
  }

  async list(): Promise<string[]> {
    await this.settled();
    return [...new Set([...this.keys.keys(), ...this.corrupt.keys()])];
  }

  // --- writes ----------------------------------------------------------------------------------

  compareAndSet(key: string, expected: number | undefined, next: VersionedData, fence?: Fence): Promise<CasResult> {
    checkNextSeqNo(expected, next);
    if (this.closed) return Promise.reject(new Error(`consensus ${this.name} is closed`));
    return new Promise<CasResult>((resolve, reject) => {
      this.pending.push({ key, expected, next, fence, counter: ++this.counter, resolve, reject });
      this.kick();
    });
  }

  async truncate(key: string, upTo: number): Promise<number> {
    await this.settled();
    this.checkKey(key);
    const state = this.keys.get(key);
    const head = state?.versions.at(-1)?.seqNo;
    if (state === undefined || head === undefined || upTo > head) throw new Error(`internal error: truncate(${key}, ${upTo}) beyond head ${head}`);
    const before = state.versions.length;
    state.versions = state.versions.filter((v) => v.seqNo >= upTo);
    // Logged so a reopen forgets them too; it rides along with the next write (no sync of its own).
    this.truncations.push({ key, upTo });
    return before - state.versions.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing !== undefined) await this.flushing;
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    await this.dirSync.close();
  }

  /**
   * Catches up with the log, but never while this instance's own write is between its write and
   * its sync: a reader must not see (or consume) entries that are not yet durable.
   */
  private async settled(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    await this.catchUp();
  }

  /** Starts a flush unless one runs (it picks up what arrives meanwhile when it ends). */
  private kick(): void {
    if (this.flushing !== undefined) return;
    this.flushing = (async () => {
      try {
        // Let every compare-and-set requested in this turn of the event loop join the write: a
        // table's append and the writes it triggers (other tables advancing, compaction) arrive
        // a few promise hops apart, and each would otherwise wait out a whole fdatasync alone.
        await new Promise<void>((r) => setImmediate(r));
        while (this.pending.length > 0) await this.flushOnce();
      } finally {
        this.flushing = undefined;
      }
    })();
    this.flushing.catch(() => undefined);
  }

  private async flushOnce(): Promise<void> {
    const group = this.pending;
    this.pending = [];
    try {
      await this.catchUp();
      // Decide locally what replay will decide, so a doomed write is not even written.
      const heads = new Map<string, number>();
      const headOf = (k: string): number => heads.get(k) ?? this.keys.get(k)?.versions.at(-1)?.seqNo ?? 0;
      const parts: Buffer[] = [];
      const entries: Entry[] = [];
      const written: PendingCas[] = [];
      const add = (e: Entry): void => {
        entries.push(e);
        parts.push(encodeEntry(e));
      };
      for (const t of this.truncations.splice(0)) add({ kind: enum_.truncate, key: t.key, seqNo: t.upTo, fence: undefined, writer: this.writer, counter: 0, data: EMPTY });
      for (const op of group) {
        if (this.corrupt.has(op.key)) {
          op.reject(this.corruptError(op.key));
          continue;
        }
        if (op.fence !== undefined && headOf(op.fence.key) !== op.fence.seqNo) continue;
        if (headOf(op.key) !== (op.expected ?? 0)) continue;
        heads.set(op.key, op.next.seqNo);
        add({ kind: enum_.version, key: op.key, seqNo: op.next.seqNo, fence: op.fence, writer: this.writer, counter: op.counter, data: op.next.data });
        written.push(op);
      }
      const accepted = new Set<number>();
      if (parts.length > 0) {
        const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        let done!: () => void;
        this.writing = new Promise<void>((r) => (done = r));
        try {
          const before = this.end;
          const n = writeSync(this.fd, bytes);
          if (n !== bytes.length) throw new Error(`short write to ${this.path}: ${n} of ${bytes.length} bytes`);
          if (written.length > 0) await fdatasyncAsync(this.fd);
          if (!this.grewBeyond(before + bytes.length) && this.end === before && !this.sealed) {
            // Nobody else wrote (the file ends where our write would if it came right after
            // `before`): our entries are exactly what follows, in order.
            for (const e of entries) this.apply(e, accepted);
            this.end = before + bytes.length;
          } else {
            await this.catchUp(accepted);
          }
        } finally {
          this.writing = undefined;
          done();
        }
      }
      for (const op of group) {
        if (this.corrupt.has(op.key)) continue;
        if (accepted.has(op.counter)) {
          op.resolve({ ok: true });
          continue;
        }
        if (op.fence !== undefined) {
          const f = this.keys.get(op.fence.key)?.versions.at(-1)?.seqNo ?? 0;
          if (f !== op.fence.seqNo) {
            op.resolve({ ok: false, fencedBy: f });
            continue;
          }
        }
        op.resolve({ ok: false, current: this.keys.get(op.key)?.versions.at(-1) });
      }
      if (this.end >= this.rotateBytes && this.corrupt.size === 0) await this.exclusive(() => this.rotate());
    } catch (err) {
      // Indeterminate: the entries may or may not be in the log; the next catch-up replays them if so.
      for (const op of group) op.reject(err);
    }
  }

  // --- the log ---------------------------------------------------------------------------------

  private async start(): Promise<void> {
    const gens = this.generations();
    if (gens.length === 0) {
      await this.publish(1, await legacyVersions(this.dir));
      return this.start();
    }
    await this.load(gens.at(-1)!);
    if (this.sealed || (await this.tornTail())) await this.rotate();
    // Generations a crash kept from being deleted after their successor was published.
    for (const g of this.generations()) if (g < this.gen) void unlinkQuietlyAsync(join(this.dir, walName(g))).catch(() => undefined);
  }

  /** Runs `f` with readers held off, like a write (rotation replaces the whole in-memory state). */
  private async exclusive(f: () => Promise<void>): Promise<void> {
    let done!: () => void;
    this.writing = new Promise<void>((r) => (done = r));
    try {
      await f();
    } finally {
      this.writing = undefined;
      done();
    }
  }

  private generations(): number[] {
    const out: number[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = WAL_NAME.exec(name);
      if (m) out.push(Number(m[1]));
    }
    return out.sort((a, b) => a - b);
  }

  /** Opens generation `gen` and replays it from the start. */
  private async load(gen: number): Promise<void> {
    if (this.fd >= 0) closeSync(this.fd);
    this.gen = gen;
    this.path = join(this.dir, walName(gen));
    this.fd = openSync(this.path, 'a+');
    this.end = 0;
    this.sealed = false;
    this.checkpointed = false;
    this.keys = new Map();
    this.corrupt = new Map();
    await this.catchUp();
    if (!this.checkpointed) throw dataCorrupted(`file ${this.path}`, 'the log does not start with a complete checkpoint');
  }

  /**
   * Replays whatever was appended since `end` (by anyone). A sealed log moves on to the next
   * generation (waiting briefly for its publisher, or publishing it). `mine` collects the counters of
   * this instance's entries that were accepted.
   */
  private async catchUp(mine?: Set<number>): Promise<void> {
    for (;;) {
      const size = this.grewBeyond(this.end) ? fstatSync(this.fd).size : this.end;
      if (size > this.end) {
        const buf = Buffer.allocUnsafe(size - this.end);
        let off = 0;
        while (off < buf.length) {
          const n = readSync(this.fd, buf, off, buf.length - off, this.end + off);
          if (n === 0) break;
          off += n;
        }
        this.replay(buf.subarray(0, off), this.end, true, mine);
      }
      if (!this.sealed) return;
      await this.followSeal();
    }
  }

  /** The log is sealed: load its successor, publishing it if its rotator died. */
  private async followSeal(): Promise<void> {
    for (let waited = 0; ; waited += 5) {
      const next = this.generations().filter((g) => g > this.gen);
      if (next.length > 0) {
        await this.load(next.at(-1)!);
        return;
      }
      if (waited >= 1000) {
        await this.publish(this.gen + 1, this.retained());
        continue;
      }
      await sleep(5);
    }
  }

  /**
   * Applies the entries in `buf` (file offset `at`). Stops before an incomplete entry at the end
   * (a write in progress or torn by a crash); `end` then stays before it.
   */
  private replay(buf: Buffer, at: number, copy: boolean, mine?: Set<number>): void {
    let p = 0;
    while (p < buf.length && !this.sealed) {
      const r = parseEntry(buf, p, copy);
      if (r === 'incomplete') break;
      if (r === 'invalid') {
        const q = nextValid(buf, p + 1);
        const claimed = buf.length - p >= 8 && buf.readUInt32LE(p) === MAGIC ? buf.readUInt32LE(p + 4) : undefined;
        const complete = claimed !== undefined && claimed >= HEADER + 4 && p + claimed <= (q ?? buf.length);
        if (complete) {
          // A whole entry whose checksum fails: damage, not a torn write.
          const key = keyOf(buf, p);
          const reason = `log entry at byte ${at + p}${key === undefined ? '' : ` for key ${key}`} fails its checksum`;
          if (key === undefined) this.corrupt.set('', reason);
          else this.corrupt.set(key, reason);
          p += claimed;
          continue;
        }
        if (q === undefined) break; // a torn tail: never acknowledged
        p = q; // a torn write followed by someone else's append
        continue;
      }
      this.apply(r.entry, mine);
      p = r.next;
    }
    this.end = at + p;
  }

  private apply(e: Entry, mine?: Set<number>): void {
    switch (e.kind) {
      case enum_.version: {
        const state = this.keys.get(e.key);
        const head = state?.versions.at(-1)?.seqNo ?? 0;
        if (e.seqNo !== head + 1) return;
        if (e.fence !== undefined && (this.keys.get(e.fence.key)?.versions.at(-1)?.seqNo ?? 0) !== e.fence.seqNo) return;
        if (state === undefined) this.keys.set(e.key, { versions: [{ seqNo: e.seqNo, data: e.data }] });
        else state.versions.push({ seqNo: e.seqNo, data: e.data });
        if (e.writer === this.writer) mine?.add(e.counter);
        return;
      }
      case enum_.truncate: {
        const state = this.keys.get(e.key);
        if (state !== undefined && state.versions.length > 1) {
          const head = state.versions.at(-1)!;
          state.versions = state.versions.filter((v) => v.seqNo >= e.seqNo || v === head);
        }
        return;
      }
      case enum_.base: {
        const state = this.keys.get(e.key);
        if (state === undefined) this.keys.set(e.key, { versions: [{ seqNo: e.seqNo, data: e.data }] });
        else state.versions.push({ seqNo: e.seqNo, data: e.data });
        return;
      }
      case enum_.checkpointEnd:
        this.checkpointed = true;
        return;
      case enum_.seal:
        this.sealed = true;
        return;
    }
  }

  /** Whether the log holds a byte at `offset`: a one-byte read is much cheaper than fstat (no Stats object). */
  private grewBeyond(offset: number): boolean {
    return readSync(this.fd, this.probe, 0, 1, offset) > 0;
  }

  private readonly probe = Buffer.alloc(1);

  /** After a crash, an incomplete last entry that does not complete within a moment is torn. */
  private async tornTail(): Promise<boolean> {
    if (fstatSync(this.fd).size === this.end) return false;
    await sleep(50);
    await this.catchUp();
    return fstatSync(this.fd).size !== this.end;
  }

  private retained(): Map<string, VersionedData[]> {
    return new Map([...this.keys].map(([k, s]) => [k, s.versions]));
  }

  /**
   * Seals this generation and publishes the next one holding the state as of the seal. Entries
   * others append after the seal are void; they find the seal and retry on the new generation.
   */
  private async rotate(): Promise<void> {
    const seal = encodeEntry({ kind: enum_.seal, key: '', seqNo: 0, fence: undefined, writer: this.writer, counter: 0, data: EMPTY });
    writeSync(this.fd, seal);
    await fdatasyncAsync(this.fd);
    const gen = this.gen;
    // Replays up to the seal (anyone's); the catch-up then follows it to the successor.
    const size = fstatSync(this.fd).size;
    const buf = Buffer.allocUnsafe(size - this.end);
    readSync(this.fd, buf, 0, buf.length, this.end);
    this.replay(buf, this.end, true);
    if (!this.sealed) throw new Error(`internal error: sealed ${this.path} but replay did not reach the seal`);
    if (this.corrupt.size === 0) await this.publish(gen + 1, this.retained());
    await this.catchUp();
    void unlinkQuietlyAsync(join(this.dir, walName(gen))).catch(() => undefined);
  }

  /** Writes generation `gen` as a checkpoint of `versions` (EEXIST: someone published it first), then loads it. */
  private async publish(gen: number, versions: Map<string, VersionedData[]>): Promise<void> {
    // A checkpoint would silently drop what it cannot read: refuse instead.
    const damaged = [...this.corrupt.keys()][0];
    if (damaged !== undefined) throw this.corruptError(damaged);
    const parts: Uint8Array[] = [];
    for (const [key, vs] of versions) {
      for (const v of vs) parts.push(encodeEntry({ kind: enum_.base, key, seqNo: v.seqNo, fence: undefined, writer: this.writer, counter: 0, data: v.data }));
    }
    parts.push(encodeEntry({ kind: enum_.checkpointEnd, key: '', seqNo: 0, fence: undefined, writer: this.writer, counter: 0, data: EMPTY }));
    const tmp = join(this.dir, tempName());
    const fd = openSync(tmp, 'wx');
    try {
      const bytes = Buffer.concat(parts);
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      await fdatasyncAsync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, join(this.dir, walName(gen)));
    } catch (err) {
      if (!isExists(err)) throw err;
    } finally {
      unlinkQuietly(tmp);
    }
    await this.dirSync.sync();
    await this.load(gen);
  }

  private checkKey(key: string): void {
    if (this.corrupt.has(key) || this.corrupt.has('')) throw this.corruptError(key);
  }

  private corruptError(key: string): Error {
    return dataCorrupted(`file ${this.path}`, this.corrupt.get(key) ?? this.corrupt.get('') ?? `key ${key}`);
  }
}

const EMPTY = new Uint8Array(0);

function encodeEntry(e: Entry): Buffer {
  const key = Buffer.from(e.key, 'utf8');
  const fenceKey = Buffer.from(e.fence?.key ?? '', 'utf8');
  const len = HEADER + key.length + fenceKey.length + e.data.length + 4;
  const out = Buffer.allocUnsafe(len);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(len, 4);
  out.writeUInt8(e.kind, 8);
  out.fill(0, 9, 12);
  out.writeDoubleLE(e.seqNo, 12);
  out.writeDoubleLE(e.fence?.seqNo ?? -1, 20);
  out.writeUInt32LE(e.writer, 28);
  out.writeUInt32LE(e.counter, 32);
  out.writeUInt16LE(key.length, 36);
  out.writeUInt16LE(fenceKey.length, 38);
  let p = HEADER;
  p += key.copy(out, p);
  p += fenceKey.copy(out, p);
  out.set(e.data, p);
  p += e.data.length;
  out.writeUInt32LE(crc32(out.subarray(0, p)), p);
  return out;
}

function parseEntry(buf: Buffer, p: number, copy: boolean): { entry: Entry; next: number } | 'incomplete' | 'invalid' {
  if (buf.length - p < 8) return buf.length - p >= 4 && buf.readUInt32LE(p) !== MAGIC ? 'invalid' : 'incomplete';
  if (buf.readUInt32LE(p) !== MAGIC) return 'invalid';
  const len = buf.readUInt32LE(p + 4);
  if (len < HEADER + 4 || len > MAX_ENTRY) return 'invalid';
  if (p + len > buf.length) return 'incomplete';
  if (buf.readUInt32LE(p + len - 4) !== crc32(buf.subarray(p, p + len - 4))) return 'invalid';
  const kind = buf.readUInt8(p + 8);
  const keyLen = buf.readUInt16LE(p + 36);
  const fenceLen = buf.readUInt16LE(p + 38);
  if (kind < 1 || kind > 5 || HEADER + keyLen + fenceLen + 4 > len) return 'invalid';
  const key = buf.toString('utf8', p + HEADER, p + HEADER + keyLen);
  const fenceSeq = buf.readDoubleLE(p + 20);
  const fenceKey = buf.toString('utf8', p + HEADER + keyLen, p + HEADER + keyLen + fenceLen);
  const dataAt = p + HEADER + keyLen + fenceLen;
  const view = buf.subarray(dataAt, p + len - 4);
  return {
    entry: {
      kind: kind as EntryKind,
      key,
      seqNo: buf.readDoubleLE(p + 12),
      fence: fenceSeq < 0 ? undefined : { key: fenceKey, seqNo: fenceSeq },
      writer: buf.readUInt32LE(p + 28),
      counter: buf.readUInt32LE(p + 32),
      // Copied, so a retained version does not pin the whole buffer it was read in.
      data: copy ? Uint8Array.prototype.slice.call(view) : view,
    },
    next: p + len,
  };
}

/** The next offset at or after `from` where a whole valid entry starts. */
function nextValid(buf: Buffer, from: number): number | undefined {
  const magic = Buffer.from([0xfe, 0x54, 0x57, 0x4c]);
  for (let q = buf.indexOf(magic, from); q >= 0; q = buf.indexOf(magic, q + 1)) {
    const r = parseEntry(buf, q, false);
    if (r !== 'invalid' && r !== 'incomplete') return q;
  }
  return undefined;
}

function keyOf(buf: Buffer, p: number): string | undefined {
  if (buf.length - p < HEADER) return undefined;
  const keyLen = buf.readUInt16LE(p + 36);
  if (p + HEADER + keyLen > buf.length) return undefined;
  return buf.toString('utf8', p + HEADER, p + HEADER + keyLen);
}

/** Versions kept by the earlier one-file-per-version layout, if the directory holds one (migration). */
async function legacyVersions(dir: string): Promise<Map<string, VersionedData[]>> {
  const out = new Map<string, VersionedData[]>();
  const any = (await readdir(dir, { withFileTypes: true })).some((d) => d.isDirectory() && !d.name.startsWith('.'));
  if (!any) return out;
  const legacy = await FsLinkConsensus.open(dir);
  try {
    for (const key of await legacy.list()) out.set(key, await legacy.scan(key, 0));
  } finally {
    await legacy.close();
  }
  return out;
}

/** Where each entry of a log file lies (tests damage one key's newest entry with it). */
export function logEntries(buf: Buffer): { key: string; kind: number; start: number; end: number }[] {
  const out: { key: string; kind: number; start: number; end: number }[] = [];
  for (let p = 0; p < buf.length;) {
    const r = parseEntry(buf, p, false);
    if (r === 'incomplete' || r === 'invalid') break;
    out.push({ key: r.entry.key, kind: r.entry.kind, start: p, end: r.next });
    p = r.next;
  }
  return out;
}

/** The newest log generation in a consensus directory (tests and tools). */
export function currentLogPath(dir: string): string | undefined {
  const names = readdirSync(dir).filter((n) => WAL_NAME.test(n)).sort();
  const last = names.at(-1);
  return last === undefined ? undefined : join(dir, last);
}
