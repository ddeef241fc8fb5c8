/**
 * pgjdbc (Debian's libpostgresql-jdbc-java) against a real server: connect, DatabaseMetaData calls, ResultSet
 * metadata, parameters in text and binary (prepareThreshold crossing and -1), batches, transactions, fetch-size
 * portals, errors, and SUBSCRIBE through DECLARE/FETCH (reference/clients.md §5, §6). The Java program
 * (programs/JdbcProbe.java) runs once; each test checks one of its steps. Without a JDK or the jar, the
 * tests are skipped with the reason in their name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/server.ts';
import { type StepResult, jdbcAvailability, runProbe, startWithFixture, valueOf } from './support.ts';

const jdbc = jdbcAvailability();
const title = jdbc.ok ? 'pgjdbc' : `pgjdbc (skipped: ${jdbc.reason})`;

describe.skipIf(!jdbc.ok)(title, () => {
  let server: ServerProcess;
  let steps: Map<string, StepResult>;
  let stderr = '';
  const v = (name: string): unknown => valueOf(steps, name, stderr);

  beforeAll(async () => {
    if (!jdbc.ok) return;
    server = await startWithFixture();
    const r = await runProbe(jdbc, server);
    steps = r.steps;
    stderr = r.stderr;
  }, 150_000);

  afterAll(async () => {
    await server?.dispose();
  });

  it('connects and reports the server as PostgreSQL 9.5', () => {
    expect(v('connect')).toEqual({ product: 'PostgreSQL', major: 9, minor: 5, isolation: expect.any(Number), catalog: 'materialize', schema: 'public' });
    expect(v('simple-select')).toEqual([['1', 'x']]);
  });

  it('DatabaseMetaData: schemas, catalogs, tables, table types', () => {
    const schemas = (v('metadata-schemas') as { TABLE_SCHEM: string }[]).map((r) => r.TABLE_SCHEM);
    expect(schemas).toEqual(expect.arrayContaining(['information_schema', 'mz_catalog', 'pg_catalog', 'public']));
    expect(v('metadata-catalogs')).toEqual([{ TABLE_CAT: 'materialize' }]);
    expect(v('metadata-tables')).toEqual(expect.arrayContaining([
      { TABLE_SCHEM: 'public', TABLE_NAME: 'drv_orders', TABLE_TYPE: 'TABLE' },
      { TABLE_SCHEM: 'public', TABLE_NAME: 'drv_orders_v', TABLE_TYPE: 'VIEW' },
    ]));
    expect(v('metadata-tables-types')).toEqual([{ TABLE_NAME: 'drv_orders_v', TABLE_TYPE: 'VIEW' }]);
    expect(v('metadata-table-types')).toBeGreaterThan(0);
    expect(v('metadata-procedures')).toBe(true);
  });

  it('DatabaseMetaData.getColumns gives JDBC types, sizes and nullability (as PostgreSQL does)', () => {
    expect(v('metadata-columns')).toEqual([
      { COLUMN_NAME: 'id', DATA_TYPE: '4', TYPE_NAME: 'int4', COLUMN_SIZE: '10', DECIMAL_DIGITS: '0', NULLABLE: '0', ORDINAL_POSITION: '1', IS_NULLABLE: 'NO', IS_AUTOINCREMENT: 'NO' },
      { COLUMN_NAME: 'customer', DATA_TYPE: '12', TYPE_NAME: 'text', COLUMN_SIZE: '2147483647', DECIMAL_DIGITS: '0', NULLABLE: '1', ORDINAL_POSITION: '2', IS_NULLABLE: 'YES', IS_AUTOINCREMENT: 'NO' },
      { COLUMN_NAME: 'amount', DATA_TYPE: '2', TYPE_NAME: 'numeric', COLUMN_SIZE: '10', DECIMAL_DIGITS: '2', NULLABLE: '1', ORDINAL_POSITION: '3', IS_NULLABLE: 'YES', IS_AUTOINCREMENT: 'NO' },
      { COLUMN_NAME: 'created_at', DATA_TYPE: '93', TYPE_NAME: 'timestamptz', COLUMN_SIZE: '35', DECIMAL_DIGITS: '6', NULLABLE: '1', ORDINAL_POSITION: '4', IS_NULLABLE: 'YES', IS_AUTOINCREMENT: 'NO' },
    ]);
  });

  it('DatabaseMetaData: primary keys (_pg_expandarray), index info, imported keys', () => {
    expect(v('metadata-primary-keys')).toEqual([]);
    expect(v('metadata-index-info')).toEqual([{ INDEX_NAME: 'drv_orders_id', NON_UNIQUE: 't', ORDINAL_POSITION: '1', COLUMN_NAME: 'id' }]);
    expect(v('metadata-imported-keys')).toEqual([]);
  });

  // pgjdbc 42.5 finds primary keys through pg_index.indisprimary: the key's catalog-only index entry.
  it('DatabaseMetaData.getPrimaryKeys on a table with a PRIMARY KEY', () => {
    expect(v('metadata-primary-keys-pk')).toEqual([{ COLUMN_NAME: 'code', KEY_SEQ: '1', PK_NAME: 'drv_pk_pkey' }, { COLUMN_NAME: 'id', KEY_SEQ: '2', PK_NAME: 'drv_pk_pkey' }]);
  });

  it('DatabaseMetaData.getTypeInfo', () => {
    expect(v('metadata-type-info')).toEqual(expect.arrayContaining([
      { TYPE_NAME: 'int4', DATA_TYPE: '4' }, { TYPE_NAME: 'text', DATA_TYPE: '12' }, { TYPE_NAME: 'numeric', DATA_TYPE: '2' },
      { TYPE_NAME: 'timestamptz', DATA_TYPE: '93' }, { TYPE_NAME: 'bool', DATA_TYPE: '-7' },
    ]));
  });

  it('ResultSetMetaData: names, types, precision and scale', () => {
    const cols = v('resultset-metadata') as Record<string, unknown>[];
    expect(cols.map((c) => [c.name, c.type, c.precision, c.scale])).toEqual([
      ['id', 'int4', 10, 0], ['customer', 'text', 2147483647, 0], ['amount', 'numeric', 10, 2], ['created_at', 'timestamptz', 35, 6],
    ]);
  });

  // RowDescription carries each bare column's table OID and attnum, so pgjdbc looks them up in pg_class/pg_attribute.
  it('ResultSetMetaData: table names and nullability from the RowDescription origin', () => {
    const cols = v('resultset-metadata') as Record<string, unknown>[];
    expect(cols.map((c) => [c.name, c.table, c.nullable, c.autoincrement])).toEqual([
      ['id', 'drv_orders', 0, false], ['customer', 'drv_orders', 1, false], ['amount', 'drv_orders', 1, false], ['created_at', 'drv_orders', 1, false],
    ]);
  });

  it('PreparedStatement across prepareThreshold: unnamed, then named S_1 with binary results', () => {
    const row1 = [1, 'a', '10.00', true];
    const row2 = [2, 'b', '200.00', true];
    expect(v('params-text')).toEqual([row1, row2, row1, row2, row1, row2]);
  });

  it('parameters of several types, including NULL varchar and binary int8/numeric', () => {
    expect(v('params-mixed-types')).toEqual([["it's", '-12345.678900', null, '9007199254740993', 't', '0.5']]);
    expect(v('params-insert-batch')).toEqual([1, 1, 1]);
  });

  it('prepareThreshold=-1 with binaryTransfer: binary for every column type', () => {
    const row = [2, 'b', '200.00', true, 7, '1.25', '2024-02-29', '3:255', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', [1, 2, 3], '{"k": [1, 2]}'];
    expect(v('params-binary')).toEqual([row, row, row]);
  });

  it('transactions: rollback, commit, fetch-size portals, read-only serializable', () => {
    expect(v('transaction-commit-rollback')).toEqual([['21']]);
    expect(v('fetch-size-portal')).toEqual([['1'], ['2'], ['10'], ['11'], ['12'], ['21']]);
    expect(v('read-only-serializable')).toEqual([['6']]);
  });

  it('errors carry SQLSTATEs and leave the connection usable; an error fails the open block', () => {
    expect(v('error-then-usable')).toEqual(['42P01', '22012', '2']);
    expect(v('error-in-transaction')).toEqual(['42P01', '25P02', '3']);
  });

  it('SUBSCRIBE through DECLARE/FETCH: snapshot, a live change, FETCH with timeout 0s', () => {
    expect(v('subscribe-declare-fetch')).toEqual([[['1', '1', 'a'], ['1', '2', 'b']], [['1', '0', 'live']], 0, 'numeric-ts']);
  });

  it('SUBSCRIBE with autocommit off and a fetch size (named portal, Execute maxRows)', () => {
    expect(v('subscribe-fetch-size')).toEqual(['1/10', '1/11', '1/12']);
  });

  it('result types outside its built-in table (arrays, jsonb, interval)', () => {
    expect(v('unknown-type-lookup')).toEqual([['a', 'b'], '{"a": 1}', '1 day', '_text']);
  });
});
