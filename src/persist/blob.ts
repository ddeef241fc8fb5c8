/**
 * `Blob`: durable, immutable values by key (persist's batch files). Keys are written once and never
 * overwritten with different contents, so a backend needs no compare-and-set, only atomic `set`
 * (a reader sees the whole value or nothing) and durability once `set` resolves.
 * Backends: memory.ts (tests), fs-blob.ts (embedded default); an S3 backend implements the same.
 */

export interface Blob {
  /** What this backend is, for logs (e.g. `fs:/var/lib/tributary/blob`). */
  readonly name: string;
  /** The value, or undefined if the key does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores `value` atomically; resolves once it is durable. */
  set(key: string, value: Uint8Array): Promise<void>;
  /** Removes the key; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** All keys starting with `prefix`, in no particular order. */
  list(prefix: string): Promise<string[]>;
  /** Where the key lives, for error messages (a file path, an object URL). */
  describe(key: string): string;
  close(): Promise<void>;
}
