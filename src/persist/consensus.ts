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

export type CasResult = { ok: true } | { ok: false; current: VersionedData | undefined };

export interface Consensus {
  /** What this backend is, for logs. */
  readonly name: string;
  /** The latest version of `key`, or undefined if it has none. */
  head(key: string): Promise<VersionedData | undefined>;
  /**
   * Writes `next` iff the head's seqNo is `expected` (undefined = no versions yet). `next.seqNo`
   * must be `(expected ?? 0) + 1`. Resolves once durable. On mismatch returns the current head.
   */
  compareAndSet(key: string, expected: number | undefined, next: VersionedData): Promise<CasResult>;
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
