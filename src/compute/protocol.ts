/**
 * The adapter ↔ compute boundary as plain data: commands the adapter sends, responses compute
 * sends back. Everything here is serialisable in principle (rows, ids, times), so a transport can
 * carry the same commands to a compute process later (DESIGN.md §2, §9).
 */
import type { GlobalId, MirRelationExpr, MirScalarExpr, RowSetFinishing } from '../expr/index.ts';
import type { Frontier, Row, ScalarType, Timestamp, Update } from '../repr/index.ts';
import type { SqlError } from '../util/index.ts';

export interface DataflowDescription {
  readonly debugName: string;
  /** Persisted collections read by the dataflow (tables, materialized views, sources): snapshot at asOf, then listen. */
  readonly sourceImports: readonly { readonly id: GlobalId; readonly shardId: string; readonly types: readonly ScalarType[] }[];
  /** Existing indexes used as inputs (their arrangements are shared, not copied). A `get` of `on` in a plan may read the index. */
  readonly indexImports: readonly { readonly indexId: GlobalId; readonly on: GlobalId }[];
  /** Views built inside the dataflow, in dependency order; later objects and exports `get` them by id. */
  readonly objectsToBuild: readonly { readonly id: GlobalId; readonly plan: MirRelationExpr }[];
  /** Arrangements to keep and serve peeks from (CREATE INDEX, and transient indexes of one-shot SELECTs). */
  readonly indexExports: readonly { readonly id: GlobalId; readonly on: GlobalId; readonly keys: readonly MirScalarExpr[] }[];
  /** Materialized views: write the collection `from` to a persist shard, self-correcting (see mv-sink.ts). */
  readonly sinkExports: readonly { readonly id: GlobalId; readonly from: GlobalId; readonly shardId: string }[];
  /**
   * SUBSCRIBE: stream the changes of the collection `from` as `SubscribeResponse`s, in time order:
   * first the contents at asOf (as updates at asOf), then each closed time's changes. With `upTo`,
   * only times < upTo are sent and the subscribe ends once its upper reaches upTo.
   */
  readonly subscribeExports?: readonly { readonly id: GlobalId; readonly from: GlobalId; readonly upTo?: Timestamp }[];
  /** Inputs are read as of this time; outputs are correct for all times >= asOf. */
  readonly asOf: Timestamp;
}

export type ComputeCommand =
  /**
   * Builds a dataflow. Requires: every source import's shard readable at asOf (since <= asOf), every
   * index import exported by an earlier dataflow and not dropped, with since <= asOf. Compute owes a
   * `Frontiers` response for each index and sink export as its upper advances. A plan compute
   * cannot render (e.g. an unsupported aggregate) makes `send` throw that SqlError synchronously
   * and creates nothing.
   */
  | { readonly kind: 'CreateDataflow'; readonly dataflow: DataflowDescription }
  /**
   * Allows compaction of an index export's history up to `frontier` (peeks at earlier times become
   * invalid); for sink and subscribe exports only 'closed' means anything. 'closed' drops the export
   * (a canceled subscribe gets no further responses), and the dataflow once none of its exports remains.
   */
  | { readonly kind: 'AllowCompaction'; readonly id: GlobalId; readonly frontier: Frontier }
  /**
   * Reads index `indexId` at `asOf` (waiting until its upper > asOf) and answers with a
   * `PeekResponse` carrying the finished rows, or the error if the errors collection is non-empty
   * at asOf. Requires since <= asOf. `key` restricts the read to one index key.
   */
  | { readonly kind: 'Peek'; readonly uuid: string; readonly indexId: GlobalId; readonly asOf: Timestamp; readonly finishing: RowSetFinishing; readonly key?: Row }
  /** Cancels a pending peek; compute answers its `PeekResponse` with 'canceled' (if not answered yet). */
  | { readonly kind: 'CancelPeek'; readonly uuid: string };

export type ComputeResponse =
  /** The upper of an index export or a sink export (a sink's upper is its shard's upper) advanced. */
  | { readonly kind: 'Frontiers'; readonly id: GlobalId; readonly upper: Frontier }
  /** The answer to exactly one Peek. */
  | { readonly kind: 'PeekResponse'; readonly uuid: string; readonly result: { readonly rows: Row[] } | { readonly error: SqlError } | 'canceled' }
  /**
   * Progress of a subscribe export: every update at a time in [lower, upper), consolidated and sorted
   * by time (the first batch has lower = asOf and holds the snapshot). Batches are contiguous. An
   * `error` (the collection's errors became non-empty) ends the subscribe, as does reaching `upTo`
   * (the last batch has upper = upTo); the export is then gone (no AllowCompaction needed).
   */
  | { readonly kind: 'SubscribeResponse'; readonly id: GlobalId; readonly batch: { readonly lower: Timestamp; readonly upper: Frontier; readonly updates: Update[] } | { readonly error: SqlError } };
