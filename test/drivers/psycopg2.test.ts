/**
 * psycopg2 (Debian's python3-psycopg2) against a real server: connection probes (server_version, encoding),
 * type decoding, client-side interpolated parameters, implicit BEGIN/COMMIT/ROLLBACK, set_session, named
 * cursors (DECLARE/FETCH FORWARD/CLOSE), COPY both ways, execute_values, errors, SQLAlchemy's startup probes,
 * and SUBSCRIBE through DECLARE/FETCH and COPY (reference/clients.md §5, §6). The Python program
 * (programs/psycopg2_probe.py) runs once; each test checks one of its steps. Without psycopg2, the tests are
 * skipped with the reason in their name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/server.ts';
import { type StepResult, psycopg2Availability, runProbe, startWithFixture, valueOf } from './support.ts';

const py = psycopg2Availability();
const title = py.ok ? 'psycopg2' : `psycopg2 (skipped: ${py.reason})`;

describe.skipIf(!py.ok)(title, () => {
  let server: ServerProcess;
  let steps: Map<string, StepResult>;
  let stderr = '';
  const v = (name: string): unknown => valueOf(steps, name, stderr);

  beforeAll(async () => {
    if (!py.ok) return;
    server = await startWithFixture();
    const r = await runProbe(py, server);
    steps = r.steps;
    stderr = r.stderr;
  }, 120_000);

  afterAll(async () => {
    await server?.dispose();
  });

  it('connection probes: server_version as an integer, UTF8, parameter statuses', () => {
    expect(v('connect-probes')).toEqual({
      server_version: 90500, encoding: 'UTF8', protocol_version: 3, server_version_param: '9.5.0',
      standard_conforming_strings: 'on', dsn_dbname: 'materialize', status: true,
    });
  });

  it('decodes every common type into its Python type', () => {
    expect(v('select-types')).toEqual({
      row: [1, 2, 1.5, 'Decimal(12.34)', true, 'x', 'date(2024-01-02)', 'datetime(tz=True)', 'bytes(0001ff)', [1, 2, 3], { a: [1, null] }, null, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
      description: [['int4', 23], ['int8', 20], ['float8', 701], ['numeric', 1700], ['?column?', 16], ['text', 25], ['date', 1082], ['timestamptz', 1184], ['bytea', 17], ['array', 1007], ['jsonb', 3802], ['text', 25], ['text', 25]],
    });
  });

  it('client-side interpolated parameters (quotes, NULL, Decimal, date, bytea, arrays, named)', () => {
    expect(v('params')).toEqual([[42, 'it\'s a "quote"', null, 'Decimal(-1.50)', 'date(2024-02-29)', 'bytes(0001)', [1, 2], false], [[1, 'a']]]);
  });

  it('implicit BEGIN with commit and rollback; set_session and autocommit', () => {
    expect(v('transactions')).toEqual([[31]]);
    expect(v('isolation-autocommit')).toEqual([2, 3]);
  });

  it('named cursor: DECLARE ... WITHOUT HOLD, FETCH FORWARD, CLOSE', () => {
    expect(v('named-cursor')).toEqual([[1, 'a'], [2, 'b']]);
  });

  it('COPY TO STDOUT, and COPY FROM STDIN inside a transaction block (rolled back, then committed)', () => {
    expect(v('copy')).toEqual(['1\ta\n2\tb\n', [[40, 'copied'], [41, null]]]);
  });

  it('execute_values and RealDictCursor', () => {
    expect(v('execute-values')).toEqual([2, [[50, 'p', 'Decimal(1.50)'], [51, "q'uote", null]]]);
    expect(v('dict-cursor')).toEqual([{ id: 2, customer: 'b' }]);
  });

  it('errors carry SQLSTATEs, fail the block until rollback, then the connection is usable', () => {
    expect(v('errors')).toEqual(['42P01', '25P02', '22012', 4]);
  });

  it("SQLAlchemy's engine-start probes", () => {
    expect(v('catalog')).toEqual([[], true, 'public', 'on', [['drv_orders'], ['drv_pk']]]);
  });

  it('SUBSCRIBE through DECLARE/FETCH with the implicit BEGIN: snapshot, a live change, timeout 0s', () => {
    expect(v('subscribe-declare-fetch')).toEqual(['mz_timestamp', [[1, 1, 'a'], [1, 2, 'b']], [[1, -1, 'live']], 0]);
  });

  it('COPY (SUBSCRIBE ... AS OF ... UP TO ...) TO STDOUT ends with the subscription', () => {
    expect(v('subscribe-copy')).toEqual([['1', '1']]);
  });
});
