/** jsonb parsing, canonical text, containment and pretty-printing, and time-zone conversion, against PostgreSQL 15. */
import { describe, expect, it } from 'vitest';
import { SqlError } from '../util/index.ts';
import { canonicalJsonb, compareJsonbKeys, jsonContains, jsonEquals, jsonbPretty, parseJson, parseJsonb } from './jsonb.ts';
import { localToUtc, utcToLocal, zoneOffsetSeconds } from './timezone.ts';

describe('jsonb input', () => {
  it('canonicalizes keys (length, then bytes), keeps the last duplicate and exact numbers', () => {
    expect(parseJsonb('{"bb": 1, "a": 2, "b": 3, "a": 4}')).toBe('{"a": 4, "b": 3, "bb": 1}');
    expect(parseJsonb('[1e2, 1.50, -0, 0.0, 1E-3, 12345678901234567890]')).toBe('[100, 1.50, 0, 0.0, 0.001, 12345678901234567890]');
    expect(parseJsonb(' {"é": 1, "z": 2} ')).toBe('{"z": 2, "é": 1}');
    expect(parseJsonb('"a\\u00e9\\n\\"b"')).toBe('"aé\\n\\"b"');
  });
  it('rejects invalid text with 22P02 and PostgreSQL details', () => {
    const err = (t: string): SqlError => {
      try {
        parseJsonb(t);
      } catch (e) {
        return e as SqlError;
      }
      throw new Error(`accepted ${t}`);
    };
    for (const t of ['', '{', '[1,', '{"a" 1}', 'nul', '01', '1.', '"\\x"', '[1] 2', "{'a': 1}", '"a\nb"']) expect(err(t).code).toBe('22P02');
    expect(err('{').detail).toBe('The input string ended unexpectedly.');
    expect(err('nul').detail).toBe('Token "nul" is invalid.');
    expect(err('"\\u0000"').code).toBe('22P05');
  });
  it('json input keeps the text but validates it', () => {
    expect(() => parseJson('{"a":', 'json')).toThrow(SqlError);
  });
  it('orders keys as PostgreSQL does', () => {
    expect(['aa', 'b', 'a', 'ab'].sort(compareJsonbKeys)).toEqual(['a', 'b', 'aa', 'ab']);
  });
});

describe('jsonb operations', () => {
  const v = (t: string) => parseJson(t);
  it('containment follows PostgreSQL (arrays as sets, top-level scalar in array)', () => {
    expect(jsonContains(v('{"a": {"b": 1, "c": 2}, "d": [1, 2, 3]}'), v('{"a": {"b": 1}, "d": [3, 1]}'))).toBe(true);
    expect(jsonContains(v('[1, 2, [3, 4]]'), v('[[3]]'))).toBe(true);
    expect(jsonContains(v('[1, 2]'), v('1'))).toBe(true);
    expect(jsonContains(v('{"a": [1]}'), v('{"a": 1}'))).toBe(false);
    expect(jsonContains(v('1'), v('[1]'))).toBe(false);
    expect(jsonContains(v('{"a": 1}'), v('{}'))).toBe(true);
  });
  it('compares numbers by value', () => {
    expect(jsonEquals(v('[1.0, {"a": 2}]'), v('[1, {"a": 2.00}]'))).toBe(true);
    expect(jsonEquals(v('{"a": 1}'), v('{"a": 1, "b": 2}'))).toBe(false);
  });
  it('pretty-prints with four spaces and PostgreSQL empty containers', () => {
    expect(jsonbPretty(v(canonicalJsonb(v('{"b": [], "a": {"x": null}}'))))).toBe('{\n    "a": {\n        "x": null\n    },\n    "b": [\n    ]\n}');
  });
});

describe('time zones', () => {
  it('converts between UTC and local time across DST', () => {
    const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;
    expect(zoneOffsetSeconds('America/New_York', micros('2024-07-01T12:00:00Z'))).toBe(-4 * 3600);
    expect(zoneOffsetSeconds('America/New_York', micros('2024-01-01T12:00:00Z'))).toBe(-5 * 3600);
    expect(localToUtc('Europe/Berlin', micros('2024-07-01T12:00:00Z'))).toBe(micros('2024-07-01T10:00:00Z'));
    expect(utcToLocal('Asia/Kolkata', micros('2024-01-15T12:00:00Z'))).toBe(micros('2024-01-15T17:30:00Z'));
    expect(zoneOffsetSeconds('+05:30', 0n)).toBe(19800);
    expect(() => zoneOffsetSeconds('Mars/Olympus', 0n)).toThrow(SqlError);
  });
});
