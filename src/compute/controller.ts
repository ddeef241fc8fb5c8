/**
 * ComputeController: executes ComputeCommands on one in-process Worker and emits ComputeResponses.
 * It owns the dataflows (their operators, source imports and sinks), the index exports (shared
 * arrangements that serve peeks and feed other dataflows) and pending peeks.
 *
 * Lifetimes: a dataflow lives while any of its exports is live or another live dataflow imports one
 * of its indexes (the arrangement must keep being maintained for that reader).
 */
import {
  type Arrangement, ArrangeOp, CaptureOp, ConcatOp, InputOp, type Stream, Worker, errorFromRow,
} from '../dataflow/index.ts';
import type { GlobalId, RowSetFinishing } from '../expr/index.ts';
import type { PersistClient } from '../persist/index.ts';
import { type Frontier, type Row, type Timestamp, compareRows, minFrontier } from '../repr/index.ts';
import { type Logger, SqlError, SqlState, assertNever, silentLogger, toSqlError } from '../util/index.ts';
import { applyFinishing, expandCounts } from './finishing.ts';
import { MvSink } from './mv-sink.ts';
import type { ComputeCommand, ComputeResponse, DataflowDescription } from './protocol.ts';
import { type ImportedIndex, RenderContext } from './render.ts';
import { SourceImport } from './source-import.ts';
import { SubscribeExport } from './subscribe.ts';

interface DataflowState {
  readonly name: string;
  readonly ctx: RenderContext;
  readonly sources: SourceImport[];
  /** Live exports (indexes and sinks) of this dataflow. */
  readonly exports: Set<GlobalId>;
  /** Dataflows whose indexes this one imports. */
  readonly imports: Set<DataflowState>;
  /** Number of live dataflows importing one of this dataflow's indexes. */
  importers: number;
  dropped: boolean;
}

interface IndexState extends ImportedIndex {
  readonly on: GlobalId;
  readonly dataflow: DataflowState;
  /** Compaction allowed by the adapter. */
  since: number;
  reported: number;
}

interface SinkState {
  readonly sink: MvSink;
  readonly errSink: MvSink;
  readonly dataflow: DataflowState;
}

interface SubscribeState {
  readonly sub: SubscribeExport;
  readonly dataflow: DataflowState;
}

interface PendingPeek {
  readonly uuid: string;
  readonly indexId: GlobalId;
  readonly asOf: number;
  readonly finishing: RowSetFinishing;
  readonly key: Row | undefined;
}

const ERRORS_SUFFIX = '.errors';

/** The shard holding a materialized view's errors collection, beside its rows' shard. */
export function errorsShardId(shardId: string): string {
  return shardId + ERRORS_SUFFIX;
}

const toFrontier = (f: number): Frontier => (f === Infinity ? 'closed' : (f as Timestamp));
const fromFrontier = (f: Frontier): number => (f === 'closed' ? Infinity : f);

