/**
 * The persist conformance suite: one set of tests every backend pair (Blob + Consensus) must pass.
 * `persistConformance(harness)` registers vitest tests; conformance.test.ts runs it against the
 * memory and filesystem backends, and future backends (Postgres consensus, S3 blob) add a harness.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Frontier, type Row, type Timestamp, type Update, rowKey } from '../repr/index.ts';
import { SqlError } from '../util/index.ts';
import type { PersistClient, Shard, ShardBatch } from './api.ts';
import type { PersistBackends, PersistConfig } from './client.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { currentLogPath, logEntries } from './fs-consensus.ts';
import { openPersistWith } from './index.ts';
import type { ShardImpl } from './shard.ts';

/** One store (a data directory, a bucket + database) that several clients can open in turn. */
export interface StoreEnv {
  /** Backends for a new client (a new process, as far as persist can tell). */
  backends(): Promise<PersistBackends>;
  /** Rewrites the stored bytes of a blob, to simulate corruption. */
  corruptBlob(key: string, mutate: (bytes: Uint8Array) => Uint8Array): Promise<void>;
  /** Rewrites the head version of a consensus key, if the backend can (fs: the file). */
  corruptConsensusHead?(key: string, mutate: (bytes: Uint8Array) => Uint8Array): Promise<void>;
  /** How errors name the blob (must appear in corruption errors). */
  describeBlob(key: string): string;
  cleanup(): Promise<void>;
}

export interface PersistHarness {
  readonly name: string;
  create(): Promise<StoreEnv>;
  /** Property-test runs (fewer for backends where each write costs an fsync). */
  readonly propertyRuns: number;
  /** Appends in the bounded-storage test (fewer where each costs an fsync). */
  readonly foreverAppends: number;
}

const t = (n: number): Timestamp => n as Timestamp;

/** Canonical form of contents for comparison: sorted [rowKey, diff] pairs. */
function canon(updates: readonly Update[]): [string, number][] {
  return updates.map((u) => [rowKey(u[0]), u[2]] as [string, number]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
}

/** Reference semantics: contents at `asOf` of a raw update history. */
function referenceAt(history: readonly Update[], asOf: number): [string, number][] {
  const sums = new Map<string, [Row, number]>();
  for (const [row, time, diff] of history) {
    if (time > asOf) continue;
    const k = rowKey(row);
    const e = sums.get(k);
    if (e) e[1] += diff;
    else sums.set(k, [row, diff]);
  }
  return canon([...sums.values()].filter(([, d]) => d !== 0).map(([row, d]) => [row, t(asOf), d] as const));
}

/** Checks snapshotAndHistory(asOf): the snapshot, plus history up to t, is the contents at every t in [asOf, upper). */
async function expectSnapshotAndHistory(s: Shard, asOf: number, upper: number, reference: readonly Update[]): Promise<void> {
  const r = await s.snapshotAndHistory(t(asOf));
  expect(r.upper).toBe(upper);
  expect(canon(r.snapshot)).toEqual(referenceAt(reference, asOf));
  expect(r.history.every((u) => u[1] > asOf && u[1] < upper)).toBe(true);
  for (let at = asOf; at < upper; at++) {
    expect(referenceAt([...r.snapshot, ...r.history], at)).toEqual(referenceAt(reference, at));
  }
}

function compareUpper(f: Frontier): number {
  return f === 'closed' ? Infinity : f;
}

async function quiesce(shard: Shard): Promise<void> {
  await (shard as ShardImpl).quiesce();
}

async function expectSqlError(p: Promise<unknown>, code: string | undefined, message: RegExp): Promise<SqlError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SqlError);
    if (code !== undefined) expect((err as SqlError).code).toBe(code);
    expect((err as SqlError).message).toMatch(message);
    return err as SqlError;
  }
  throw new Error(`expected a SqlError matching ${message}`);
}

