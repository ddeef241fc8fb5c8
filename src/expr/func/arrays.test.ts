/** Array, jsonb and to_char evaluation: the tricky datum code behind the SQL functions. */
import { describe, expect, it } from 'vitest';
import { type Datum, Numeric, PgArray, T, formatText } from '../../repr/index.ts';
import { lookupFunc } from '../func.ts';
import './index.ts';
import { formatNumberTemplate, formatTimestampTemplate } from './to-char.ts';

function call(name: string, args: Datum[], type = T.text): Datum {
  const f = lookupFunc(name);
  if (f.kind !== 'eager') throw new Error('lazy');
  if (f.strict && args.some((a) => a === null)) return null;
  return f.eval(args, type, {});
}
const int = { name: 'array', elem: T.int4 } as const;
const show = (d: Datum): string | null => formatText(d, int);
const grid = new PgArray([1, 2, 3, 4, 5, 6], [{ length: 2, lower: 1 }, { length: 3, lower: 1 }]);

describe('array subscripts and slices', () => {
  it('subscripts by dimension and lower bound, NULL when out of range', () => {
    expect(call('array_subscript', [grid, 2, 3])).toBe(6);
    expect(call('array_subscript', [grid, 3, 1])).toBe(null);
    expect(call('array_subscript', [grid, 1])).toBe(null);
    expect(call('array_subscript', [new PgArray([7, 8], [{ length: 2, lower: 0 }]), 0])).toBe(7);
  });
  it('slices with omitted and clamped bounds, lower bounds reset to 1', () => {
    expect(show(call('array_slice', [grid, '0000', 1, 2, 2, 3], int))).toBe('{{2,3},{5,6}}');
    expect(show(call('array_slice', [grid, '0110', 2, null, null, 1], int))).toBe('{{4}}');
    expect(show(call('array_slice', [new PgArray([1, 2, 3]), '00', 3, 1], int))).toBe('{}');
    expect(show(call('array_slice', [new PgArray([1, 2, 3]), '00', -5, 2], int))).toBe('{1,2}');
  });
  it('stacks sub-arrays into a dimension and rejects ragged ones (2202E)', () => {
    expect(show(call('array_stack', [new PgArray([1, 2]), new PgArray([3, 4])], int))).toBe('{{1,2},{3,4}}');
    expect(() => call('array_stack', [new PgArray([1, 2]), new PgArray([3])], int)).toThrow(/matching dimensions/);
  });
  it('concatenates, appends and prepends keeping the lower bound', () => {
    const shifted = new PgArray([1, 2], [{ length: 2, lower: 5 }]);
    expect(show(call('array_append', [shifted, 3], int))).toBe('[5:7]={1,2,3}');
    expect(show(call('array_prepend', [0, shifted], int))).toBe('[5:7]={0,1,2}');
    expect(show(call('array_concat', [grid, new PgArray([7, 8, 9])], int))).toBe('{{1,2,3},{4,5,6},{7,8,9}}');
    expect(() => call('array_concat', [grid, new PgArray([7])], int)).toThrow(/cannot concatenate incompatible arrays/);
  });
  it('casts element-wise', () => {
    const r = call('cast_array', [new PgArray([1, null, 3]), 'cast_int4_to_int8'], { name: 'array', elem: T.int8 }) as PgArray;
    expect(r.elems).toEqual([1n, null, 3n]);
  });
});

describe('jsonb functions', () => {
  it('extracts, deletes and sets paths', () => {
    const doc = '{"a": {"b": [10, 20]}}';
    expect(call('jsonb_path', [doc, new PgArray(['a', 'b', '-1'])])).toBe('20');
    expect(call('jsonb_path_text', [doc, new PgArray(['a', 'x'])])).toBe(null);
    expect(call('jsonb_delete_path', [doc, new PgArray(['a', 'b', '0'])])).toBe('{"a": {"b": [20]}}');
    expect(call('jsonb_set', [doc, new PgArray(['a', 'c']), '"new"', true])).toBe('{"a": {"b": [10, 20], "c": "new"}}');
    expect(call('jsonb_elem_text', ['"scalar"', -1])).toBe('scalar');
  });
  it('builds objects from typed arguments', () => {
    const types = JSON.stringify([T.text, T.int4, T.text, { name: 'array', elem: T.numeric }]);
    expect(call('jsonb_build_object', [types, 'k', 1, 'arr', new PgArray([new Numeric(150n, 2)])])).toBe('{"k": 1, "arr": [1.50]}');
  });
});

describe('to_char', () => {
  const ts = BigInt(Date.parse('2024-03-05T14:07:09.123Z')) * 1000n;
  it('formats timestamps with PostgreSQL patterns', () => {
    expect(formatTimestampTemplate(ts, 'YYYY-MM-DD HH24:MI:SS.MS Dy Mon FMDD HH12 AM', false)).toBe('2024-03-05 14:07:09.123 Tue Mar 5 02 PM');
    expect(formatTimestampTemplate(ts, 'Day, DDth Month YYYY "q"Q', false)).toBe('Tuesday  , 05th March     2024 q1');
  });
  it('formats numbers with digit templates', () => {
    const n = (s: string): Numeric => Numeric.fromString(s)!;
    expect(formatNumberTemplate(n('1234.5'), '9,999.99')).toBe(' 1,234.50');
    expect(formatNumberTemplate(n('5'), '000')).toBe(' 005');
    expect(formatNumberTemplate(n('-5.5'), 'FM999.00')).toBe('-5.50');
    expect(formatNumberTemplate(n('123456'), '999')).toBe(' ###');
  });
});
