import { describe, expect, it } from 'vitest';
import { ts } from '../repr/index.ts';
import { TimestampOracle } from './oracle.ts';
import { determineTimestamp, readFrontiers } from './timestamp-selection.ts';

describe('determineTimestamp', () => {
  it('strict serializable reads at the oracle read timestamp even if inputs are not complete yet', () => {
    const d = determineTimestamp({ since: ts(10), upper: ts(50), oracleReadTs: ts(100), isolation: 'strict serializable' });
    expect(d).toMatchObject({ ok: 100, respondImmediately: false });
  });

  it('serializable reads at the largest complete time when that is later than since', () => {
    const d = determineTimestamp({ since: ts(10), upper: ts(50), oracleReadTs: ts(100), isolation: 'serializable' });
    expect(d).toMatchObject({ ok: 49, respondImmediately: true });
  });

  it('never reads before since', () => {
    const d = determineTimestamp({ since: ts(200), upper: ts(300), oracleReadTs: ts(100), isolation: 'strict serializable' });
    expect(d).toMatchObject({ ok: 200 });
  });

  it('AS OF a compacted time is an error naming the time', () => {
    const d = determineTimestamp({ since: ts(200), upper: ts(300), isolation: 'strict serializable', asOf: { ts: 5, atLeast: false } });
    expect('error' in d && d.error.message).toBe('Timestamp (5) is not valid for all inputs: [200]');
  });

  it('AS OF AT LEAST picks the later of the request and the oracle', () => {
    const d = determineTimestamp({ since: ts(0), upper: ts(300), oracleReadTs: ts(100), isolation: 'strict serializable', asOf: { ts: 150, atLeast: true } });
    expect(d).toMatchObject({ ok: 150 });
  });

  it('a pinned transaction timestamp wins and the reasons say so', () => {
    const d = determineTimestamp({ since: ts(0), upper: ts(300), oracleReadTs: ts(250), isolation: 'strict serializable', pinned: ts(120) });
    expect(d).toMatchObject({ ok: 120 });
    expect('reasons' in d && d.reasons.join()).toContain('already reads at 120');
  });
});

describe('TimestampOracle', () => {
  it('hands out strictly increasing write timestamps even when the clock stands still or goes back', () => {
    let now = 1000;
    const oracle = new TimestampOracle(ts(5000), () => now);
    const a = oracle.writeTs();
    now = 10;
    const b = oracle.writeTs();
    expect(a).toBe(5001);
    expect(b).toBe(5002);
  });

  it('follows the wall clock when it is ahead', () => {
    const oracle = new TimestampOracle(ts(0), () => 123456);
    expect(oracle.writeTs()).toBe(123456);
  });

  it('the read timestamp only advances when a write is applied', () => {
    const oracle = new TimestampOracle(ts(0), () => 100);
    const w = oracle.writeTs();
    expect(oracle.readTs()).toBe(0);
    oracle.applyWrite(w);
    expect(oracle.readTs()).toBe(100);
  });
});

describe('closed inputs', () => {
  it('serializable reads of closed inputs read at the present, at once', () => {
    const d = determineTimestamp({ since: ts(10), upper: 'closed', oracleReadTs: ts(100), isolation: 'serializable' });
    expect(d).toMatchObject({ ok: 100, respondImmediately: true });
  });
});

describe('readFrontiers', () => {
  const stored = { since: ts(900), upper: ts(1000) };
  it('reads through an index that retains more history than storage', () => {
    const r = readFrontiers([{ name: 'v', stored, index: { name: 'v_idx', since: ts(100), upper: ts(990) } }, { name: 't', stored: { since: ts(50), upper: ts(1005) } }]);
    expect(r).toMatchObject({ since: 100, upper: 990 });
    expect(r.reasons).toEqual(['v is read through index v_idx, which retains history from 100']);
    const d = determineTimestamp({ since: r.since, upper: r.upper, isolation: 'strict serializable', asOf: { ts: 150, atLeast: false }, inputReasons: r.reasons });
    expect(d).toMatchObject({ ok: 150 });
    expect('reasons' in d && d.reasons).toEqual(['v is read through index v_idx, which retains history from 100', 'AS OF 150 was requested']);
  });

  it('keeps storage\'s frontiers when the index has no older history', () => {
    const plain = (r: ReturnType<typeof readFrontiers>) => ({ since: r.since, upper: r.upper, reasons: r.reasons });
    expect(plain(readFrontiers([{ name: 'v', stored, index: { name: 'v_idx', since: ts(950), upper: ts(990) } }]))).toEqual({ since: 900, upper: 1000, reasons: [] });
    expect(plain(readFrontiers([{ name: 'v', stored, index: { name: 'v_idx', since: 'closed', upper: 'closed' } }]))).toEqual({ since: 900, upper: 1000, reasons: [] });
  });

  it('builds the reasons only when they are read, the same each time', () => {
    let calls = 0;
    const inputReasons = (): readonly string[] => {
      calls++;
      return ['from the inputs'];
    };
    const d = determineTimestamp({ since: ts(10), upper: ts(50), oracleReadTs: ts(40), isolation: 'strict serializable', inputReasons });
    expect(d).toHaveProperty('ok', 40);
    expect(calls).toBe(0);
    const expected = ['from the inputs', 'since of the inputs is 10', 'strict serializable: the oracle read timestamp is 40'];
    expect('reasons' in d && d.reasons).toEqual(expected);
    expect('reasons' in d && d.reasons).toEqual(expected);
    expect(calls).toBe(2);
  });

  it('is neutral without inputs', () => {
    const r = readFrontiers([]);
    expect([r.since, r.upper, r.reasons]).toEqual([0, 'closed', []]);
  });
});
