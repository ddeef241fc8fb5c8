/** The slt parser: record kinds, expected-output splitting per mode, conditions, and rewrite spans. */
import { describe, expect, it } from 'vitest';
import type { SltRecord } from './ast.ts';
import { parseSlt, SltParseError } from './parser.ts';

function only<K extends SltRecord['kind']>(records: SltRecord[], kind: K): Extract<SltRecord, { kind: K }> {
  expect(records).toHaveLength(1);
  const r = records[0]!;
  expect(r.kind).toBe(kind);
  return r as Extract<SltRecord, { kind: K }>;
}

describe('parseSlt', () => {
  it('parses statement ok / count / error with pgcode, SQL up to the blank line', () => {
    const input = [
      '# a comment',
      'statement ok',
      'CREATE TABLE t (a int,',
      '  b text)',
      '',
      'statement count 3',
      'INSERT INTO t VALUES (1), (2), (3)',
      '',
      'statement error pgcode 42P01 relation "nope" does not exist',
      'SELECT * FROM nope',
      '',
      'statement error',
      'SELECT 1/0',
    ].join('\n');
    const records = parseSlt('f.slt', input);
    expect(records.map((r) => r.kind)).toEqual(['statement', 'statement', 'statement', 'statement']);
    const [ok, count, err, anyErr] = records as Extract<SltRecord, { kind: 'statement' }>[];
    expect(ok!.sql).toBe('CREATE TABLE t (a int,\n  b text)');
    expect(ok!.location.line).toBe(2);
    expect(count!.expect).toMatchObject({ kind: 'count', count: 3 });
    if (count!.expect.kind !== 'count') throw new Error('unreachable');
    expect(input.slice(count!.expect.span.start, count!.expect.span.end)).toBe('3');
    expect(err!.expect).toMatchObject({ kind: 'error', error: { pattern: 'relation "nope" does not exist', pgcode: '42P01' } });
    if (err!.expect.kind !== 'error') throw new Error('unreachable');
    expect(input.slice(err!.expect.error.span.start, err!.expect.error.span.end)).toBe('relation "nope" does not exist');
    expect(anyErr!.expect).toMatchObject({ kind: 'error', error: { pattern: '' } });
  });

  it('parses a standard-mode query: types, sort, label, one value per line, output span', () => {
    const input = 'query IT rowsort label-1\nSELECT a, b\nFROM t\n----\n1\nx\n2\n(empty)\n\nquery I nosort\nSELECT 1\n----\n1\n';
    const records = parseSlt('f.slt', input);
    expect(records).toHaveLength(2);
    const q = records[0]!;
    if (q.kind !== 'query') throw new Error('expected a query');
    expect(q.sql).toBe('SELECT a, b\nFROM t');
    expect(q.output.types).toEqual(['I', 'T']);
    expect(q.output.sort).toBe('rowsort');
    expect(q.output.label).toBe('label-1');
    expect(q.output.mode).toBe('standard');
    // Standard mode keeps the file's order: the runner sorts only the actual rows.
    expect(q.output.expected).toEqual({ kind: 'values', values: ['1', 'x', '2', '(empty)'] });
    expect(input.slice(q.output.span.start, q.output.span.end)).toBe('1\nx\n2\n(empty)');
    expect(q.output.hasSeparator).toBe(true);
  });

  it('splits cockroach-mode rows into columns and sorts expected rows for rowsort', () => {
    const input = 'mode cockroach\n\nquery IT rowsort\nSELECT 1\n----\n2  b␠c\n1   a\n\nquery T\nSELECT 1\n----\n  hello world  \n';
    const records = parseSlt('f.slt', input);
    const [q1, q2] = records;
    if (q1?.kind !== 'query' || q2?.kind !== 'query') throw new Error('expected queries');
    expect(q1.output.mode).toBe('cockroach');
    expect(q1.output.expected).toEqual({ kind: 'values', values: ['1', 'a', '2', 'b c'] });
    // A single column is the whole trimmed line.
    expect(q2.output.expected).toEqual({ kind: 'values', values: ['hello world'] });
  });

  it('rejects a sorted cockroach row with too few columns, accepts values split at spaces', () => {
    expect(() => parseSlt('f.slt', 'mode cockroach\nquery II rowsort\nSELECT 1\n----\n1\n')).toThrow(SltParseError);
    const q = only(parseSlt('f.slt', 'mode cockroach\nquery IT rowsort\nSELECT 1\n----\n1  a b\n'), 'query');
    expect(q.output.expected).toEqual({ kind: 'values', values: ['1', 'a', 'b'] });
  });

  it('parses hashed output, colnames and valuesort', () => {
    const input = 'query I valuesort,colnames\nSELECT a AS "my col"\n----\nmy␠col\n30 values hashing to 3c13dee48d9356ae19af2515e05e6b54\n';
    const q = only(parseSlt('f.slt', input), 'query');
    expect(q.output.sort).toBe('valuesort');
    expect(q.output.columnNames).toEqual(['my col']);
    expect(q.output.expected).toEqual({ kind: 'hashed', count: 30, md5: '3c13dee48d9356ae19af2515e05e6b54' });
  });

  it('parses multiline output up to EOF', () => {
    const input = 'query T multiline\nSELECT x\n----\nline one\n\nline three\nEOF\n\nhalt\n';
    const records = parseSlt('f.slt', input);
    const q = records[0]!;
    if (q.kind !== 'query') throw new Error('expected a query');
    expect(q.output.expected).toEqual({ kind: 'values', values: ['line one\n\nline three'] });
    expect(records[1]!.kind).toBe('halt');
  });

  it('rejects multiline combined with other options', () => {
    expect(() => parseSlt('f.slt', 'query T multiline,rowsort\nSELECT 1\n----\nEOF\n')).toThrow(/incompatible/);
  });

  it('parses query error and a query without ---- (empty expected output, for --rewrite)', () => {
    const input = 'query error division by zero\nSELECT 1/0\n\nquery I\nSELECT 1\n\nquery I\nSELECT 2\n----\n';
    const [e, q, q2] = parseSlt('f.slt', input);
    expect(e).toMatchObject({ kind: 'queryError', sql: 'SELECT 1/0', error: { pattern: 'division by zero' } });
    if (q?.kind !== 'query' || q2?.kind !== 'query') throw new Error('expected queries');
    expect(q.output.hasSeparator).toBe(false);
    expect(q.output.expected).toEqual({ kind: 'values', values: [] });
    expect(q.output.span.start).toBe(input.indexOf('SELECT 1\n') + 'SELECT 1'.length);
    expect(q2.output.hasSeparator).toBe(true);
    expect(q2.output.expected).toEqual({ kind: 'values', values: [] });
  });

  it('parses simple records with conn/user and multiline COMPLETE lines', () => {
    const input = [
      'simple conn=other,user=mz_system',
      'SELECT 1; SELECT 2',
      '----',
      '1',
      'COMPLETE 1',
      '2',
      'COMPLETE 1',
      '',
      'simple multiline',
      "SELECT 'a\nb'",
      '----',
      'a',
      'b',
      'EOF',
      'COMPLETE 1',
      '',
    ].join('\n');
    const [s1, s2] = parseSlt('f.slt', input);
    expect(s1).toMatchObject({ kind: 'simple', conn: 'other', user: 'mz_system', expected: ['1', 'COMPLETE 1', '2', 'COMPLETE 1'] });
    expect(s2).toMatchObject({ kind: 'simple', multiline: true, expected: ['a\nb', 'COMPLETE 1'] });
  });

  it('keeps skipif/onlyif as conditions of the next record, ignoring trailing comments', () => {
    const input = 'skipif mysql # empty RHS\nonlyif tributary\nstatement ok\nSELECT 1\n\nstatement ok\nSELECT 2\n';
    const [a, b] = parseSlt('f.slt', input);
    expect(a!.conditions).toEqual([
      { kind: 'skipif', db: 'mysql' },
      { kind: 'onlyif', db: 'tributary' },
    ]);
    expect(b!.conditions).toEqual([]);
  });

  it('parses hash-threshold, reset-server, copy and ignores cockroach directives', () => {
    const records = parseSlt('f.slt', 'hash-threshold 8\n\nsubtest foo\nuser root\nreset-server\ncopy t data.tsv\n');
    expect(records.map((r) => r.kind)).toEqual(['hashThreshold', 'resetServer', 'copy']);
    expect(records[0]).toMatchObject({ threshold: 8 });
    expect(records[2]).toMatchObject({ table: 't', tsvPath: 'data.tsv' });
  });

  it('reports unknown record starts with file and line', () => {
    expect(() => parseSlt('x.slt', 'statement ok\nSELECT 1\n\nbogus\n')).toThrow('x.slt:4: unexpected start of record: bogus');
  });
});
