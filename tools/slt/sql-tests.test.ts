/** Every record of sql-tests/ that PostgreSQL can run must pass against a real PostgreSQL. */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runFile } from './runner.ts';
import { postgresTarget } from './targets.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql-tests');
const files = readdirSync(dir).filter((f) => f.endsWith('.slt')).sort();
const target = postgresTarget();

afterAll(() => target.shutdown());

describe('sql-tests against PostgreSQL', () => {
  it.each(files)('%s', async (name) => {
    const r = await runFile(join(dir, name), {
      target,
      rewrite: false,
      failFast: false,
      verbose: false,
      timeoutMs: 10_000,
      maxRecords: undefined,
      noBail: false,
      views: false,
      log: () => {},
    });
    expect(r.error).toBeUndefined();
    expect(r.bailed).toBeUndefined();
    expect(r.failures).toEqual([]);
  });
});