export class ComputeController {
  readonly worker: Worker;
  private readonly persist: PersistClient;
  private readonly logger: Logger;
  private readonly indexes = new Map<GlobalId, IndexState>();
  private readonly sinks = new Map<GlobalId, SinkState>();
  private readonly subscribes = new Map<GlobalId, SubscribeState>();
  private readonly peeks = new Map<string, PendingPeek>();
  private readonly listeners = new Set<(r: ComputeResponse) => void>();
  private readonly upperWaiters: { id: GlobalId; t: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private peekCounter = 0;
  /** Errors shards that exist: listed once from persist, plus those our sinks create. */
  private listedErrorShards: Promise<Set<string>> | undefined;
  private readonly createdErrorShards = new Set<string>();
  private readonly reportedSinkUppers = new Map<GlobalId, Frontier>();

  constructor(opts: { persist: PersistClient; logger?: Logger; worker?: Worker }) {
    this.persist = opts.persist;
    this.logger = opts.logger ?? silentLogger;
    this.worker = opts.worker ?? new Worker();
    this.worker.afterSlice(() => this.afterWork());
  }

  send(cmd: ComputeCommand): void {
    switch (cmd.kind) {
      case 'CreateDataflow': this.createDataflow(cmd.dataflow); return;
      case 'AllowCompaction': this.allowCompaction(cmd.id, cmd.frontier); return;
      case 'Peek':
        this.peeks.set(cmd.uuid, { uuid: cmd.uuid, indexId: cmd.indexId, asOf: cmd.asOf, finishing: cmd.finishing, key: cmd.key });
        queueMicrotask(() => this.servePeeks());
        return;
      case 'CancelPeek':
        if (this.peeks.delete(cmd.uuid)) this.respond({ kind: 'PeekResponse', uuid: cmd.uuid, result: 'canceled' });
        return;
      default: assertNever(cmd, 'compute command');
    }
  }

  onResponse(listener: (r: ComputeResponse) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the upper of `id` (index or sink export) is > t; rejects if the export is dropped. */
  waitForUpper(id: GlobalId, t: Timestamp): Promise<void> {
    if (fromFrontier(this.upper(id)) > t) return Promise.resolve();
    if (!this.indexes.has(id) && !this.sinks.has(id) && !this.subscribes.has(id)) return Promise.reject(new SqlError(SqlState.undefinedObject, `unknown compute collection ${id}`));
    return new Promise((resolve, reject) => this.upperWaiters.push({ id, t, resolve, reject }));
  }

  /** Sends a Peek and resolves with its rows; throws the SqlError of an error response. */
  peek(indexId: GlobalId, asOf: Timestamp, finishing: RowSetFinishing, key?: Row): Promise<Row[]> {
    const uuid = `peek-${++this.peekCounter}`;
    return new Promise((resolve, reject) => {
      const off = this.onResponse((r) => {
        if (r.kind !== 'PeekResponse' || r.uuid !== uuid) return;
        off();
        if (r.result === 'canceled') reject(new SqlError(SqlState.queryCanceled, 'canceling statement due to user request'));
        else if ('error' in r.result) reject(r.result.error);
        else resolve(r.result.rows);
      });
      this.send(key === undefined ? { kind: 'Peek', uuid, indexId, asOf, finishing } : { kind: 'Peek', uuid, indexId, asOf, finishing, key });
    });
  }

  upper(id: GlobalId): Frontier {
    const idx = this.indexes.get(id);
    if (idx !== undefined) return toFrontier(indexUpper(idx));
    const sink = this.sinks.get(id);
    if (sink !== undefined) return minFrontier(sink.sink.currentUpper, sink.errSink.currentUpper);
    const sub = this.subscribes.get(id);
    if (sub !== undefined) return sub.sub.upper;
    return 0 as Timestamp;
  }

  /** The compaction frontier of an index export. */
  since(id: GlobalId): Frontier {
    const idx = this.indexes.get(id);
    return idx === undefined ? ('closed' as const) : toFrontier(idx.since);
  }

  /** Per-arrangement size accounting (records, bytes) for introspection. */
  arrangementSizes(): { id: GlobalId; records: number; bytes: number }[] {
    const out: { id: GlobalId; records: number; bytes: number }[] = [];
    for (const [id, idx] of this.indexes) {
      out.push({ id, records: idx.oks.trace.records + idx.errs.trace.records, bytes: idx.oks.trace.estimateBytes() + idx.errs.trace.estimateBytes() });
    }
    return out;
  }

  /** Ids of live exports (for tests and introspection). */
  exportIds(): GlobalId[] {
    return [...this.indexes.keys(), ...this.sinks.keys(), ...this.subscribes.keys()];
  }

  /** Number of live dataflows. */
  dataflowCount(): number {
    const all = new Set<DataflowState>();
    for (const i of this.indexes.values()) all.add(i.dataflow);
    for (const s of this.sinks.values()) all.add(s.dataflow);
    for (const s of this.subscribes.values()) all.add(s.dataflow);
    return all.size;
  }

  private respond(r: ComputeResponse): void {
    for (const l of this.listeners) {
      try {
        l(r);
      } catch (err) {
        this.logger.error({ err }, 'compute: response listener threw');
      }
    }
  }

  private createDataflow(desc: DataflowDescription): void {
    const asOf = desc.asOf as number;
    const ctx = new RenderContext(this.worker, asOf);
    const df: DataflowState = { name: desc.debugName, ctx, sources: [], exports: new Set(), imports: new Set(), importers: 0, dropped: false };
    const sinks: MvSink[] = [];
    try {
      for (const imp of desc.indexImports) {
        const idx = this.indexes.get(imp.indexId);
        if (idx === undefined) throw new SqlError(SqlState.internalError, `internal error: dataflow ${desc.debugName} imports unknown index ${imp.indexId}`);
        if (asOf < idx.since) throw new SqlError(SqlState.internalError, `internal error: dataflow ${desc.debugName} as of ${asOf} is before index ${imp.indexId}'s since ${idx.since}`);
        const list = ctx.indexes.get(imp.on) ?? [];
        list.push(idx);
        ctx.indexes.set(imp.on, list);
        if (!df.imports.has(idx.dataflow)) {
          df.imports.add(idx.dataflow);
          idx.dataflow.importers++;
        }
      }
      for (const src of desc.sourceImports) {
        const input = ctx.track(new InputOp(this.worker, `source ${src.id}`));
        // A materialized view's shard has an errors shard beside it (see mv-sink.ts).
        const errInput = ctx.track(new InputOp(this.worker, `source ${src.id}.errors`));
        ctx.collections.set(src.id, { oks: input.output, errs: [errInput.output] });
        const errShard = errorsShardId(src.shardId);
        df.sources.push(new SourceImport(this.persist, src.shardId, input, asOf, this.logger));
        df.sources.push(new SourceImport(this.persist, errShard, errInput, asOf, this.logger, () => this.errorShardExists(errShard)));
      }
      for (const obj of desc.objectsToBuild) ctx.collections.set(obj.id, ctx.render(obj.plan));
      for (const exp of desc.indexExports) {
        const coll = ctx.collection(exp.on);
        const oks = ctx.track(new ArrangeOp(this.worker, coll.oks, exp.keys, { dropNullKeys: false, name: `index ${exp.id}` }));
        const errStream = this.concatErrors(ctx, [...coll.errs, oks.errors]);
        const errs = ctx.track(new ArrangeOp(this.worker, errStream, [], { dropNullKeys: false, name: `index ${exp.id}.errors` }));
        const state: IndexState = { indexId: exp.id, on: exp.on, keys: exp.keys, oks: oks.arrangement, errs: errs.arrangement, dataflow: df, since: asOf, reported: -1 };
        oks.arrangement.setHold(this, asOf);
        errs.arrangement.setHold(this, asOf);
        this.indexes.set(exp.id, state);
        df.exports.add(exp.id);
      }
      for (const exp of desc.sinkExports) {
        const coll = ctx.collection(exp.from);
        // Rows go to the view's shard, errors to its errors shard; the sink's upper is the lesser.
        const report = (): void => this.reportUpper(exp.id, this.upper(exp.id));
        const common = { asOf, persist: this.persist, logger: this.logger, onUpper: report };
        const sink = new MvSink({ ...common, id: exp.id, shardId: exp.shardId });
        const errShard = errorsShardId(exp.shardId);
        const errSink = new MvSink({ ...common, id: `${exp.id}.errors`, shardId: errShard });
        this.createdErrorShards.add(errShard);
        ctx.track(new CaptureOp(this.worker, coll.oks, { onBatch: (b) => sink.onBatch(b), onFrontier: (f) => sink.onFrontier(f) }, `sink ${exp.id}`));
        ctx.track(new CaptureOp(this.worker, this.concatErrors(ctx, coll.errs), { onBatch: (b) => errSink.onBatch(b), onFrontier: (f) => errSink.onFrontier(f) }, `sink ${exp.id}.errors`));
        this.sinks.set(exp.id, { sink, errSink, dataflow: df });
        df.exports.add(exp.id);
        sinks.push(sink, errSink);
      }
      for (const exp of desc.subscribeExports ?? []) {
        const coll = ctx.collection(exp.from);
        const sub = new SubscribeExport({
          id: exp.id, asOf, upTo: exp.upTo, emit: (r) => this.respond(r),
          onDone: () => queueMicrotask(() => this.dropSubscribe(exp.id)),
        });
        ctx.track(new CaptureOp(this.worker, coll.oks, { onBatch: (b) => sub.onBatch(b), onFrontier: (f) => sub.onFrontier('oks', f) }, `subscribe ${exp.id}`));
        ctx.track(new CaptureOp(this.worker, this.concatErrors(ctx, coll.errs), { onBatch: (b) => sub.onErrors(b), onFrontier: (f) => sub.onFrontier('errs', f) }, `subscribe ${exp.id}.errors`));
        this.subscribes.set(exp.id, { sub, dataflow: df });
        df.exports.add(exp.id);
      }
    } catch (err) {
      this.logger.error({ err: toSqlError(err), dataflow: desc.debugName }, 'compute: failed to create dataflow');
      for (const id of df.exports) {
        this.indexes.delete(id);
        this.sinks.delete(id);
        this.subscribes.get(id)?.sub.stop();
        this.subscribes.delete(id);
      }
      this.dropDataflow(df, true);
      throw err;
    }
    for (const s of df.sources) s.start();
    for (const s of sinks) s.start();
  }

  private async errorShardExists(shardId: string): Promise<boolean> {
    if (this.createdErrorShards.has(shardId)) return true;
    this.listedErrorShards ??= this.persist.list().then((ids) => new Set(ids.filter((id) => id.endsWith(ERRORS_SUFFIX))));
    return (await this.listedErrorShards).has(shardId);
  }

  private concatErrors(ctx: RenderContext, errs: readonly Stream[]): Stream {
    if (errs.length === 1) return errs[0]!;
    return ctx.track(new ConcatOp(this.worker, errs, 'errors')).output;
  }

  private allowCompaction(id: GlobalId, frontier: Frontier): void {
    const idx = this.indexes.get(id);
    if (idx !== undefined) {
      if (frontier === 'closed') {
        this.indexes.delete(id);
        idx.oks.releaseHold(this);
        idx.errs.releaseHold(this);
        this.releaseExport(idx.dataflow, id);
        for (const p of [...this.peeks.values()]) {
          if (p.indexId === id) {
            this.peeks.delete(p.uuid);
            this.respond({ kind: 'PeekResponse', uuid: p.uuid, result: { error: new SqlError(SqlState.undefinedObject, `index ${id} was dropped`) } });
          }
        }
        this.rejectWaiters(id);
        return;
      }
      const since = Math.max(idx.since, frontier);
      idx.since = since;
      idx.oks.setHold(this, since);
      idx.errs.setHold(this, since);
      return;
    }
    if (this.subscribes.has(id)) {
      if (frontier === 'closed') this.dropSubscribe(id);
      return;
    }
    const sink = this.sinks.get(id);
    if (sink !== undefined && frontier === 'closed') {
      this.sinks.delete(id);
      this.reportedSinkUppers.delete(id);
      sink.sink.stop();
      sink.errSink.stop();
      this.releaseExport(sink.dataflow, id);
      this.rejectWaiters(id);
    }
  }

  private dropSubscribe(id: GlobalId): void {
    const sub = this.subscribes.get(id);
    if (sub === undefined) return;
    this.subscribes.delete(id);
    sub.sub.stop();
    this.releaseExport(sub.dataflow, id);
    this.rejectWaiters(id);
  }

  private releaseExport(df: DataflowState, id: GlobalId): void {
    df.exports.delete(id);
    this.maybeDrop(df);
  }

  private maybeDrop(df: DataflowState): void {
    if (!df.dropped && df.exports.size === 0 && df.importers === 0) this.dropDataflow(df, false);
  }

  private dropDataflow(df: DataflowState, force: boolean): void {
    if (df.dropped) return;
    if (!force && (df.exports.size > 0 || df.importers > 0)) return;
    df.dropped = true;
    for (const s of df.sources) s.stop();
    for (const op of df.ctx.operators) op.drop();
    for (const up of df.imports) {
      up.importers--;
      this.maybeDrop(up);
    }
    this.logger.debug({ dataflow: df.name }, 'compute: dataflow dropped');
  }

  private rejectWaiters(id: GlobalId): void {
    for (let i = this.upperWaiters.length - 1; i >= 0; i--) {
      const w = this.upperWaiters[i]!;
      if (w.id === id) {
        this.upperWaiters.splice(i, 1);
        w.reject(new SqlError(SqlState.undefinedObject, `compute collection ${id} was dropped`));
      }
    }
  }

  private reportUpper(id: GlobalId, upper: Frontier): void {
    if (this.reportedSinkUppers.get(id) === upper) return;
    this.reportedSinkUppers.set(id, upper);
    this.respond({ kind: 'Frontiers', id, upper });
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (let i = this.upperWaiters.length - 1; i >= 0; i--) {
      const w = this.upperWaiters[i]!;
      if (fromFrontier(this.upper(w.id)) > w.t) {
        this.upperWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private afterWork(): void {
    for (const [id, idx] of this.indexes) {
      const u = indexUpper(idx);
      if (u !== idx.reported) {
        idx.reported = u;
        this.respond({ kind: 'Frontiers', id, upper: toFrontier(u) });
      }
    }
    this.wakeWaiters();
    this.servePeeks();
  }

  private servePeeks(): void {
    for (const p of [...this.peeks.values()]) {
      const idx = this.indexes.get(p.indexId);
      let result: { rows: Row[] } | { error: SqlError } | undefined;
      if (idx === undefined) {
        result = { error: new SqlError(SqlState.undefinedObject, `peek of unknown index ${p.indexId}`) };
      } else if (p.asOf < idx.since) {
        result = { error: new SqlError(SqlState.internalError, `internal error: peek at ${p.asOf} is before index ${p.indexId}'s since ${idx.since}`) };
      } else if (indexUpper(idx) > p.asOf) {
        result = readIndex(idx, p);
      }
      if (result !== undefined) {
        this.peeks.delete(p.uuid);
        this.respond({ kind: 'PeekResponse', uuid: p.uuid, result });
      }
    }
  }
}

function indexUpper(idx: IndexState): number {
  return Math.min(idx.oks.frontier, idx.errs.frontier);
}

function readIndex(idx: IndexState, p: PendingPeek): { rows: Row[] } | { error: SqlError } {
  try {
    const errs = idx.errs.trace.readAt(p.asOf).filter(([, c]) => c > 0);
    if (errs.length > 0) {
      errs.sort((a, b) => compareRows(a[0], b[0]));
      return { error: errorFromRow(errs[0]![0]) };
    }
    return { rows: applyFinishing(expandCounts(readArrangement(idx.oks, p.asOf, p.key)), p.finishing) };
  } catch (err) {
    return { error: toSqlError(err) };
  }
}

function readArrangement(a: Arrangement, asOf: number, key: Row | undefined): [Row, number][] {
  return a.trace.readAt(asOf, key);
}
