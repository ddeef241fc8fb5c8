/**
 * A shard's durable state, the value its Consensus key holds: frontiers plus the description of
 * every batch (its blob key and time bounds). Stored as checked JSON (small: compaction bounds the
 * number of batches). Batches are listed in append order; batch i's times lie in
 * [lower, upper), forwarded to at least its `since` if it was written by compaction.
 * Invariant: every batch is consolidated per (row, time) — no two updates share both, no zero
 * diffs — which snapshot relies on (a batch with minTime === maxTime holds each row once).
 */
import { type Frontier, type Timestamp, dataCorrupted } from '../repr/index.ts';

export interface BatchDesc {
  /** Blob key holding the encoded updates (for an inline batch, just a unique name). */
  readonly key: string;
  /** The encoded updates themselves (base64), for small batches kept in the state: no blob. */
  readonly inline?: string;
  readonly lower: Timestamp;
  readonly upper: Frontier;
  /** Times in the batch were forwarded to at least this (0 for appended batches). */
  readonly since: Timestamp;
  readonly count: number;
  readonly bytes: number;
  readonly minTime: Timestamp;
  readonly maxTime: Timestamp;
}

export interface ShardState {
  readonly shardId: string;
  /** Epoch of the process that wrote this state. */
  readonly epoch: number;
  readonly since: Frontier;
  readonly upper: Frontier;
  /** A dropped shard keeps a tombstone state (consensus keys are never removed outright). */
  readonly dropped: boolean;
  readonly batches: readonly BatchDesc[];
}

const FORMAT = 1;

export function initialState(shardId: string, epoch: number): ShardState {
  return { shardId, epoch, since: 0 as Timestamp, upper: 0 as Timestamp, dropped: false, batches: [] };
}

export function encodeState(s: ShardState): Uint8Array {
  return Buffer.from(JSON.stringify({ format: FORMAT, ...s }), 'utf8');
}

/** Parses and validates a state; anything malformed is XX001 naming `source`. */
export function decodeState(bytes: Uint8Array, source: string): ShardState {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw dataCorrupted(source, 'shard state is not valid JSON');
  }
  const bad = (what: string): never => {
    throw dataCorrupted(source, `shard state: ${what}`);
  };
  if (typeof v !== 'object' || v === null) return bad('not an object');
  const o = v as Record<string, unknown>;
  if (o['format'] !== FORMAT) bad(`unsupported format ${String(o['format'])}`);
  if (typeof o['shardId'] !== 'string') bad('shardId');
  if (!isCount(o['epoch'])) bad('epoch');
  if (!isFrontier(o['since']) || !isFrontier(o['upper'])) bad('frontiers');
  if (typeof o['dropped'] !== 'boolean') bad('dropped');
  if (!Array.isArray(o['batches'])) bad('batches');
  const batches: BatchDesc[] = [];
  for (const b of o['batches'] as unknown[]) {
    if (typeof b !== 'object' || b === null) return bad('batch');
    const d = b as Record<string, unknown>;
    if (typeof d['key'] !== 'string' || !isCount(d['lower']) || !isFrontier(d['upper']) || !isCount(d['since'])
      || !isCount(d['count']) || !isCount(d['bytes']) || !isCount(d['minTime']) || !isCount(d['maxTime'])) bad('batch fields');
    if (d['inline'] !== undefined && typeof d['inline'] !== 'string') bad('inline batch');
    const desc: BatchDesc = {
      key: d['key'] as string, lower: d['lower'] as Timestamp, upper: d['upper'] as Frontier, since: d['since'] as Timestamp,
      count: d['count'] as number, bytes: d['bytes'] as number, minTime: d['minTime'] as Timestamp, maxTime: d['maxTime'] as Timestamp,
    };
    batches.push(typeof d['inline'] === 'string' ? { ...desc, inline: d['inline'] } : desc);
  }
  return {
    shardId: o['shardId'] as string, epoch: o['epoch'] as number, since: o['since'] as Frontier,
    upper: o['upper'] as Frontier, dropped: o['dropped'] as boolean, batches,
  };
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isFrontier(x: unknown): x is Frontier {
  return x === 'closed' || isCount(x);
}
