/**
 * An index's RETAIN HISTORY serves SELECT ... AS OF through the index: timestamp selection uses the
 * frontiers of the index that serves the read (timestamp-selection.ts `readFrontiers`), so a view's
 * past is readable for as long as its index keeps it, even when its inputs keep only 1s.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcess, startInProcess } from '../../test/support/in-process.ts';

let tributary: InProcess;
let c: pg.Client;

beforeAll(async () => {
  tributary = await startInProcess();
  c = tributary.client;
}, 60_000);

afterAll(async () => {
  await tributary?.close();
});

const rows = async (sql: string): Promise<unknown[][]> => (await c.query({ text: sql, rowMode: 'array' })).rows as unknown[][];
const readTs = async (from: string): Promise<bigint> => BigInt((await rows(`SELECT mz_now()::text FROM ${from} LIMIT 1`))[0]![0] as string);

/** Retries `sql` until it fails (or 20 s pass); the assertions that follow say how it must fail. */
async function untilRejected(sql: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const failed = await c.query(sql).then(() => false, () => true);
    if (failed) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('SELECT ... AS OF through an index with RETAIN HISTORY', () => {
  it('answers exactly at a time inside the index\'s window, past its inputs\' own', async () => {
    await c.query('CREATE TABLE t (a int)');
    await c.query('CREATE VIEW v AS SELECT a, a * 10 AS b FROM t');
    await c.query('CREATE VIEW plain AS SELECT a + 1 AS c FROM t');
    await c.query('INSERT INTO t VALUES (1)');
    const beforeIndex = await readTs('t');
    await new Promise((r) => setTimeout(r, 50));
    // The view's first index keeps only the default 1s: reads must find the one that reaches back.
    await c.query('CREATE INDEX v_first ON v (b)');
    await c.query("CREATE INDEX v_idx ON v (a) WITH (RETAIN HISTORY FOR '1h')");
    await c.query('CREATE INDEX plain_idx ON plain (c)');
    await c.query('INSERT INTO t VALUES (2)');
    const t1 = await readTs('v');
    await c.query('INSERT INTO t VALUES (3)');
    await c.query('DELETE FROM t WHERE a = 1');
    // Wait until compaction has moved t and plain_idx (default 1s window) past t1. Under load a
    // compaction round can come later than the window itself, so poll instead of sleeping.
    await untilRejected(`SELECT a FROM t AS OF ${t1}`);
    await untilRejected(`SELECT c FROM plain AS OF ${t1}`);

    // Fast path (the index peeked directly), a key lookup, and a dataflow importing the index.
    expect(await rows(`SELECT a, b FROM v ORDER BY a AS OF ${t1}`)).toEqual([[1, 10], [2, 20]]);
    expect(await rows(`SELECT b FROM v WHERE a = 1 AS OF ${t1}`)).toEqual([[10]]);
    expect(await rows(`SELECT count(*)::int, sum(b)::int FROM v AS OF ${t1}`)).toEqual([[2, 30]]);
    expect(await rows('SELECT a FROM v ORDER BY a')).toEqual([[2], [3]]);

    const explain = (await rows(`EXPLAIN TIMESTAMP FOR SELECT * FROM v AS OF ${t1}`))[0]![0] as string;
    expect(explain).toMatch(/reason: v is read through index v_idx, which retains history from \d+/);
    expect(explain).toContain(`query timestamp: ${t1}`);

    // The base table, a view whose index keeps the default 1s, and a time before the index existed: compacted.
    const invalid = { message: expect.stringMatching(/^Timestamp \(\d+\) is not valid for all inputs/) };
    await expect(c.query(`SELECT a FROM t AS OF ${t1}`)).rejects.toMatchObject(invalid);
    await expect(c.query(`SELECT c FROM plain AS OF ${t1}`)).rejects.toMatchObject(invalid);
    await expect(c.query(`SELECT a FROM v AS OF ${beforeIndex}`)).rejects.toMatchObject(invalid);
    // A join of the indexed view with its compacted base table cannot go back either.
    await expect(c.query(`SELECT * FROM v JOIN t USING (a) AS OF ${t1}`)).rejects.toMatchObject(invalid);
    // SUBSCRIBE reads storage, so its AS OF is held to the inputs' history.
    await c.query('BEGIN');
    await expect(c.query(`DECLARE s CURSOR FOR SUBSCRIBE v AS OF ${t1}`)).rejects.toMatchObject(invalid);
    await c.query('ROLLBACK');
  }, 30_000);
});
