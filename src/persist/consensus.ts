/**
 * `Consensus`: a versioned register per key with compare-and-set, holding each shard's small state
 * (and the fencing epoch). Versions are numbered 1, 2, 3, ... without gaps; `compareAndSet` writes
 * version `expected + 1` iff the current head is `expected` (undefined: the key has no versions).
 * This linearizable CAS is what makes two writers unable to interleave silently.
 * Backends: memory.ts (tests), fs-consensus.ts (embedded default); a PostgreSQL backend implements
 * the same (`UPDATE ... WHERE seqno = $expected` in one transaction).
 */

export interface VersionedData {
  readonly seqNo: number;
  readonly data: Uint8Array;
}

/**
 * A fencing precondition: the write happens only if `key`'s head seqNo is exactly `seqNo` (the
 * writer's epoch is still the newest). Checked atomically with the compare-and-set.
 */
export interface Fence {
  readonly key: string;
  readonly seqNo: number;
}

export type CasResult =
  | { ok: true }
  | { ok: false; current: VersionedData | undefined }
  /** The fence failed: `fencedBy` is the fence key's current head seqNo (a newer epoch). */
  | { ok: false; fencedBy: number };

export interface Consensus {
  /** What this backend is, for logs. */
  readonly name: string;
  /** The latest version of `key`, or undefined if it has none. */
  head(key: string): Promise<VersionedData | undefined>;
  /**
   * Writes `next` iff the head's seqNo is `expected` (undefined = no versions yet). `next.seqNo`
   * must be `(expected ?? 0) + 1`. Resolves once durable. On mismatch returns the current head.
   * With a `fence`, also requires the fence key's head to be `fence.seqNo`, atomically.
   */
  compareAndSet(key: string, expected: number | undefined, next: VersionedData, fence?: Fence): Promise<CasResult>;
  /** Versions with seqNo >= from, ascending (at most `limit`). Truncated versions are gone. */
  scan(key: string, from: number, limit?: number): Promise<VersionedData[]>;
  /**
   * Removes versions with seqNo < upTo (upTo must be <= the head's seqNo, so the head is never
   * removed). A backend may keep a few more recent versions than asked. Returns how many went.
   */
  truncate(key: string, upTo: number): Promise<number>;
  /** Keys that have at least one version. */
  list(): Promise<string[]>;
  close(): Promise<void>;
}

/** Every backend's argument check: versions are consecutive. */
export function checkNextSeqNo(expected: number | undefined, next: VersionedData): void {
  if (next.seqNo !== (expected ?? 0) + 1) {
    throw new Error(`internal error: compareAndSet expected ${expected} but next.seqNo is ${next.seqNo}`);
  }
}
