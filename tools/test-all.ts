/**
 * `npm test`: the whole suite — type check, unit and integration tests (vitest), and the
 * sqllogictest files in sql-tests/ — ending with one line `N passed, N failed` that CI reads.
 * Installs PostgreSQL, a JDK, pgjdbc and psycopg2 from Debian's packages first when missing (tools/install-deps.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTestPackages } from './install-deps.ts';

const root = new URL('..', import.meta.url).pathname;
const tmp = join(root, '.tmp');
mkdirSync(tmp, { recursive: true });

interface Step {
  readonly name: string;
  passed: number;
  failed: number;
  skipped: number;
}
const steps: Step[] = [];

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): number {
  process.stdout.write(`\n$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

// PostgreSQL, a JDK, pgjdbc and psycopg2 from Debian's packages when missing (tools/install-deps.ts).
ensureTestPackages();

// 1. Type check: one "test" that passes or fails.
{
  const status = run('tsc', ['-p', '.', '--noEmit']);
  steps.push({ name: 'typecheck', passed: status === 0 ? 1 : 0, failed: status === 0 ? 0 : 1, skipped: 0 });
}

// 2. vitest (unit tests beside the code, integration tests in test/).
{
  const out = join(tmp, 'vitest.json');
  const status = run('vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  const step: Step = { name: 'vitest', passed: 0, failed: 0, skipped: 0 };
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; testResults: { status: string; assertionResults: unknown[] }[] };
    step.passed = report.numPassedTests;
    step.failed = report.numFailedTests;
    step.skipped = report.numPendingTests + report.numTodoTests;
    // A test file that failed to load has no assertion results but must count as a failure.
    step.failed += report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  }
  if (status !== 0 && step.failed === 0) step.failed = 1;
  steps.push(step);
}

// 3. sqllogictest files against a real Tributary server.
if (existsSync(join(root, 'tools/slt/main.ts')) && existsSync(join(root, 'sql-tests'))) {
  const out = join(tmp, 'slt-summary.json');
  const status = run('node', ['tools/slt/main.ts', '--views', '--summary-json', out, 'sql-tests']);
  const step: Step = { name: 'sql-tests', passed: 0, failed: 0, skipped: 0 };
  if (existsSync(out)) {
    const s = JSON.parse(readFileSync(out, 'utf8')) as { passed: number; failed: number; skipped?: number; unsupported?: number };
    step.passed = s.passed;
    step.failed = s.failed + (s.unsupported ?? 0);
    step.skipped = s.skipped ?? 0;
  }
  if (status !== 0 && step.failed === 0) step.failed = 1;
  steps.push(step);
}

const passed = steps.reduce((a, s) => a + s.passed, 0);
const failed = steps.reduce((a, s) => a + s.failed, 0);
const skipped = steps.reduce((a, s) => a + s.skipped, 0);
process.stdout.write('\n');
for (const s of steps) process.stdout.write(`${s.name}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
