/** ComputeController over real (in-memory) persist shards: imports, index exports, peeks, MV sinks, restarts, drops. */
import { afterEach, describe, expect, it } from 'vitest';
import { type MirRelationExpr, Mir, call, col, lit } from '../expr/index.ts';
import { MemoryStore, type PersistClient, type Shard, openPersistWith } from '../persist/index.ts';
import { type Row, T, type Timestamp, type Update } from '../repr/index.ts';
import { ComputeController, errorsShardId } from './controller.ts';
import type { ComputeResponse, DataflowDescription } from './protocol.ts';
import './test-funcs.ts';

const I4 = T.int4;
const ts = (n: number): Timestamp => n as Timestamp;
const all = { order: [], offset: 0, project: [0, 1] } as const;
const clients: PersistClient[] = [];

async function persist(store = new MemoryStore()): Promise<{ store: MemoryStore; client: PersistClient }> {
  const client = await openPersistWith(store);
  clients.push(client);
  return { store, client };
}
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
});

async function append(shard: Shard, updates: Update[], to: number): Promise<void> {
  const upper = shard.upper();
  if (upper === 'closed') throw new Error('closed');
  const res = await shard.compareAndAppend(updates, upper, ts(to));
  expect(res.ok).toBe(true);
}

function dataflow(partial: Partial<DataflowDescription> & { asOf: Timestamp }): DataflowDescription {
  return { debugName: 'test', sourceImports: [], indexImports: [], objectsToBuild: [], indexExports: [], sinkExports: [], ...partial };
}

const T1 = Mir.get('u1', [I4, I4]);
const sumByKey: MirRelationExpr = Mir.reduce(T1, [col(0, I4)], [{ func: 'sum', expr: col(1, I4), distinct: false, type: T.int8 }]);

