/** formatText/parseText against PostgreSQL 15's outputs (DateStyle ISO, IntervalStyle postgres, UTC). */
import { describe, expect, it } from 'vitest';
import { SqlError } from '../util/index.ts';
import { Interval } from './datum.ts';
import { formatFloat, formatText, parseText } from './text.ts';
import { T } from './types.ts';

describe('floats', () => {
  it('shortest round-trip with PostgreSQL exponent thresholds', () => {
    expect([0.1, 1e-7, 1e21, 3.14, 1e15, 1e14, 0.00001, 0.0001, -2.5, 0].map((x) => formatFloat(x))).toEqual(
      ['0.1', '1e-07', '1e+21', '3.14', '1e+15', '100000000000000', '1e-05', '0.0001', '-2.5', '0']);
    expect([1e6, 100000, 1234567, 0.1, 3.14].map((x) => formatFloat(Math.fround(x), true))).toEqual(['1e+06', '100000', '1.234567e+06', '0.1', '3.14']);
  });
});

describe('intervals', () => {
  const rt = (s: string): string | null => formatText(parseText(s, T.interval), T.interval);
  it('formats in IntervalStyle postgres', () => {
    expect(rt('1 day')).toBe('1 day');
    expect(rt('1 year 2 months 3 days 04:05:06.5')).toBe('1 year 2 mons 3 days 04:05:06.5');
    expect(rt('-1 days 2 hours')).toBe('-1 days +02:00:00');
    expect(rt('-1 year')).toBe('-1 years');
    expect(rt('0')).toBe('00:00:00');
    expect(rt('1.5 hours')).toBe('01:30:00');
    expect(rt('1 week ago')).toBe('-7 days');
    expect(rt('P1DT2H')).toBe('1 day 02:00:00');
    expect(formatText(new Interval(14, -3, -1_000_000n), T.interval)).toBe('1 year 2 mons -3 days -00:00:01');
  });
  it('rejects bad input with 22P02', () => {
    expect(() => parseText('abc', T.interval)).toThrow(SqlError);
  });
});

describe('dates and timestamps', () => {
  it('round-trips', () => {
    for (const s of ['2020-02-29', '0001-01-01', '1999-12-31']) expect(formatText(parseText(s, T.date), T.date)).toBe(s);
    expect(formatText(parseText('2020-01-01 12:34:56.789', T.timestamp), T.timestamp)).toBe('2020-01-01 12:34:56.789');
    expect(formatText(parseText('2020-01-01 12:00:00+02', T.timestamptz), T.timestamptz)).toBe('2020-01-01 10:00:00+00');
    expect(formatText(parseText('13:45:01.5', T.time), T.time)).toBe('13:45:01.5');
  });
  it('range errors', () => {
    expect(() => parseText('2020-02-30', T.date)).toThrow('date/time field value out of range');
  });
});

describe('numbers and others', () => {
  it('ints, numerics, bools, bytea', () => {
    expect(() => parseText('2147483648', T.int4)).toThrow('value "2147483648" is out of range for type integer');
    expect(() => parseText('12a', T.int4)).toThrow('invalid input syntax for type integer: "12a"');
    expect(formatText(parseText('1.50', T.numeric), T.numeric)).toBe('1.50');
    expect(formatText(parseText('yes', T.bool), T.bool)).toBe('t');
    expect(formatText(parseText('\\x0aff', T.bytea), T.bytea)).toBe('\\x0aff');
  });
});
