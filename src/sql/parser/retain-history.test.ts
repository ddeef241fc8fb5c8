import { beforeAll, describe, expect, it } from 'vitest';
import { initParser } from './index.ts';
import { retainHistoryMs, retainHistoryOf, withRetainHistory } from './retain-history.ts';

beforeAll(async () => {
  await initParser();
});

describe('RETAIN HISTORY durations', () => {
  it('reads strings, interval literals and numbers of seconds', () => {
    expect(retainHistoryMs("'1h'")).toBe(3_600_000);
    expect(retainHistoryMs("'1ms'")).toBe(1);
    expect(retainHistoryMs("INTERVAL '2' DAY")).toBe(2 * 86_400_000);
    expect(retainHistoryMs('90')).toBe(90_000);
    expect(retainHistoryMs("'0'")).toBe(0);
  });

  it('rejects what is not a non-negative interval', () => {
    expect(() => retainHistoryMs("'-1s'")).toThrow(/invalid RETAIN HISTORY duration/);
    expect(() => retainHistoryMs("'soon'")).toThrow(/invalid RETAIN HISTORY duration/);
    expect(() => retainHistoryMs('a + b')).toThrow(/invalid RETAIN HISTORY duration/);
  });
});

describe('retainHistoryOf', () => {
  it('finds the option in each kind of CREATE', () => {
    expect(retainHistoryOf("CREATE TABLE t (a int) WITH (RETAIN HISTORY FOR '1m')", 'table')).toBe(60_000);
    expect(retainHistoryOf("CREATE MATERIALIZED VIEW mv IN CLUSTER c WITH (RETAIN HISTORY = FOR '2s') AS SELECT 1", 'materialized-view')).toBe(2000);
    expect(retainHistoryOf("CREATE INDEX i ON t (a) WITH (RETAIN HISTORY FOR '3s')", 'index')).toBe(3000);
    expect(retainHistoryOf("CREATE SOURCE s FROM LOAD GENERATOR COUNTER (TICK INTERVAL '1s') WITH (RETAIN HISTORY FOR '4s')", 'source')).toBe(4000);
    expect(retainHistoryOf('CREATE TABLE t (a int)', 'table')).toBeUndefined();
  });

  it('never reads a materialized view\'s query', () => {
    expect(retainHistoryOf('CREATE MATERIALIZED VIEW mv AS WITH x AS (SELECT 1) SELECT * FROM x', 'materialized-view')).toBeUndefined();
  });
});

describe('withRetainHistory', () => {
  it('adds the option where Materialize prints it', () => {
    expect(withRetainHistory('CREATE MATERIALIZED VIEW mv IN CLUSTER c AS SELECT 1', 'materialized-view', "'1h'"))
      .toBe("CREATE MATERIALIZED VIEW mv IN CLUSTER c WITH (RETAIN HISTORY = FOR '1h') AS SELECT 1");
    expect(withRetainHistory('CREATE INDEX i ON t (a)', 'index', "'5m'")).toBe("CREATE INDEX i ON t (a) WITH (RETAIN HISTORY = FOR '5m')");
  });

  it('replaces an existing window and keeps other options', () => {
    expect(withRetainHistory("CREATE MATERIALIZED VIEW mv WITH (ASSERT NOT NULL a, RETAIN HISTORY FOR '1h') AS SELECT 1 AS a", 'materialized-view', "'2h'"))
      .toBe("CREATE MATERIALIZED VIEW mv WITH (ASSERT NOT NULL a, RETAIN HISTORY = FOR '2h') AS SELECT 1 AS a");
  });

  it('RESET removes the option, and an emptied WITH list', () => {
    expect(withRetainHistory("CREATE TABLE t (a int) WITH (RETAIN HISTORY FOR '1h')", 'table', undefined)).toBe('CREATE TABLE t (a int)');
    expect(withRetainHistory('CREATE TABLE t (a int)', 'table', undefined)).toBe('CREATE TABLE t (a int)');
  });
});
