/**
 * Temporal filters over time (materialize-surface.md §3 "mz_now and temporal filters"): logical time
 * advances while nothing is written, so a row of `WHERE mz_now() < until` leaves a materialized view
 * and an indexed view by itself, and a SUBSCRIBE reports its retraction at exactly `until`.
 * sql-tests/temporal.slt covers the restrictions and the deterministic (AS OF) histories.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcess, startInProcess } from '../support/in-process.ts';

let tributary: InProcess;
let c: pg.Client;

beforeAll(async () => {
  tributary = await startInProcess();
  c = tributary.client;
}, 60_000);

afterAll(async () => {
  await tributary?.close();
});

const ids = async (sql: string): Promise<number[]> => (await c.query(sql)).rows.map((r: { id: number }) => r.id).sort();

describe('temporal filters as time passes', () => {
  it('rows expire from a materialized view, an indexed view and a SUBSCRIBE with no writes', async () => {
    await c.query('CREATE TABLE e (id int, until numeric)');
    await c.query('CREATE MATERIALIZED VIEW live AS SELECT id FROM e WHERE mz_now() < until');
    await c.query('CREATE VIEW live_v AS SELECT id FROM e WHERE mz_now() < until');
    await c.query('CREATE INDEX live_v_idx ON live_v (id)');
    const until = Date.now() + 1500;
    await c.query(`INSERT INTO e VALUES (1, ${until}), (2, ${Date.now() + 3_600_000})`);
    expect(await ids('SELECT id FROM live')).toEqual([1, 2]);
    expect(await ids('SELECT id FROM live_v')).toEqual([1, 2]);

    await c.query('BEGIN');
    await c.query('DECLARE s CURSOR FOR SUBSCRIBE live WITH (SNAPSHOT = false)');
    const seen: { mz_timestamp: string; mz_diff: string; id: number }[] = [];
    const deadline = Date.now() + 10_000;
    while (seen.length === 0 && Date.now() < deadline) {
      seen.push(...(await c.query("FETCH ALL s WITH (timeout = '1s')")).rows);
    }
    await c.query('COMMIT');
    // The retraction is at the row's own time, not at whatever time a write happened to come.
    expect(seen).toEqual([{ mz_timestamp: String(until), mz_diff: '-1', id: 1 }]);

    expect(await ids('SELECT id FROM live')).toEqual([2]);
    expect(await ids('SELECT id FROM live_v')).toEqual([2]);
    expect(await ids('SELECT id FROM e WHERE mz_now() < until')).toEqual([2]);
  }, 30_000);

  it('EXPLAIN TIMESTAMP shows the decision in Materialize\'s layout, with its reasons', async () => {
    await c.query('CREATE TABLE x (a int)');
    await c.query('INSERT INTO x VALUES (1)');
    const text = (await c.query('EXPLAIN TIMESTAMP FOR SELECT * FROM x')).rows[0].Timestamp as string;
    const t = String.raw`(\d+) \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\)`;
    const m = new RegExp([
      String.raw`^                query timestamp: ${t}`,
      String.raw`          oracle read timestamp: ${t}`,
      String.raw`largest not in advance of upper: ${t}`,
      String.raw`                          upper:\[${t}\]`,
      String.raw`                          since:\[${t}\]`,
      String.raw`        can respond immediately: (true|false)`,
      String.raw`                       timeline: Some\(EpochMilliseconds\)`,
      '',
      String.raw`reason: since of the inputs is \d+`,
    ].join('\n')).exec(text);
    expect(m, text).not.toBeNull();
    const [query, oracle, largest, upper, since] = m!.slice(1, 6).map(Number) as [number, number, number, number, number];
    // Strict serializable: at the oracle's read time, within the inputs' history.
    expect(query).toBe(oracle);
    expect(largest).toBe(upper - 1);
    expect(since).toBeLessThanOrEqual(query);
    expect(m![6]).toBe(String(query < upper));

    const constant = (await c.query('EXPLAIN TIMESTAMP FOR SELECT 1')).rows[0].Timestamp as string;
    expect(constant).toContain('                       timeline: None');
    expect(constant).toContain('        can respond immediately: true');
  });

  it('a plain SUBSCRIBE statement (simple protocol) streams rows and completes at UP TO', async () => {
    await c.query("CREATE VIEW windows AS SELECT * FROM (VALUES (100, 'joe'), (200, 'amy')) t(ts, name) WHERE mz_now() >= ts AND mz_now() < ts + 50");
    const r = await c.query({ text: 'SUBSCRIBE windows AS OF 0 UP TO 300', rowMode: 'array' });
    expect(r.command).toBe('SUBSCRIBE');
    expect(r.fields.map((f) => f.name)).toEqual(['mz_timestamp', 'mz_diff', 'ts', 'name']);
    expect(r.rows).toEqual([['100', '1', 100, 'joe'], ['150', '-1', 100, 'joe'], ['200', '1', 200, 'amy'], ['250', '-1', 200, 'amy']]);
  });
});
