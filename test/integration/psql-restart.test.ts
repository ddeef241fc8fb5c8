/**
 * The acceptance walk-through, exactly as a psql user does it: create a table, insert, create a
 * materialized view, watch it follow INSERT/UPDATE/DELETE, SIGKILL the server, restart it, and get the
 * same answers.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

const hasPsql = spawnSync('sh', ['-c', 'command -v psql'], { stdio: 'ignore' }).status === 0;
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
});

afterAll(async () => {
  await server?.dispose();
});

function psql(script: string): string {
  const r = spawnSync('psql', ['-X', '-q', '-A', '-F', '|', '-h', '127.0.0.1', '-p', String(server.port), '-U', 'materialize', '-d', 'materialize', '-v', 'ON_ERROR_STOP=1'], {
    input: script,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`psql failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(!hasPsql)('psql walk-through with a crash', () => {
  it('answers the same after SIGKILL and restart', async () => {
    expect(psql(`
CREATE TABLE t (a int, b text);
INSERT INTO t VALUES (1, 'x'), (2, 'x'), (5, 'y');
CREATE MATERIALIZED VIEW mv AS SELECT b, count(*), sum(a) FROM t GROUP BY b;
SELECT * FROM mv ORDER BY b;
`)).toBe('b|count|sum\nx|2|3\ny|1|5\n(2 rows)\n');

    expect(psql(`
INSERT INTO t VALUES (7, 'z');
UPDATE t SET b = 'y' WHERE a = 1;
DELETE FROM t WHERE a = 2;
SELECT * FROM mv ORDER BY b;
`)).toBe('b|count|sum\ny|2|6\nz|1|7\n(2 rows)\n');

    await server.kill();
    await server.restart();

    expect(psql('SELECT * FROM mv ORDER BY b;')).toBe('b|count|sum\ny|2|6\nz|1|7\n(2 rows)\n');
    expect(psql('SELECT * FROM t ORDER BY a;')).toBe('a|b\n1|y\n5|y\n7|z\n(3 rows)\n');
  });
});