describe('ComputeController', () => {
  it('serves peeks from an index over a source import at several times', async () => {
    const { client } = await persist();
    const shard = await client.open('t1');
    await append(shard, [[[1, 10], ts(0), 1], [[2, 5], ts(0), 1]], 1);
    const cc = new ComputeController({ persist: client });
    const frontiers: ComputeResponse[] = [];
    cc.onResponse((r) => { if (r.kind === 'Frontiers') frontiers.push(r); });
    cc.send({ kind: 'CreateDataflow', dataflow: dataflow({
      asOf: ts(0),
      sourceImports: [{ id: 'u1', shardId: 't1', types: [I4, I4] }],
      objectsToBuild: [{ id: 'v1', plan: sumByKey }],
      indexExports: [{ id: 'i1', on: 'v1', keys: [col(0, I4)] }],
    }) });
    await append(shard, [[[1, 7], ts(1), 1], [[2, 5], ts(1), -1]], 2);
    await append(shard, [[[1, 10], ts(3), -1], [[3, 1], ts(3), 1], [[3, 1], ts(3), 1]], 4);
    await cc.waitForUpper('i1', ts(3));
    expect(await cc.peek('i1', ts(0), all)).toEqual([[1, 10n], [2, 5n]]);
    expect(await cc.peek('i1', ts(1), all)).toEqual([[1, 17n]]);
    expect(await cc.peek('i1', ts(3), { order: [{ column: 1, desc: true, nullsLast: true }], offset: 0, project: [0, 1] })).toEqual([[1, 7n], [3, 2n]]);
    expect(await cc.peek('i1', ts(3), all, [3])).toEqual([[3, 2n]]);
    expect(frontiers.some((f) => f.kind === 'Frontiers' && f.id === 'i1' && f.upper === 4)).toBe(true);
    // A peek waits until the upper passes its time.
    const later = cc.peek('i1', ts(5), all);
    await append(shard, [[[9, 9], ts(5), 1]], 6);
    expect(await later).toEqual([[1, 7n], [3, 2n], [9, 9n]]);
  });

  it('fails peeks while the errors collection is non-empty, and recovers when the cause is retracted', async () => {
    const { client } = await persist();
    const shard = await client.open('t1');
    await append(shard, [[[4, 2], ts(0), 1]], 1);
    const cc = new ComputeController({ persist: client });
    const plan = Mir.project(Mir.map(T1, [call('test_div', [col(0, I4), col(1, I4)], I4)]), [0, 2]);
    cc.send({ kind: 'CreateDataflow', dataflow: dataflow({
      asOf: ts(0), sourceImports: [{ id: 'u1', shardId: 't1', types: [I4, I4] }],
      objectsToBuild: [{ id: 'v1', plan }], indexExports: [{ id: 'i1', on: 'v1', keys: [] }],
    }) });
    await append(shard, [[[4, 0], ts(1), 1]], 2);
    await append(shard, [[[4, 0], ts(2), -1]], 3);
    await cc.waitForUpper('i1', ts(2));
    expect(await cc.peek('i1', ts(0), all)).toEqual([[4, 2]]);
    await expect(cc.peek('i1', ts(1), all)).rejects.toMatchObject({ code: '22012', message: 'division by zero' });
    expect(await cc.peek('i1', ts(2), all)).toEqual([[4, 2]]);
  });

  it('reuses an imported index arrangement in another dataflow and keeps it alive after the index is dropped', async () => {
    const { client } = await persist();
    const s1 = await client.open('t1');
    const s2 = await client.open('t2');
    await append(s1, [[[1, 10], ts(0), 1], [[2, 20], ts(0), 1]], 1);
    await append(s2, [[[1, 100], ts(0), 1]], 1);
    const cc = new ComputeController({ persist: client });
    cc.send({ kind: 'CreateDataflow', dataflow: dataflow({
      asOf: ts(0), sourceImports: [{ id: 'u1', shardId: 't1', types: [I4, I4] }],
      indexExports: [{ id: 'i1', on: 'u1', keys: [col(0, I4)] }],
    }) });
    await cc.waitForUpper('i1', ts(0));
    const join = Mir.project(Mir.join([Mir.get('u2', [I4, I4]), T1], [[col(0, I4), col(2, I4)]]), [0, 1, 3]);
    cc.send({ kind: 'CreateDataflow', dataflow: dataflow({
      asOf: ts(0), sourceImports: [{ id: 'u2', shardId: 't2', types: [I4, I4] }],
      indexImports: [{ indexId: 'i1', on: 'u1' }],
      objectsToBuild: [{ id: 'v2', plan: join }],
      indexExports: [{ id: 'i2', on: 'v2', keys: [] }],
    }) });
    const three = { order: [], offset: 0, project: [0, 1, 2] };
    await cc.waitForUpper('i2', ts(0));
    expect(await cc.peek('i2', ts(0), three)).toEqual([[1, 100, 10]]);
    cc.send({ kind: 'AllowCompaction', id: 'i1', frontier: 'closed' });
    await append(s1, [[[1, 11], ts(1), 1]], 2);
    await append(s2, [[[2, 200], ts(1), 1]], 2);
    await cc.waitForUpper('i2', ts(1));
    expect(await cc.peek('i2', ts(1), three)).toEqual([[1, 100, 10], [1, 100, 11], [2, 200, 20]]);
    expect(cc.dataflowCount()).toBe(1);
    await expect(cc.peek('i1', ts(1), all)).rejects.toMatchObject({ code: '42704' });
    cc.send({ kind: 'AllowCompaction', id: 'i2', frontier: 'closed' });
    expect(cc.dataflowCount()).toBe(0);
    expect(cc.exportIds()).toEqual([]);
  });

  it('rejects a plan it cannot render without creating anything', async () => {
    const { client } = await persist();
    const cc = new ComputeController({ persist: client });
    // A reference to an unbound local cannot be rendered (an internal error, after the source import).
    const plan = Mir.join([T1, Mir.get({ local: 99 }, [I4])], []);
    expect(() => cc.send({ kind: 'CreateDataflow', dataflow: dataflow({
      asOf: ts(0), sourceImports: [{ id: 'u1', shardId: 't1', types: [I4, I4] }],
      objectsToBuild: [{ id: 'v1', plan }], indexExports: [{ id: 'i1', on: 'v1', keys: [] }],
      sinkExports: [{ id: 'mv1', from: 'v1', shardId: 'mv' }],
    }) })).toThrow(/unbound local 99/);
    expect(cc.exportIds()).toEqual([]);
    expect(cc.dataflowCount()).toBe(0);
  });

  it('answers canceled peeks and compacts index history', async () => {
    const { client } = await persist();
    const shard = await client.open('t1');
    await append(shard, [[[1, 1], ts(0), 1]], 1);
    const cc = new ComputeController({ persist: client });
    cc.send({ kind: 'CreateDataflow', dataflow: dataflow({
      asOf: ts(0), sourceImports: [{ id: 'u1', shardId: 't1', types: [I4, I4] }],
      indexExports: [{ id: 'i1', on: 'u1', keys: [col(0, I4)] }],
    }) });
    const responses: ComputeResponse[] = [];
    cc.onResponse((r) => responses.push(r));
    cc.send({ kind: 'Peek', uuid: 'p1', indexId: 'i1', asOf: ts(50), finishing: all });
    cc.send({ kind: 'CancelPeek', uuid: 'p1' });
    expect(responses).toContainEqual({ kind: 'PeekResponse', uuid: 'p1', result: 'canceled' });
    for (let t = 1; t < 6; t++) await append(shard, [[[1, t], ts(t), 1]], t + 1);
    await cc.waitForUpper('i1', ts(5));
    cc.send({ kind: 'AllowCompaction', id: 'i1', frontier: ts(4) });
    expect(cc.since('i1')).toBe(4);
    await expect(cc.peek('i1', ts(2), all)).rejects.toMatchObject({ code: 'XX000' });
    expect((await cc.peek('i1', ts(4), all)).length).toBe(5);
    expect(cc.arrangementSizes()[0]).toMatchObject({ id: 'i1' });
  });
});

