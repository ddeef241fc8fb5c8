/**
 * Bad input gets a clear error with the right SQLSTATE, and the session stays usable afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

let server: ServerProcess;
let c: pg.Client;

beforeAll(async () => {
  server = await startServerProcess();
  c = new pg.Client({ connectionString: server.url });
  await c.connect();
  await c.query('CREATE TABLE e (a int NOT NULL, b text)');
  await c.query("INSERT INTO e VALUES (1, 'one')");
});

afterAll(async () => {
  await c?.end().catch(() => undefined);
  await server?.dispose();
});

async function expectError(sql: string, code: string, message: RegExp): Promise<pg.DatabaseError> {
  const err = await c.query(sql).then(
    () => undefined,
    (e: unknown) => e as pg.DatabaseError,
  );
  expect(err, `expected ${sql} to fail`).toBeDefined();
  expect(err!.code).toBe(code);
  expect(err!.message).toMatch(message);
  // The session is still usable.
  expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  return err!;
}

describe('errors', () => {
  it('syntax error: 42601 with a position', async () => {
    // PostgreSQL: `syntax error at or near "FORM"`, position 10 (1-based, in characters).
    const err = await expectError('SELECT * FORM e', '42601', /syntax error at or near "FORM"/);
    expect(err.position).toBe('10');
  });

  it('unknown table: 42P01', async () => {
    await expectError('SELECT * FROM nope', '42P01', /relation "nope" does not exist/);
  });

  it('unknown column: 42703', async () => {
    await expectError('SELECT nope FROM e', '42703', /column "nope" does not exist/);
  });

  it('type mismatch: 42804 for a boolean into an int column, 22P02 for bad text', async () => {
    await expectError('INSERT INTO e VALUES (true, 2)', '42804', /column "a" is of type integer but expression is of type boolean/);
    await expectError("INSERT INTO e VALUES ('abc', 'x')", '22P02', /invalid input syntax for type integer: "abc"/);
  });

  it('division by zero: 22012', async () => {
    await expectError('SELECT 1/0', '22012', /division by zero/);
    await expectError('SELECT a / (a - 1) FROM e', '22012', /division by zero/);
  });

  it('duplicate object: 42P07', async () => {
    await expectError('CREATE TABLE e (x int)', '42P07', /already exists/);
  });

  it('NOT NULL violation: 23502', async () => {
    await expectError('INSERT INTO e (b) VALUES (\'no a\')', '23502', /null value in column "a"/);
  });

  it('unsupported statement: 0A000 naming what is unsupported', async () => {
    await expectError('CREATE TRIGGER trg AFTER INSERT ON e FOR EACH ROW EXECUTE FUNCTION f()', '0A000', /CREATE TRIGGER.*not (yet )?supported/i);
  });

  it('a failed statement inside a transaction aborts it until ROLLBACK', async () => {
    await c.query('BEGIN');
    await c.query('SELECT * FROM e').catch(() => undefined);
    const err = await c.query('SELECT * FROM nope').catch((e: unknown) => e as pg.DatabaseError);
    expect((err as pg.DatabaseError).code).toBe('42P01');
    const aborted = await c.query('SELECT 1').catch((e: unknown) => e as pg.DatabaseError);
    expect((aborted as pg.DatabaseError).code).toBe('25P02');
    await c.query('ROLLBACK');
    expect((await c.query('SELECT count(*)::int AS n FROM e')).rows).toEqual([{ n: 1 }]);
  });

  it('nothing was written by the failed statements', async () => {
    expect((await c.query('SELECT a, b FROM e')).rows).toEqual([{ a: 1, b: 'one' }]);
  });
});
