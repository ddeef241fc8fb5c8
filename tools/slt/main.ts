/**
 * `npm run slt -- [options] <files or dirs...>`: runs sqllogictest files against Tributary (a child
 * process per file by default), an already-running server, or a real PostgreSQL, and prints one
 * summary line per file plus a total. Exit code 1 when anything failed. See tools/slt/README.md.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFile, type FileResult } from './runner.ts';
import { postgresTarget, tributaryTarget, urlTarget, type Target } from './targets.ts';

const USAGE = `usage: npm run slt -- [options] <files or dirs...>

  (default)            start Tributary as a child process per file:
                       node src/main.ts --listen 127.0.0.1:<port> --data-dir <tmp> --log-level warn
  --server <cmd>       start this shell command per file instead ({port}, {data_dir} are substituted)
  --url <url>          run against an already-running server (state carries over between files)
  --dialect <name>     with --url: tributary (default) or postgresql, for skipif/onlyif
  --postgres           run against a real PostgreSQL (test/harness/postgres.ts), a fresh database per file
  --rewrite            rewrite expected results in place from the actual results
  --views              also check each SELECT as an indexed view and a materialized view (Tributary)
  --fail-fast          stop a file at its first failure
  --no-bail            keep running a file after a failed 'statement ok'
  --verbose, -v        print each failure with expected and actual results
  --timeout-ms <n>     per-record timeout (default 30000; 0 = none)
  --max-records <n>    run at most n records per file
  --summary-json <f>   also write the totals as JSON to file f (used by npm test)
`;

function collectFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      const entries = readdirSync(p, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.slt') || f.endsWith('.test'))
        .map((f) => join(p, f))
        .sort();
      files.push(...entries);
    } else {
      files.push(p);
    }
  }
  return files;
}

function summary(r: FileResult): string {
  const ok = r.failed === 0 && r.unsupported === 0 && r.error === undefined && r.bailed === undefined;
  let line = `${ok ? 'PASS' : 'FAIL'} ${r.file}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (unsupported: ${r.unsupported})`;
  if (r.rewritten) line += ' [rewritten]';
  const v = r.views;
  if (v.early + v.atPosition + v.fallbacks > 0) {
    line += ` [views: ${v.early} early (${v.earlyAfterWrites} with writes after creation), ${v.atPosition} at position, ${v.fallbacks} early creations fell back]`;
  }
  if (r.error !== undefined) line += `\n    error: ${r.error}`;
  if (r.bailed !== undefined) line += `\n    bailed at ${r.bailed}`;
  return line;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      url: { type: 'string' },
      dialect: { type: 'string' },
      postgres: { type: 'boolean', default: false },
      rewrite: { type: 'boolean', default: false },
      views: { type: 'boolean', default: false },
      'fail-fast': { type: 'boolean', default: false },
      'no-bail': { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      'timeout-ms': { type: 'string' },
      'max-records': { type: 'string' },
      'summary-json': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const chosen = [values.server !== undefined, values.url !== undefined, values.postgres].filter(Boolean).length;
  if (chosen > 1) {
    process.stderr.write('--server, --url and --postgres are mutually exclusive\n');
    return 2;
  }
  let target: Target;
  if (values.postgres) target = postgresTarget();
  else if (values.url !== undefined) target = urlTarget(values.url, (values.dialect ?? 'tributary') !== 'postgresql');
  else target = tributaryTarget(values.server === undefined ? {} : { command: values.server });
  if (values.views && !target.isTributary) {
    process.stderr.write('--views needs Tributary (CREATE DEFAULT INDEX, materialized views)\n');
    return 2;
  }
  const timeoutMs = Number(values['timeout-ms'] ?? 30_000);
  const maxRecords = values['max-records'] === undefined ? undefined : Number(values['max-records']);
  if (!Number.isFinite(timeoutMs) || (maxRecords !== undefined && !Number.isInteger(maxRecords))) {
    process.stderr.write('--timeout-ms and --max-records take numbers\n');
    return 2;
  }

  const files = collectFiles(positionals);
  const totals = { passed: 0, failed: 0, skipped: 0, unsupported: 0, files: 0, failedFiles: 0 };
  const viewTotals = { early: 0, earlyAfterWrites: 0, atPosition: 0, fallbacks: 0 };
  const started = Date.now();
  try {
    for (const file of files) {
      const r = await runFile(file, {
        target,
        rewrite: values.rewrite,
        failFast: values['fail-fast'],
        verbose: values.verbose,
        timeoutMs,
        maxRecords,
        noBail: values['no-bail'],
        views: values.views,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(`${summary(r)}\n`);
      totals.files++;
      totals.passed += r.passed;
      totals.failed += r.failed;
      totals.skipped += r.skipped;
      totals.unsupported += r.unsupported;
      viewTotals.early += r.views.early;
      viewTotals.earlyAfterWrites += r.views.earlyAfterWrites;
      viewTotals.atPosition += r.views.atPosition;
      viewTotals.fallbacks += r.views.fallbacks;
      // A file that stopped early (bail-out or error) counts as one more failure: its rest never ran.
      if (r.error !== undefined || r.bailed !== undefined) totals.failed++;
      if (r.failed > 0 || r.unsupported > 0 || r.error !== undefined || r.bailed !== undefined) totals.failedFiles++;
      if (values['fail-fast'] && (r.failed > 0 || r.error !== undefined)) break;
    }
  } finally {
    await target.shutdown();
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `TOTAL ${totals.files} files (${totals.failedFiles} failing) against ${target.description}: ` +
      `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped (unsupported: ${totals.unsupported}) in ${secs}s\n`,
  );
  if (values.views) {
    process.stdout.write(
      `VIEWS ${viewTotals.early} queries checked with views created early (${viewTotals.earlyAfterWrites} with writes after creation), ` +
        `${viewTotals.atPosition} at their position ` +
        `(${viewTotals.fallbacks} early creations fell back)\n`,
    );
  }
  if (values['summary-json'] !== undefined) writeFileSync(values['summary-json'], JSON.stringify({ ...totals, seconds: Number(secs) }));
  return totals.failedFiles > 0 ? 1 : 0;
}

// Exit through process.exit so targets.ts's exit hook stops any server this run started.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  },
);