async function contents(shard: Shard, t: number): Promise<string[]> {
  return (await shard.snapshot(ts(t))).map(([r, , d]) => `${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))} x${d}`).sort();
}

describe('materialized view sink', () => {
  const mvDataflow = (asOf: number): DataflowDescription => dataflow({
    asOf: ts(asOf), sourceImports: [{ id: 'u1', shardId: 't1', types: [I4, I4] }],
    objectsToBuild: [{ id: 'v1', plan: sumByKey }],
    sinkExports: [{ id: 'mv1', from: 'v1', shardId: 'mv' }],
  });

  it('writes the view contents and follows updates', async () => {
    const { client } = await persist();
    const shard = await client.open('t1');
    await append(shard, [[[1, 10], ts(0), 1], [[2, 5], ts(0), 1]], 3);
    const cc = new ComputeController({ persist: client });
    cc.send({ kind: 'CreateDataflow', dataflow: mvDataflow(2) });
    await cc.waitForUpper('mv1', ts(2));
    const mv = await client.open('mv');
    expect(await contents(mv, 2)).toEqual(['[1,"10n"] x1', '[2,"5n"] x1']);
    await append(shard, [[[1, 1], ts(3), 1], [[2, 5], ts(4), -1]], 5);
    await cc.waitForUpper('mv1', ts(4));
    expect(await contents(mv, 3)).toEqual(['[1,"11n"] x1', '[2,"5n"] x1']);
    expect(await contents(mv, 4)).toEqual(['[1,"11n"] x1']);
  });

  it('converges without duplicates after a restart with a new controller', async () => {
    const { store, client } = await persist();
    const shard = await client.open('t1');
    await append(shard, [[[1, 10], ts(0), 1], [[2, 5], ts(0), 1]], 1);
    const cc = new ComputeController({ persist: client });
    cc.send({ kind: 'CreateDataflow', dataflow: mvDataflow(0) });
    await append(shard, [[[3, 3], ts(1), 1]], 2);
    await cc.waitForUpper('mv1', ts(1));
    cc.send({ kind: 'AllowCompaction', id: 'mv1', frontier: 'closed' });
    await client.close();

    // "Restart": a new persist client and controller over the same store; the input moved on meanwhile.
    const { client: client2 } = await persist(store);
    const shard2 = await client2.open('t1');
    await append(shard2, [[[1, 1], ts(2), 1], [[3, 3], ts(3), -1]], 4);
    const mv2 = await client2.open('mv');
    const mvUpper = mv2.upper() as number;
    expect(mvUpper).toBe(2);
    const cc2 = new ComputeController({ persist: client2 });
    cc2.send({ kind: 'CreateDataflow', dataflow: mvDataflow(mvUpper - 1) });
    await cc2.waitForUpper('mv1', ts(3));
    expect(await contents(mv2, 1)).toEqual(['[1,"10n"] x1', '[2,"5n"] x1', '[3,"3n"] x1']);
    expect(await contents(mv2, 3)).toEqual(['[1,"11n"] x1', '[2,"5n"] x1']);
    await append(shard2, [[[2, 1], ts(4), 1]], 5);
    await cc2.waitForUpper('mv1', ts(4));
    expect(await contents(mv2, 4)).toEqual(['[1,"11n"] x1', '[2,"6n"] x1']);
  });

  it('corrects a shard whose contents differ from the view', async () => {
    const { client } = await persist();
    const shard = await client.open('t1');
    await append(shard, [[[1, 10], ts(0), 1]], 1);
    const mv = await client.open('mv');
    // Garbage a crashed writer might have left behind.
    await append(mv, [[[7, 7n] as Row, ts(0), 2], [[1, 10n] as Row, ts(0), 1]], 1);
    const cc = new ComputeController({ persist: client });
    cc.send({ kind: 'CreateDataflow', dataflow: mvDataflow(0) });
    await append(shard, [], 2);
    await cc.waitForUpper('mv1', ts(1));
    expect(await contents(mv, 1)).toEqual(['[1,"10n"] x1']);
  });

  it('re-reads and corrects after another writer moved the shard upper', async () => {
    const { client } = await persist();
    const shard = await client.open('t1');
    await append(shard, [[[1, 10], ts(0), 1]], 1);
    const cc = new ComputeController({ persist: client });
    cc.send({ kind: 'CreateDataflow', dataflow: mvDataflow(0) });
    await cc.waitForUpper('mv1', ts(0));
    const mv = await client.open('mv');
    // An interloper appends garbage at the sink's upper.
    const upper = mv.upper() as number;
    expect((await mv.compareAndAppend([[[5, 5n], ts(upper), 1]], ts(upper), ts(upper + 1))).ok).toBe(true);
    await append(shard, [[[1, 1], ts(1), 1]], upper + 3);
    await cc.waitForUpper('mv1', ts(upper + 2));
    expect(await contents(mv, upper + 2)).toEqual(['[1,"11n"] x1']);
  });
});

