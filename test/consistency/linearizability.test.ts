/**
 * Linearizability of reads and writes under strict serializability: concurrent writers and readers
 * on many connections; a checker verifies that every read is consistent with one total order that
 * respects real time. Writes insert unique ids (single rows, and pairs in one transaction); reads
 * return the set of ids present. Because writes only add, the order is checkable from the sets:
 *  - every pair of reads is ordered by inclusion (one total order of visible states);
 *  - a write acknowledged before a read began is in that read (no stale reads);
 *  - a read that finished before another began saw a subset of what the later one saw;
 *  - a read never contains a write that had not been issued when the read finished;
 *  - both ids of a transaction are visible together or not at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

const CONNECTIONS = 8;
const OPS_PER_CONNECTION = Number(process.env.LINEARIZABILITY_OPS ?? 250);

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  await c.query('CREATE TABLE log (id int)');
  await c.query('CREATE MATERIALIZED VIEW log_mv AS SELECT id FROM log');
  await c.end();
});

afterAll(async () => {
  await server?.dispose();
});

interface Write { readonly ids: readonly number[]; readonly start: number; readonly end: number }
interface Read { readonly seen: ReadonlySet<number>; readonly start: number; readonly end: number; readonly from: string }

describe('linearizability', () => {
  it('every read fits one total order that respects real time', async () => {
    const writes: Write[] = [];
    const reads: Read[] = [];
    let nextId = 1;
    // Monotonic clock for real-time order (hrtime is immune to wall-clock steps).
    const now = (): number => Number(process.hrtime.bigint());
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };

    const worker = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      try {
        for (let i = 0; i < OPS_PER_CONNECTION; i++) {
          const r = random();
          if (r < 0.35) {
            const id = nextId++;
            const start = now();
            await c.query('INSERT INTO log VALUES ($1)', [id]);
            writes.push({ ids: [id], start, end: now() });
          } else if (r < 0.45) {
            const a = nextId++;
            const b = nextId++;
            const start = now();
            await c.query('BEGIN');
            await c.query('INSERT INTO log VALUES ($1)', [a]);
            await c.query('INSERT INTO log VALUES ($1)', [b]);
            await c.query('COMMIT');
            writes.push({ ids: [a, b], start, end: now() });
          } else {
            const from = r < 0.75 ? 'log' : 'log_mv';
            const start = now();
            const res = await c.query({ text: `SELECT id FROM ${from}`, rowMode: 'array' });
            reads.push({ seen: new Set((res.rows as number[][]).map((row) => row[0]!)), start, end: now(), from });
          }
        }
      } finally {
        await c.end();
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));

    expect(writes.length + reads.length).toBe(CONNECTIONS * OPS_PER_CONNECTION);
    const violations: string[] = [];
    const sorted = [...reads].sort((a, b) => a.seen.size - b.seen.size);
    for (let i = 1; i < sorted.length; i++) {
      const small = sorted[i - 1]!;
      const big = sorted[i]!;
      for (const id of small.seen) if (!big.seen.has(id)) { violations.push(`reads not totally ordered: ${id} seen by a smaller read but not a larger one`); break; }
    }
    for (const r of reads) {
      for (const w of writes) {
        const visible = w.ids.map((id) => r.seen.has(id));
        if (visible.some((v) => v !== visible[0])) violations.push(`transaction ${w.ids.join('+')} half visible in a read of ${r.from}`);
        if (w.end < r.start && !visible[0]) violations.push(`stale read of ${r.from}: write ${w.ids.join('+')} acknowledged before the read began is missing`);
        if (w.start > r.end && visible[0]) violations.push(`read of ${r.from} saw write ${w.ids.join('+')} issued after it finished`);
      }
    }
    for (const r1 of reads) {
      for (const r2 of reads) {
        if (r1.end >= r2.start) continue;
        for (const id of r1.seen) if (!r2.seen.has(id)) { violations.push(`a later read lost id ${id} that an earlier read saw`); break; }
      }
    }
    expect(violations.slice(0, 10)).toEqual([]);
    expect(reads.length).toBeGreaterThan(100);
  }, 300_000);
});
