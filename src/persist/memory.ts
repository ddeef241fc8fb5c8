/**
 * In-memory Blob and Consensus, for tests and ephemeral servers. Values are copied in and out so
 * that aliasing cannot hide a bug the durable backends would expose. One `MemoryStore` can back
 * several clients (fencing and reopen tests), like one data directory.
 */
import type { Blob } from './blob.ts';
import { type CasResult, type Consensus, type Fence, type VersionedData, checkNextSeqNo } from './consensus.ts';

export class MemoryBlob implements Blob {
  readonly name = 'memory';
  readonly values = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.values.get(key);
    return v === undefined ? undefined : v.slice();
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    this.values.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.values.keys()].filter((k) => k.startsWith(prefix));
  }

  describe(key: string): string {
    return `memory blob ${key}`;
  }

  async close(): Promise<void> {}
}

export class MemoryConsensus implements Consensus {
  readonly name = 'memory';
  private readonly versions = new Map<string, VersionedData[]>();

  async head(key: string): Promise<VersionedData | undefined> {
    const vs = this.versions.get(key);
    const h = vs?.[vs.length - 1];
    return h && copy(h);
  }

  async compareAndSet(key: string, expected: number | undefined, next: VersionedData, fence?: Fence): Promise<CasResult> {
    checkNextSeqNo(expected, next);
    if (fence !== undefined) {
      const fv = this.versions.get(fence.key);
      const fenceHead = fv?.[fv.length - 1]?.seqNo ?? 0;
      if (fenceHead !== fence.seqNo) return { ok: false, fencedBy: fenceHead };
    }
    const vs = this.versions.get(key) ?? [];
    const head = vs[vs.length - 1];
    if (head?.seqNo !== expected) return { ok: false, current: head && copy(head) };
    vs.push(copy(next));
    this.versions.set(key, vs);
    return { ok: true };
  }

  async scan(key: string, from: number, limit = Infinity): Promise<VersionedData[]> {
    return (this.versions.get(key) ?? []).filter((v) => v.seqNo >= from).slice(0, limit).map(copy);
  }

  async truncate(key: string, upTo: number): Promise<number> {
    const vs = this.versions.get(key) ?? [];
    const head = vs[vs.length - 1];
    if (head === undefined || upTo > head.seqNo) throw new Error(`internal error: truncate(${key}, ${upTo}) beyond head ${head?.seqNo}`);
    const keep = vs.filter((v) => v.seqNo >= upTo);
    this.versions.set(key, keep);
    return vs.length - keep.length;
  }

  async list(): Promise<string[]> {
    return [...this.versions.entries()].filter(([, vs]) => vs.length > 0).map(([k]) => k);
  }

  async close(): Promise<void> {}
}

/** A Blob and Consensus pair that outlives clients, standing in for a data directory. */
export class MemoryStore {
  readonly blob = new MemoryBlob();
  readonly consensus = new MemoryConsensus();
}

function copy(v: VersionedData): VersionedData {
  return { seqNo: v.seqNo, data: v.data.slice() };
}