describe('materialized view errors', () => {
  it('persists the errors collection beside the rows, so readers of the view see the error', async () => {
    const { client } = await persist();
    const shard = await client.open('t1');
    await append(shard, [[[4, 2], ts(0), 1], [[4, 0], ts(0), 1]], 1);
    const cc = new ComputeController({ persist: client });
    const plan = Mir.project(Mir.map(T1, [call('test_div', [col(0, I4), col(1, I4)], I4)]), [2]);
    cc.send({ kind: 'CreateDataflow', dataflow: dataflow({
      asOf: ts(0), sourceImports: [{ id: 'u1', shardId: 't1', types: [I4, I4] }],
      objectsToBuild: [{ id: 'v1', plan }], sinkExports: [{ id: 'mv1', from: 'v1', shardId: 'mv' }],
    }) });
    await append(shard, [[[4, 0], ts(1), -1]], 2);
    await cc.waitForUpper('mv1', ts(1));
    // A one-shot read of the view, as the adapter does it: import its shard, export a transient index.
    const read = (id: string, at: number) => {
      cc.send({ kind: 'CreateDataflow', dataflow: dataflow({
        asOf: ts(at), sourceImports: [{ id: 'mv1', shardId: 'mv', types: [I4] }], indexExports: [{ id, on: 'mv1', keys: [] }],
      }) });
      return cc.peek(id, ts(at), { order: [], offset: 0, project: [0] });
    };
    await expect(read('p0', 0)).rejects.toMatchObject({ code: '22012' });
    expect(await read('p1', 1)).toEqual([[2]]);
    expect((await client.list()).sort()).toEqual(['mv', errorsShardId('mv'), 't1']);
  });
});

