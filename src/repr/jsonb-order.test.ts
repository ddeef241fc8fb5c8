/** jsonb btree order against PostgreSQL 15 (results checked with a running server). */
import { describe, expect, it } from 'vitest';
import { compareJsonb, jsonbKeyText } from './jsonb-order.ts';
import { parseJsonb } from './jsonb.ts';

describe('compareJsonb', () => {
  it('orders values as PostgreSQL does', () => {
    // PostgreSQL's `ORDER BY v, v::text` of these values.
    const expected = [
      '[]', 'null', '""', '"a"', '"z"', '"é"', '-1', '1', '1.0', '2', 'false', 'true', '[null]', '["a"]', '[1]',
      '[true]', '[[]]', '[{}]', '[1, 2]', '{}', '{"a": 1}', '{"b": 1, "aa": 1}', '{"b": 2, "cc": 1}',
    ];
    const shuffled = [...expected].reverse().map(parseJsonb);
    shuffled.sort((a, b) => compareJsonb(a, b) || (a < b ? -1 : a > b ? 1 : 0));
    expect(shuffled).toEqual(expected);
  });
  it('compares numbers numerically, so equal numbers with different text are equal', () => {
    expect(compareJsonb('1.0', '1')).toBe(0);
    expect(compareJsonb(parseJsonb('{"a": [1.00]}'), parseJsonb('{"a": [1]}'))).toBe(0);
    expect(compareJsonb('10', '9')).toBeGreaterThan(0);
    expect(compareJsonb('"10"', '"9"')).toBeLessThan(0);
  });
});

describe('jsonbKeyText', () => {
  it('is equal exactly for jsonb values equal by value', () => {
    const key = (t: string): string => jsonbKeyText(parseJsonb(t));
    expect(key('1.0')).toBe(key('1'));
    expect(key('{"a": [1.50, -0.0, 100.00]}')).toBe('{"a": [1.5, 0, 100]}');
    expect(key('"1.0"')).toBe('"1.0"');
    expect(key('{"1.0": 10}')).toBe('{"1.0": 10}');
    expect(key('1.01')).not.toBe(key('1.1'));
  });
});
