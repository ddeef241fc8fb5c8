/** The value formatter re-creates Materialize's runner output from PostgreSQL text values. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expandExponent, formatFixed3, formatRow, formatValue, hashValues, Oid, roundNumeric, sortAndFlatten } from './format.ts';

describe('formatValue', () => {
  it('prints NULL and (empty) for text', () => {
    expect(formatValue(null, Oid.int4, 'I', 'standard')).toBe('NULL');
    expect(formatValue('', Oid.text, 'T', 'standard')).toBe('(empty)');
    expect(formatValue('', Oid.varchar, 'T', 'cockroach')).toBe('(empty)');
    expect(formatValue('a b', Oid.text, 'T', 'standard')).toBe('a b');
  });

  it('prints booleans as true/false, and as 1/0 in integer columns', () => {
    expect(formatValue('t', Oid.bool, 'B', 'standard')).toBe('true');
    expect(formatValue('f', Oid.bool, 'T', 'cockroach')).toBe('false');
    expect(formatValue('t', Oid.bool, 'I', 'standard')).toBe('1');
    expect(formatValue('f', Oid.bool, 'I', 'standard')).toBe('0');
  });

  it('formats I columns: ints as is, floats truncated, text as 0, numeric rounded by mode', () => {
    expect(formatValue('-42', Oid.int8, 'I', 'standard')).toBe('-42');
    expect(formatValue('2.9', Oid.float8, 'I', 'standard')).toBe('2');
    expect(formatValue('-2.9', Oid.float8, 'I', 'standard')).toBe('-2');
    expect(formatValue('1e30', Oid.float8, 'I', 'standard')).toBe('9223372036854775807');
    expect(formatValue('NaN', Oid.float8, 'I', 'standard')).toBe('0');
    expect(formatValue('abc', Oid.text, 'I', 'standard')).toBe('0');
    expect(formatValue('7.5000000000000000', Oid.numeric, 'I', 'standard')).toBe('7');
    expect(formatValue('-7.5', Oid.numeric, 'I', 'standard')).toBe('-7');
    expect(formatValue('7.5', Oid.numeric, 'I', 'cockroach')).toBe('8');
    expect(formatValue('-7.5', Oid.numeric, 'I', 'cockroach')).toBe('-8');
    expect(formatValue('-0.4', Oid.numeric, 'I', 'standard')).toBe('0');
  });

  it('formats R columns: floats with 3 decimals in standard mode, shortest in cockroach mode', () => {
    expect(formatValue('1.5', Oid.float8, 'R', 'standard')).toBe('1.500');
    expect(formatValue('2', Oid.float8, 'R', 'cockroach')).toBe('2');
    expect(formatValue('3.143892789739843', Oid.float8, 'R', 'cockroach')).toBe('3.143892789739843');
    expect(formatValue('1e+21', Oid.float8, 'R', 'cockroach')).toBe('1000000000000000000000');
    expect(formatValue('Infinity', Oid.float8, 'R', 'cockroach')).toBe('inf');
    // float4 values are formatted from their exact single-precision value.
    expect(formatValue('0.1', Oid.float4, 'R', 'standard')).toBe('0.100');
    expect(formatValue('0.1', Oid.float4, 'R', 'cockroach')).toBe('0.1');
  });

  it('prints integers in R columns as they are (Rust ignores {:.3} for integers)', () => {
    expect(formatValue('1', Oid.int4, 'R', 'standard')).toBe('1');
  });

  it('rescales numeric in R columns to 3 decimals only when it has more (standard mode)', () => {
    expect(formatValue('1.5', Oid.numeric, 'R', 'standard')).toBe('1.5');
    expect(formatValue('2.0000000000000000', Oid.numeric, 'R', 'standard')).toBe('2.000');
    expect(formatValue('1.23456', Oid.numeric, 'R', 'standard')).toBe('1.235');
    expect(formatValue('-0.0001', Oid.numeric, 'R', 'standard')).toBe('0.000');
    expect(formatValue('384.00000', Oid.numeric, 'R', 'cockroach')).toBe('384.00000');
  });

  it('formats floats in T columns with 3 decimals and other types as their text', () => {
    expect(formatValue('0.25', Oid.float8, 'T', 'cockroach')).toBe('0.250');
    expect(formatValue('1.10', Oid.numeric, 'T', 'standard')).toBe('1.10');
    expect(formatValue('{1,2}', 1007, 'T', 'standard')).toBe('{1,2}');
    expect(formatValue('2023-06-15 22:29:50.711', 1114, 'T', 'standard')).toBe('2023-06-15 22:29:50.711');
  });

  it('prints bytea as UTF-8 text when valid, else as a byte list', () => {
    expect(formatValue('\\x6869', Oid.bytea, 'T', 'standard')).toBe('hi');
    expect(formatValue('\\x01ff', Oid.bytea, 'T', 'standard')).toBe('[1, 255]');
  });

  it('yields a non-matching marker for type/letter combinations the runner cannot format', () => {
    expect(formatValue('2020-01-01', 1082, 'I', 'standard')).toMatch(/cannot format/);
  });
});

describe('formatFixed3', () => {
  it('rounds exact ties to even like Rust, everything else to nearest', () => {
    expect(formatFixed3(0.0625)).toBe('0.062');
    expect(formatFixed3(0.1875)).toBe('0.188');
    expect(formatFixed3(-0.0625)).toBe('-0.062');
    expect(formatFixed3(2.0005)).toBe('2.001'); // not an exact tie in binary (2.000500000000000078…)
    expect(formatFixed3(1 / 3)).toBe('0.333');
  });

  it('handles signs, non-finite values and huge magnitudes', () => {
    expect(formatFixed3(-0)).toBe('-0.000');
    expect(formatFixed3(NaN)).toBe('NaN');
    expect(formatFixed3(-Infinity)).toBe('-inf');
    expect(formatFixed3(1e21)).toBe('1000000000000000000000.000');
  });
});

describe('helpers', () => {
  it('expands exponent notation', () => {
    expect(expandExponent('1.5e-7')).toBe('0.00000015');
    expect(expandExponent('-2.5e+3')).toBe('-2500');
    expect(expandExponent('123')).toBe('123');
  });

  it('rounds numeric strings', () => {
    expect(roundNumeric('9.9995', 3, 'halfUp')).toBe('10.000');
    expect(roundNumeric('-1.0005', 3, 'halfUp')).toBe('-1.001');
    expect(roundNumeric('.5', 0, 'truncate')).toBe('0');
  });

  it('hashes each value followed by a newline', () => {
    const expected = createHash('md5').update('1\n2\n').digest('hex');
    expect(hashValues(['1', '2'])).toBe(expected);
  });

  it('sorts rows and values by code point, after formatting', () => {
    const rows = [
      ['b', '1'],
      ['a', '2'],
      ['a', '10'],
    ];
    expect(sortAndFlatten(rows.map((r) => [...r]), 'rowsort')).toEqual(['a', '10', 'a', '2', 'b', '1']);
    expect(sortAndFlatten(rows.map((r) => [...r]), 'valuesort')).toEqual(['1', '10', '2', 'a', 'a', 'b']);
    expect(sortAndFlatten(rows.map((r) => [...r]), 'nosort')).toEqual(['b', '1', 'a', '2', 'a', '10']);
  });

  it('splits sorted cockroach values at whitespace, as Materialize does', () => {
    expect(formatRow(['a b', '1'], [Oid.text, Oid.int4], ['T', 'I'], 'cockroach', 'rowsort')).toEqual(['a', 'b', '1']);
    expect(formatRow(['a b', '1'], [Oid.text, Oid.int4], ['T', 'I'], 'cockroach', 'nosort')).toEqual(['a b', '1']);
  });
});
