/**
 * The time suite's load generators against a real server process: every paced INSERT comes back
 * through SUBSCRIBE exactly once, and a closed loop's count matches the rows the server holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, closedLoop, connections, measureFreshness, percentile, startTributary, type Tributary } from './load.ts';

describe('percentile', () => {
  it('is nearest-rank over unsorted input', () => {
    const xs = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 99)).toBe(10);
    expect(percentile(xs, 100)).toBe(10);
    expect(percentile(xs, 1)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('against a server', () => {
  let server: Tributary;
  beforeAll(async () => {
    server = await startTributary();
    const [c] = connections(server.url, 1);
    await c!.unsafe('CREATE TABLE fresh (id int8)');
    await c!.unsafe('CREATE TABLE ins (id int8)');
    await closeAll([c!]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('measures freshness for every offered row', async () => {
    const f = await measureFreshness(server.url, 'fresh', 200, 300, 4);
    expect(f.offered).toBe(60);
    // A loaded machine may not send them all within the phase's 2× cutoff; every row sent must
    // arrive (measureFreshness throws otherwise), each with both latencies.
    expect(f.ackToRow.length).toBeGreaterThan(0);
    expect(f.ackToRow.length).toBeLessThanOrEqual(60);
    expect(f.sendToRow).toHaveLength(f.ackToRow.length);
    // A row cannot reach the subscriber before its INSERT was sent.
    for (const x of f.sendToRow) expect(x).toBeGreaterThan(0);
  });

  it('counts closed-loop statements the server acknowledged', async () => {
    const conns = connections(server.url, 2);
    const r = await closedLoop(conns, 300, async (conn, w, i) => {
      await conn.unsafe('INSERT INTO ins VALUES ($1)', [w * 1e6 + i], { prepare: true });
    });
    const n = await conns[0]!.unsafe<{ n: string }[]>('SELECT count(*)::text AS n FROM ins');
    await closeAll(conns);
    expect(r.count).toBeGreaterThan(0);
    expect(Number(n[0]!.n)).toBe(r.count);
    expect(r.perS).toBeGreaterThan(0);
  });
});
