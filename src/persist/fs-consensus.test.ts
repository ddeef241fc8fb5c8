/**
 * The write-ahead-log Consensus beyond the conformance suite: group commit, rotation, several
 * instances (processes) appending to one log, torn tails after a crash, damage, and migration from
 * the one-file-per-version layout.
 */
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlError } from '../util/index.ts';
import { FsConsensus, currentLogPath, logEntries } from './fs-consensus.ts';
import { FsLinkConsensus } from './fs-link-consensus.ts';

const d = (s: string): Uint8Array => Buffer.from(s);
const text = (v: { data: Uint8Array } | undefined): string | undefined => (v === undefined ? undefined : Buffer.from(v.data).toString());

describe('FsConsensus (write-ahead log)', () => {
  const dirs: string[] = [];
  const opened: FsConsensus[] = [];
  afterEach(async () => {
    for (const c of opened.splice(0)) await c.close().catch(() => undefined);
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const newDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-wal-'));
    dirs.push(dir);
    return dir;
  };
  const open = async (dir: string, rotateBytes?: number): Promise<FsConsensus> => {
    const c = await FsConsensus.open(dir, rotateBytes === undefined ? {} : { rotateBytes });
    opened.push(c);
    return c;
  };

  it('concurrent compare-and-sets of different keys share one write, and each is decided like a register', async () => {
    const c = await open(await newDir());
    const results = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => c.compareAndSet(`k${i}`, undefined, { seqNo: 1, data: d(`v${i}`) })),
      c.compareAndSet('k0', undefined, { seqNo: 1, data: d('loser') }),
    ]);
    expect(results.slice(0, 20).every((r) => r.ok)).toBe(true);
    expect(results[20]).toEqual({ ok: false, current: { seqNo: 1, data: expect.anything() } });
    expect(text(await c.head('k0'))).toBe('v0');
    const log = readFileSync(currentLogPath(c.dir)!);
    expect(logEntries(log).filter((e) => e.key === 'k0')).toHaveLength(1);
  });

  it('rotates into a checkpointed generation and keeps every head and retained version', async () => {
    const dir = await newDir();
    const c = await open(dir, 4096);
    for (let i = 1; i <= 200; i++) {
      expect((await c.compareAndSet('a', i - 1 === 0 ? undefined : i - 1, { seqNo: i, data: d(`a${i}-${'x'.repeat(100)}`) })).ok).toBe(true);
      if (i % 10 === 0) await c.truncate('a', i - 2);
    }
    const gens = readdirSync(dir).filter((n) => n.startsWith('wal.'));
    expect(gens).toHaveLength(1);
    expect(Number(gens[0]!.slice(4))).toBeGreaterThan(5);
    expect(text(await c.head('a'))).toMatch(/^a200-/);
    const reopened = await open(dir);
    expect(text(await reopened.head('a'))).toMatch(/^a200-/);
    // The last truncation rides along with the next write (there was none), the one before is logged.
    const kept = (await reopened.scan('a', 0)).map((v) => v.seqNo);
    expect(kept.at(-1)).toBe(200);
    expect(Math.min(...kept)).toBe(188);
  });

  it('two instances on one log: first writer of a seqNo wins, each sees the other, fences are exact', async () => {
    const dir = await newDir();
    const a = await open(dir);
    const b = await open(dir);
    expect((await a.compareAndSet('epoch', undefined, { seqNo: 1, data: d('a') })).ok).toBe(true);
    expect((await b.compareAndSet('epoch', undefined, { seqNo: 1, data: d('b') })).ok).toBe(false);
    expect((await b.compareAndSet('epoch', 1, { seqNo: 2, data: d('b') })).ok).toBe(true);
    // `a` has not read the log since: its fenced write is decided by the log, not by its memory.
    expect(await a.compareAndSet('s', undefined, { seqNo: 1, data: d('stale') }, { key: 'epoch', seqNo: 1 })).toEqual({ ok: false, fencedBy: 2 });
    expect(await b.compareAndSet('s', undefined, { seqNo: 1, data: d('new') }, { key: 'epoch', seqNo: 2 })).toEqual({ ok: true });
    expect(text(await a.head('s'))).toBe('new');
    // Racing writers of one seqNo: exactly one wins, and both agree which.
    const [ra, rb] = await Promise.all([a.compareAndSet('r', undefined, { seqNo: 1, data: d('A') }), b.compareAndSet('r', undefined, { seqNo: 1, data: d('B') })]);
    expect([ra.ok, rb.ok].filter(Boolean)).toHaveLength(1);
    expect(text(await a.head('r'))).toBe(text(await b.head('r')));
  });

  it('a writer on a generation another instance sealed retries on the new one', async () => {
    const dir = await newDir();
    const a = await open(dir, 2048);
    const b = await open(dir, 1 << 30);
    expect((await b.compareAndSet('k', undefined, { seqNo: 1, data: d('b1') })).ok).toBe(true);
    // `a` writes until it rotates; `b` still holds the old generation open.
    for (let i = 1; i <= 40; i++) expect((await a.compareAndSet('big', i === 1 ? undefined : i - 1, { seqNo: i, data: d('y'.repeat(200)) })).ok).toBe(true);
    expect(text(await b.head('big'))).toBe('y'.repeat(200));
    expect((await b.compareAndSet('k', 1, { seqNo: 2, data: d('b2') })).ok).toBe(true);
    expect(text(await a.head('k'))).toBe('b2');
    expect((await b.head('big'))?.seqNo).toBe(40);
  });

  it('a torn tail (a crash mid-write) is skipped, sealed away, and later writes follow it', async () => {
    const dir = await newDir();
    const c = await open(dir);
    expect((await c.compareAndSet('k', undefined, { seqNo: 1, data: d('acked') })).ok).toBe(true);
    await c.close();
    const path = currentLogPath(dir)!;
    const log = readFileSync(path);
    const last = logEntries(log).at(-1)!;
    // What a crash during the next append leaves: the start of an entry.
    appendFileSync(path, log.subarray(last.start, last.start + 30));
    const r = await open(dir);
    expect(text(await r.head('k'))).toBe('acked');
    expect((await r.compareAndSet('k', 1, { seqNo: 2, data: d('after') })).ok).toBe(true);
    expect(text(await (await open(dir)).head('k'))).toBe('after');
  });

  it('a damaged entry is reported for its key, naming the log file', async () => {
    const dir = await newDir();
    const c = await open(dir);
    await c.compareAndSet('good', undefined, { seqNo: 1, data: d('fine') });
    await c.compareAndSet('bad', undefined, { seqNo: 1, data: d('will be damaged') });
    await c.close();
    const path = currentLogPath(dir)!;
    const log = readFileSync(path);
    const e = logEntries(log).filter((x) => x.key === 'bad').at(-1)!;
    log[e.end - 8]! ^= 0x40;
    writeFileSync(path, log);
    const r = await open(dir);
    expect(text(await r.head('good'))).toBe('fine');
    const err = await r.head('bad').then(() => undefined, (x: unknown) => x);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).code).toBe('XX001');
    expect((err as SqlError).message).toContain(path);
    expect((err as SqlError).message).toContain('bad');
  });

  it('migrates a directory in the one-file-per-version layout', async () => {
    const dir = await newDir();
    const legacy = await FsLinkConsensus.open(dir);
    await legacy.compareAndSet('shard/x', undefined, { seqNo: 1, data: d('x1') });
    await legacy.compareAndSet('shard/x', 1, { seqNo: 2, data: d('x2') });
    await legacy.compareAndSet('epoch', undefined, { seqNo: 1, data: d('e1') });
    await legacy.close();
    const c = await open(dir);
    expect(text(await c.head('shard/x'))).toBe('x2');
    expect((await c.head('epoch'))?.seqNo).toBe(1);
    expect((await c.list()).sort()).toEqual(['epoch', 'shard/x']);
    expect((await c.compareAndSet('shard/x', 2, { seqNo: 3, data: d('x3') })).ok).toBe(true);
  });
});