describe('subscribe exports', () => {
  it('streams the snapshot at asOf, then each closed time in order, and ends at upTo', async () => {
    const { client } = await persist();
    const shard = await client.open('t1');
    await append(shard, [[[1, 10], ts(0), 1], [[2, 5], ts(1), 1]], 2);
    const cc = new ComputeController({ persist: client });
    const batches: Extract<ComputeResponse, { kind: 'SubscribeResponse' }>[] = [];
    cc.onResponse((r) => { if (r.kind === 'SubscribeResponse') batches.push(r); });
    cc.send({ kind: 'CreateDataflow', dataflow: dataflow({
      asOf: ts(1), sourceImports: [{ id: 'u1', shardId: 't1', types: [I4, I4] }],
      objectsToBuild: [{ id: 'v1', plan: sumByKey }], subscribeExports: [{ id: 's1', from: 'v1', upTo: ts(5) }],
    }) });
    await append(shard, [[[1, 1], ts(2), 1], [[2, 5], ts(3), -1]], 4);
    await append(shard, [[[3, 3], ts(4), 1], [[3, 3], ts(6), 1]], 7);
    await cc.waitForUpper('s1', ts(4)).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    const all = batches.flatMap((b) => ('error' in b.batch ? [] : b.batch.updates.map(([r, t, d]) => `${t}:${r[0]}=${r[1]}:${d}`)));
    expect(all).toEqual(['1:1=10:1', '1:2=5:1', '2:1=10:-1', '2:1=11:1', '3:2=5:-1', '4:3=3:1']);
    const last = batches[batches.length - 1]!;
    expect('error' in last.batch ? undefined : last.batch.upper).toBe(5);
    // Batches are contiguous from asOf.
    let lower = 1;
    for (const b of batches) {
      if ('error' in b.batch) throw new Error('unexpected error');
      expect(b.batch.lower).toBe(lower);
      lower = b.batch.upper as number;
    }
    expect(cc.exportIds()).toEqual([]);
  });

  it('ends with the error when the errors collection becomes non-empty, and can be canceled', async () => {
    const { client } = await persist();
    const shard = await client.open('t1');
    await append(shard, [[[4, 2], ts(0), 1]], 1);
    const cc = new ComputeController({ persist: client });
    const got: ComputeResponse[] = [];
    cc.onResponse((r) => { if (r.kind === 'SubscribeResponse') got.push(r); });
    const plan = Mir.map(T1, [call('test_div', [col(0, I4), col(1, I4)], I4)]);
    cc.send({ kind: 'CreateDataflow', dataflow: dataflow({
      asOf: ts(0), sourceImports: [{ id: 'u1', shardId: 't1', types: [I4, I4] }],
      objectsToBuild: [{ id: 'v1', plan }], subscribeExports: [{ id: 's1', from: 'v1' }, { id: 's2', from: 'u1' }],
    }) });
    await append(shard, [[[4, 0], ts(1), 1]], 2);
    await new Promise((r) => setTimeout(r, 20));
    const s1 = got.filter((r) => r.kind === 'SubscribeResponse' && r.id === 's1');
    expect(s1[s1.length - 1]).toMatchObject({ batch: { error: { code: '22012' } } });
    expect(cc.exportIds()).toEqual(['s2']);
    cc.send({ kind: 'AllowCompaction', id: 's2', frontier: 'closed' });
    expect(cc.dataflowCount()).toBe(0);
  });
});