export function persistConformance(h: PersistHarness): void {
  describe(`persist conformance: ${h.name}`, () => {
    const envs: StoreEnv[] = [];
    const clients: PersistClient[] = [];
    afterEach(async () => {
      for (const c of clients.splice(0)) await c.close().catch(() => undefined);
      for (const e of envs.splice(0)) await e.cleanup();
    });
    const newEnv = async (): Promise<StoreEnv> => {
      const e = await h.create();
      envs.push(e);
      return e;
    };
    const newClient = async (env: StoreEnv, config: PersistConfig = {}): Promise<PersistClient> => {
      const c = await openPersistWith(await env.backends(), config);
      clients.push(c);
      return c;
    };

    it('blob: set/get/delete/list', async () => {
      const { blob } = await (await newEnv()).backends();
      expect(await blob.get('a/1')).toBeUndefined();
      await blob.set('a/1', new Uint8Array([1, 2, 3]));
      await blob.set('a/2', new Uint8Array([]));
      await blob.set('b/%odd key é', new Uint8Array([9]));
      expect(await blob.get('a/1')).toEqual(new Uint8Array([1, 2, 3]));
      expect(await blob.get('a/2')).toEqual(new Uint8Array([]));
      expect((await blob.list('a/')).sort()).toEqual(['a/1', 'a/2']);
      expect(await blob.list('b/')).toEqual(['b/%odd key é']);
      await blob.delete('a/1');
      await blob.delete('a/1');
      expect(await blob.get('a/1')).toBeUndefined();
      expect(await blob.list('a/')).toEqual(['a/2']);
      await blob.close();
    });

    it('consensus: compare-and-set, scan, truncate', async () => {
      const { consensus } = await (await newEnv()).backends();
      const d = (s: string): Uint8Array => Buffer.from(s);
      expect(await consensus.head('k')).toBeUndefined();
      expect(await consensus.compareAndSet('k', undefined, { seqNo: 1, data: d('one') })).toEqual({ ok: true });
      const lost = await consensus.compareAndSet('k', undefined, { seqNo: 1, data: d('uno') });
      expect(lost.ok).toBe(false);
      expect(!lost.ok && 'current' in lost && lost.current?.seqNo).toBe(1);
      for (let i = 2; i <= 10; i++) expect((await consensus.compareAndSet('k', i - 1, { seqNo: i, data: d(`v${i}`) })).ok).toBe(true);
      // A stale expectation fails even far behind the head.
      expect((await consensus.compareAndSet('k', 3, { seqNo: 4, data: d('stale') })).ok).toBe(false);
      const head = await consensus.head('k');
      expect(head?.seqNo).toBe(10);
      expect(Buffer.from(head!.data).toString()).toBe('v10');
      expect((await consensus.scan('k', 8)).map((v) => v.seqNo)).toEqual([8, 9, 10]);
      await consensus.truncate('k', 9);
      const left = (await consensus.scan('k', 0)).map((v) => v.seqNo);
      expect(left).toContain(10);
      expect(left).not.toContain(1);
      // Stale writes whose seqNo was truncated away must still fail.
      expect((await consensus.compareAndSet('k', 1, { seqNo: 2, data: d('ghost') })).ok).toBe(false);
      expect((await consensus.head('k'))?.seqNo).toBe(10);
      expect(await consensus.list()).toContain('k');
      // Fences: the write happens only while the fence key's head is the given seqNo.
      expect((await consensus.compareAndSet('fence', undefined, { seqNo: 1, data: d('e1') })).ok).toBe(true);
      expect(await consensus.compareAndSet('g', undefined, { seqNo: 1, data: d('g1') }, { key: 'fence', seqNo: 1 })).toEqual({ ok: true });
      expect((await consensus.compareAndSet('fence', 1, { seqNo: 2, data: d('e2') })).ok).toBe(true);
      expect(await consensus.compareAndSet('g', 1, { seqNo: 2, data: d('g2') }, { key: 'fence', seqNo: 1 })).toEqual({ ok: false, fencedBy: 2 });
      expect((await consensus.head('g'))?.seqNo).toBe(1);
      await consensus.close();
    });

    it('compareAndAppend: advances upper iff it matches, no partial writes', async () => {
      const c = await newClient(await newEnv());
      const s = await c.open('t1');
      expect(await c.open('t1')).toBe(s);
      expect(s.upper()).toBe(0);
      expect(s.since()).toBe(0);
      expect(await s.compareAndAppend([[['a'], t(0), 1], [['b'], t(3), 2]], t(0), t(5))).toEqual({ ok: true });
      expect(s.upper()).toBe(5);
      expect(await s.compareAndAppend([[['x'], t(1), 1]], t(0), t(7))).toEqual({ ok: false, currentUpper: 5 });
      expect(await s.compareAndAppend([[['x'], t(4), 1]], t(4), t(7))).toEqual({ ok: false, currentUpper: 5 });
      expect(await s.compareAndAppend([], t(5), t(9))).toEqual({ ok: true });
      expect(s.upper()).toBe(9);
      expect(canon(await s.snapshot(t(8)))).toEqual(canon([[['a'], t(8), 1], [['b'], t(8), 2]]));
      await expectSqlError(s.compareAndAppend([[['y'], t(20), 1]], t(9), t(12)), '22023', /outside/);
      await expectSqlError(s.compareAndAppend([], t(9), t(9)), '22023', /must be after/);
      expect(s.upper()).toBe(9);
      // Racing appends with the same expectation: exactly one wins.
      const results = await Promise.all([
        s.compareAndAppend([[['r1'], t(9), 1]], t(9), t(10)),
        s.compareAndAppend([[['r2'], t(9), 1]], t(9), t(11)),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(canon(await s.snapshot(t(9)))).toEqual(
        canon([[['a'], t(9), 1], [['b'], t(9), 2], [[results[0]!.ok ? 'r1' : 'r2'], t(9), 1]]));
      expect(await s.compareAndAppend([[['z'], t(100), 1]], s.upper() as Timestamp, 'closed')).toEqual({ ok: true });
      expect(s.upper()).toBe('closed');
      expect(canon(await s.snapshot(t(1000)))).toContainEqual([rowKey(['z']), 1]);
    });

    it('snapshot: consolidated contents at every asOf in [since, upper)', async () => {
      const c = await newClient(await newEnv());
      const s = await c.open('t2');
      const history: Update[] = [
        [['a', 1], t(0), 1], [['b', 2n], t(1), 1], [['a', 1], t(2), 1], [['b', 2n], t(2), -1], [['c', null], t(3), 3],
        [['a', 1], t(4), -2],
      ];
      await s.compareAndAppend(history.slice(0, 2), t(0), t(2));
      await s.compareAndAppend(history.slice(2, 5), t(2), t(4));
      await s.compareAndAppend(history.slice(5), t(4), t(6));
      for (let asOf = 0; asOf < 6; asOf++) {
        const snap = await s.snapshot(t(asOf));
        expect(snap.every((u) => u[1] === asOf && u[2] !== 0)).toBe(true);
        expect(canon(snap)).toEqual(referenceAt(history, asOf));
      }
      await expectSqlError(s.snapshot(t(6)), '22023', /upper/);
      for (let asOf = 0; asOf < 6; asOf++) await expectSnapshotAndHistory(s, asOf, 6, history);
      await s.downgradeSince(t(3));
      await s.downgradeSince(t(1));
      expect(s.since()).toBe(3);
      await expectSqlError(s.snapshot(t(2)), '22023', /since/);
      expect(canon(await s.snapshot(t(3)))).toEqual(referenceAt(history, 3));
    });

    it('listen: ordered, filtered, includes empty batches, stops on unsubscribe', async () => {
      const c = await newClient(await newEnv());
      const s = await c.open('t3');
      await s.compareAndAppend([[['before'], t(0), 1]], t(0), t(2));
      const got: ShardBatch[] = [];
      const stop = s.listen(t(3), (b) => got.push(b));
      await s.compareAndAppend([[['x'], t(2), 1], [['y'], t(3), 1]], t(2), t(4));
      await s.compareAndAppend([], t(4), t(6));
      await s.compareAndAppend([[['z'], t(6), -1]], t(6), t(7));
      await s.compareAndAppend([[['no'], t(7), 1]], t(6), t(8)); // rejected: not delivered
      await Promise.resolve();
      expect(got.map((b) => [b.lower, b.upper, b.updates.map((u) => u[0][0])])).toEqual([
        [2, 4, ['y']], [4, 6, []], [6, 7, ['z']],
      ]);
      stop();
      await s.compareAndAppend([[['after'], t(7), 1]], t(7), t(8));
      await Promise.resolve();
      expect(got).toHaveLength(3);
    });

    it('list, drop and re-create', async () => {
      const env = await newEnv();
      const c = await newClient(env);
      const a = await c.open('a');
      await c.open('b/with slash');
      await a.compareAndAppend([[['gone'], t(0), 1]], t(0), t(1));
      expect(await c.list()).toEqual(['a', 'b/with slash']);
      await a.drop();
      expect(await c.list()).toEqual(['b/with slash']);
      await expectSqlError(a.snapshot(t(0)), undefined, /dropped/);
      const a2 = await c.open('a');
      expect(a2).not.toBe(a);
      expect(a2.upper()).toBe(0);
      expect((await (await env.backends()).blob.list('s/a/')).length).toBe(0);
    });

    it('reopen after close sees everything', async () => {
      const env = await newEnv();
      const config = { compaction: { maxBatches: 2, window: 2 }, inlineMaxBytes: 0 };
      const c1 = await newClient(env, config);
      const s1 = await c1.open('t4');
      const history: Update[] = [];
      for (let i = 0; i < 20; i++) {
        const u: Update[] = [[[i % 3, `v${i}`], t(i), 1], [[i % 3, `v${i - 1}`], t(i), -1]];
        history.push(...u);
        await s1.compareAndAppend(u, t(i), t(i + 1));
        if (i % 5 === 4) await s1.downgradeSince(t(i - 2));
      }
      await c1.close();
      await expectSqlError(s1.snapshot(t(19)), undefined, /after close/);
      const c2 = await newClient(env, config);
      const s2 = await c2.open('t4');
      expect(c2.epoch).toBeGreaterThan(c1.epoch);
      expect(s2.upper()).toBe(20);
      expect(s2.since()).toBe(17);
      for (let asOf = 17; asOf < 20; asOf++) expect(canon(await s2.snapshot(t(asOf)))).toEqual(referenceAt(history, asOf));
      expect((await s2.compareAndAppend([[['more'], t(20), 1]], t(20), t(21))).ok).toBe(true);
    });

    it('a client abandoned without close (a crash) loses no acknowledged write', async () => {
      const env = await newEnv();
      const c1 = await openPersistWith(await env.backends());
      const s1 = await c1.open('crash');
      const acked: Update[] = [];
      for (let i = 0; i < 10; i++) {
        const u: Update = [[i, 'acked'], t(i), 1];
        await s1.compareAndAppend([u], t(i), t(i + 1));
        acked.push(u);
      }
      // Not awaited and never closed: whether this one landed is unknown, but nothing before it may be lost.
      // (The handler is attached at once: it may be fenced while the next client starts.)
      const inFlight = s1.compareAndAppend([[[10, 'maybe'], t(10), 1]], t(10), t(11)).catch(() => undefined);
      const c2 = await newClient(env);
      await inFlight;
      const s2 = await c2.open('crash');
      expect(compareUpper(s2.upper())).toBeGreaterThanOrEqual(10);
      const snap = canon(await s2.snapshot(t(9)));
      expect(snap).toEqual(canon(acked));
    });

    it('blobs left by a crashed older process are removed once the shard is written', async () => {
      const env = await newEnv();
      const c1 = await newClient(env);
      const s1 = await c1.open('leftovers');
      await s1.compareAndAppend([[['kept'], t(0), 1]], t(0), t(1));
      await c1.close();
      const { blob } = await env.backends();
      // What a crash between writing a batch and committing the state leaves behind.
      const orphan = `s/leftovers/${c1.epoch}-999`;
      await blob.set(orphan, new Uint8Array([1, 2, 3]));
      const c2 = await newClient(env);
      const s2 = await c2.open('leftovers');
      expect(await blob.list('s/leftovers/')).toContain(orphan);
      await s2.compareAndAppend([[['new'], t(1), 1]], t(1), t(2));
      await c2.close();
      expect(await blob.list('s/leftovers/')).not.toContain(orphan);
      const c3 = await newClient(env);
      expect(canon(await (await c3.open('leftovers')).snapshot(t(1)))).toEqual(canon([[['kept'], t(1), 1], [['new'], t(1), 1]]));
    });

    it('close lets accepted operations finish, then rejects new ones', async () => {
      const env = await newEnv();
      const c = await openPersistWith(await env.backends());
      const s = await c.open('closing');
      const pending = [
        s.compareAndAppend([[['a'], t(0), 1]], t(0), t(1)),
        s.compareAndAppend([[['b'], t(1), 1]], t(1), t(2)),
      ];
      const closed = c.close();
      expect((await Promise.all(pending)).every((r) => r.ok)).toBe(true);
      await closed;
      await expectSqlError(s.compareAndAppend([], t(2), t(3)), undefined, /after close/);
      await expectSqlError(c.open('other'), undefined, /after close/);
      const c2 = await newClient(env);
      expect((await c2.open('closing')).upper()).toBe(2);
    });

    it('fencing: a newer client fences the older one', async () => {
      const env = await newEnv();
      const c1 = await newClient(env);
      const s1 = await c1.open('shared');
      const other = await c1.open('untouched');
      await s1.compareAndAppend([[['old'], t(0), 1]], t(0), t(1));
      const c2 = await newClient(env);
      expect(c2.epoch).toBe(c1.epoch + 1);
      await expectSqlError(s1.compareAndAppend([[['stale'], t(1), 1]], t(1), t(2)), '55000', /fenced/);
      // Also a shard the newer client never touched, and every later operation.
      await expectSqlError(other.compareAndAppend([], t(0), t(1)), '55000', /fenced/);
      await expectSqlError(s1.downgradeSince(t(1)), '55000', /fenced/);
      const s2 = await c2.open('shared');
      expect(s2.upper()).toBe(1);
      expect((await s2.compareAndAppend([[['new'], t(1), 1]], t(1), t(2))).ok).toBe(true);
      expect(canon(await s2.snapshot(t(1)))).toEqual(canon([[['old'], t(1), 1], [['new'], t(1), 1]]));
    });

    it('corruption: a flipped byte or truncated blob is an error naming the file', async () => {
      const env = await newEnv();
      const c = await newClient(env);
      const s = await c.open('t5');
      // Big enough to be stored as a blob rather than inline in the shard state.
      const rows: Update[] = [];
      for (let i = 0; i < 500; i++) rows.push([[`precious row number ${i}`, i], t(0), 1]);
      await s.compareAndAppend(rows, t(0), t(1));
      const { blob } = await env.backends();
      const [key] = await blob.list('s/t5/');
      expect(key).toBeDefined();
      const original = (await blob.get(key!))!;
      expect(await c.verify()).toMatchObject({ shards: 1, batches: 1, bytes: original.length });
      await env.corruptBlob(key!, (b) => {
        const copy = b.slice();
        copy[Math.floor(copy.length / 2)]! ^= 0x01;
        return copy;
      });
      const e1 = await expectSqlError(s.snapshot(t(0)), 'XX001', /data corrupted/);
      expect(e1.message).toContain(env.describeBlob(key!));
      const v1 = await expectSqlError(c.verify(), 'XX001', /checksum mismatch/);
      expect(v1.message).toContain(env.describeBlob(key!));
      await env.corruptBlob(key!, () => original.subarray(0, original.length - 3));
      const c2 = await newClient(env);
      const e2 = await expectSqlError((await c2.open('t5')).snapshot(t(0)), 'XX001', /data corrupted/);
      expect(e2.message).toContain(env.describeBlob(key!));
      const v2 = await expectSqlError(c2.verify(), 'XX001', /truncated/);
      expect(v2.message).toContain(env.describeBlob(key!));
      await env.corruptBlob(key!, () => new Uint8Array(0));
      await expectSqlError((await c2.open('t5')).snapshot(t(0)), 'XX001', /data corrupted/);
    });

    it('corruption: a damaged shard state is an error naming it', async () => {
      const env = await newEnv();
      if (env.corruptConsensusHead === undefined) return;
      const c = await newClient(env);
      await (await c.open('t6')).compareAndAppend([[['x'], t(0), 1]], t(0), t(1));
      await c.close();
      await env.corruptConsensusHead('shard/t6', (b) => {
        const copy = b.slice();
        copy[copy.length - 10]! ^= 0xff;
        return copy;
      });
      const c2 = await newClient(env);
      await expectSqlError(c2.open('t6'), 'XX001', /data corrupted in .*shard(%2F|\/)t6/);
      await expectSqlError(c2.verify(), 'XX001', /data corrupted in .*shard(%2F|\/)t6/);
    });

    it('compaction never changes contents at times >= since (random histories)', async () => {
      const opArb = fc.oneof(
        fc.record({
          kind: fc.constant('append' as const),
          width: fc.integer({ min: 1, max: 3 }),
          updates: fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: -2, max: 2 })), { maxLength: 5 }),
        }),
        fc.record({ kind: fc.constant('since' as const), back: fc.integer({ min: 0, max: 3 }) }),
      );
      await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), fc.boolean(), async (ops, inline) => {
        const env = await newEnv();
        const c = await newClient(env, { compaction: { maxBatches: 2, window: 2 }, inlineMaxBytes: inline ? 4096 : 0 });
        const s = await c.open('p');
        const history: Update[] = [];
        let upper = 0;
        let since = 0;
        for (const op of ops) {
          if (op.kind === 'append') {
            const batch: Update[] = op.updates.map(([k, dt, d]) => [[k, `v${k}`], t(upper + Math.min(dt, op.width - 1)), d] as const);
            expect((await s.compareAndAppend(batch, t(upper), t(upper + op.width))).ok).toBe(true);
            history.push(...batch);
            upper += op.width;
          } else {
            since = Math.max(since, upper - op.back, 0);
            await s.downgradeSince(t(since));
          }
        }
        await quiesce(s);
        for (let asOf = since; asOf < upper; asOf++) expect(canon(await s.snapshot(t(asOf)))).toEqual(referenceAt(history, asOf));
        if (since < upper) await expectSnapshotAndHistory(s, since, upper, history);
        await c.close();
        // And after a restart.
        const c2 = await newClient(env);
        const s2 = await c2.open('p');
        for (let asOf = since; asOf < upper; asOf++) expect(canon(await s2.snapshot(t(asOf)))).toEqual(referenceAt(history, asOf));
      }), { numRuns: h.propertyRuns });
    });

    it('a table updated forever with a stable row count uses bounded storage', async () => {
      const env = await newEnv();
      // Batches as blobs (not inline in the state), so blob garbage collection is what is measured.
      const c = await newClient(env, { inlineMaxBytes: 0 });
      const s = await c.open('forever');
      const { blob, consensus } = await env.backends();
      const values = new Array<number>(10).fill(0);
      const initial: Update[] = values.map((v, k) => [[k, v], t(0), 1] as const);
      await s.compareAndAppend(initial, t(0), t(1));
      let maxKeys = 0;
      let maxBytes = 0;
      const n = h.foreverAppends;
      for (let i = 1; i < n; i++) {
        const updates: Update[] = [];
        for (let k = 0; k < 10; k++) {
          updates.push([[k, values[k]!], t(i), -1], [[k, values[k]! + 1], t(i), 1]);
          values[k]!++;
        }
        expect((await s.compareAndAppend(updates, t(i), t(i + 1))).ok).toBe(true);
        if (i % 5 === 0) await s.downgradeSince(t(i - 2));
        if (i % 50 === 0) {
          const keys = await blob.list('s/forever/');
          let bytes = 0;
          for (const k of keys) bytes += (await blob.get(k))?.length ?? 0;
          maxKeys = Math.max(maxKeys, keys.length);
          maxBytes = Math.max(maxBytes, bytes + ((await consensus.head('shard/forever'))?.data.length ?? 0));
        }
      }
      await quiesce(s);
      // Compaction keeps at most 2 × maxBatches (backpressure) plus merges in flight.
      expect(maxKeys).toBeLessThanOrEqual(20);
      expect(maxBytes).toBeLessThan(40 * 1024);
      expect(canon(await s.snapshot(t(n - 1)))).toEqual(canon(values.map((v, k) => [[k, v], t(n - 1), 1] as const)));
    });
  });
}

/** The fs Consensus harnesses' damage: `key`'s newest entry in the write-ahead log, mutated in place. */
export async function corruptFsConsensusHead(consensusDir: string, key: string, mutate: (data: Uint8Array) => Uint8Array): Promise<void> {
  const path = currentLogPath(consensusDir)!;
  const log = readFileSync(path);
  const entry = logEntries(log).filter((e) => e.key === key).at(-1)!;
  const damaged = Buffer.from(mutate(log.subarray(entry.start, entry.end)));
  if (damaged.length !== entry.end - entry.start) throw new Error('the fs harness damages entries in place only');
  damaged.copy(log, entry.start);
  writeFileSync(path, log);
}
