/**
 * Runs the records of one .slt file against a target and judges each outcome as Materialize's
 * runner does (runner.rs): statement/query records over the extended protocol, `simple` records
 * over the simple protocol, unanchored error regexes, "unsupported" for missing features, and a
 * bail-out of the file when a `statement ok` fails. Collects `--rewrite` edits as it goes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { assertNever } from '../../src/util/index.ts';
import type { ExpectedError, QueryOutput, SltRecord } from './ast.ts';
import { errorMessage, isUnsupported, renderError, SltClient, type RawResult } from './client.ts';
import { formatRow, hashValues, sortAndFlatten } from './format.ts';
import { compareRows, compareStrings, parseSlt, SltParseError } from './parser.ts';
import { applyEdits, errorEdit, queryOutputEdit, simpleOutputEdit, type Edit } from './rewrite.ts';
import type { Endpoint, Target } from './targets.ts';
import { planViews, type ViewPlan } from './view-plan.ts';
import { checkEarly, checkViews, createEarly, dropEarly, type ViewPair, type ViewProblem } from './views.ts';

export interface RunOptions {
  readonly target: Target;
  readonly rewrite: boolean;
  readonly failFast: boolean;
  readonly verbose: boolean;
  /** Per record; 0 = none. */
  readonly timeoutMs: number;
  /** Stop after this many executable records (statements, queries, simple). */
  readonly maxRecords: number | undefined;
  /** Keep going after a failed `statement ok` (Materialize's runner abandons the file). */
  readonly noBail: boolean;
  /** Also check every SELECT through an indexed view and a materialized view (Tributary only). */
  readonly views: boolean;
  readonly log: (line: string) => void;
}

export interface Failure {
  readonly line: number;
  readonly unsupported: boolean;
  /** Human-readable: what was expected and what happened. */
  readonly message: string;
}

export interface FileResult {
  readonly file: string;
  passed: number;
  failed: number;
  skipped: number;
  unsupported: number;
  readonly failures: Failure[];
  /** Why the rest of the file was not run (failed statement, lost server), if it was not. */
  bailed: string | undefined;
  /** A file-level error (parse error, server did not start). */
  error: string | undefined;
  rewritten: boolean;
  /** `--views` figures (zero without --views). */
  readonly views: ViewStats;
}

export interface ViewStats {
  /** Queries compared with views created at their anchor, before the file's writes since then. */
  early: number;
  /** Of `early`: those with writes between the views' creation and the query (maintenance exercised). */
  earlyAfterWrites: number;
  /** Queries compared with views created at their own position. */
  atPosition: number;
  /** Early creations that failed or were not possible (those queries fell back to their position). */
  fallbacks: number;
}

class RecordTimeout extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  if (ms <= 0) return p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RecordTimeout(ms)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The connections of one file: the main one plus `simple conn=...` ones, all to one endpoint. */
class Session {
  endpoint: Endpoint | undefined;
  main: SltClient | undefined;
  readonly named = new Map<string, SltClient>();
  private readonly target: Target;

  constructor(target: Target) {
    this.target = target;
  }

  async open(): Promise<void> {
    this.endpoint = await this.target.open();
    this.main = await SltClient.connect({ connectionString: this.endpoint.connectionString });
  }

  client(): SltClient {
    if (this.main === undefined) throw new Error('internal error: session not open');
    return this.main;
  }

  async conn(name: string | undefined, user: string | undefined): Promise<SltClient> {
    if (name === undefined) return this.client();
    let c = this.named.get(name);
    if (c === undefined) {
      const connectionString = this.endpoint?.connectionString ?? '';
      c = await SltClient.connect(user === undefined ? { connectionString } : { connectionString, user });
      this.named.set(name, c);
    }
    return c;
  }

  /** After a timeout the main connection is in an unknown state: replace it. */
  async reconnect(): Promise<void> {
    void this.main?.close(500);
    this.main = undefined;
    this.main = await withTimeout(SltClient.connect({ connectionString: this.endpoint?.connectionString ?? '', connectTimeoutMs: 10_000 }), 10_000);
    await withTimeout(this.main.extended('select 1'), 10_000);
  }

  async close(): Promise<void> {
    for (const c of this.named.values()) await c.close();
    this.named.clear();
    await this.main?.close();
    this.main = undefined;
    await this.endpoint?.close();
    this.endpoint = undefined;
  }
}

type Outcome =
  | { readonly kind: 'pass' }
  | {
      readonly kind: 'fail';
      readonly message: string;
      readonly unsupported: boolean;
      /** A failed statement: the rest of the file is skipped unless --no-bail. */
      readonly bail?: boolean;
      /** The server cannot go on (wedged, gone): the rest of the file is skipped even with --no-bail. */
      readonly fatal?: boolean;
    }
  /** Directives (hash-threshold, reset-server, halt) are not counted as records. */
  | { readonly kind: 'directive' };

const PASS: Outcome = { kind: 'pass' };
const DIRECTIVE: Outcome = { kind: 'directive' };

function fail(message: string, unsupported = false, bail = false): Outcome {
  return { kind: 'fail', message, unsupported, bail };
}

function fatal(message: string): Outcome {
  return { kind: 'fail', message, unsupported: false, bail: true, fatal: true };
}

function matchesError(expected: ExpectedError, rendered: string): boolean {
  if (expected.pattern === '') return true;
  try {
    // Rust's regex syntax and JS's agree on everything these files use.
    return new RegExp(expected.pattern, 'u').test(rendered);
  } catch {
    return new RegExp(expected.pattern).test(rendered);
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/** Runs one file; never throws for problems in the file or the server (they become results). */
export async function runFile(file: string, opts: RunOptions): Promise<FileResult> {
  const result: FileResult = {
    file,
    passed: 0,
    failed: 0,
    skipped: 0,
    unsupported: 0,
    failures: [],
    bailed: undefined,
    error: undefined,
    rewritten: false,
    views: { early: 0, earlyAfterWrites: 0, atPosition: 0, fallbacks: 0 },
  };
  let input: string;
  let records: SltRecord[];
  try {
    input = readFileSync(file, 'utf8');
    records = parseSlt(file, input);
  } catch (e) {
    result.error = e instanceof SltParseError ? e.message : `cannot read ${file}: ${String(e)}`;
    return result;
  }
  const session = new Session(opts.target);
  try {
    await session.open();
  } catch (e) {
    result.error = `server did not start: ${e instanceof Error ? e.message : String(e)}`;
    await session.close().catch(() => undefined);
    return result;
  }
  const edits: Edit[] = [];
  const ctx: RecordContext = {
    opts,
    session,
    input,
    edits,
    hashThreshold: 0,
    file,
    viewCounter: 0,
    early: new Map(),
    leftover: [],
    afterWrites: new Set(),
    stats: result.views,
  };
  const plan = opts.views && opts.target.isTributary ? planViews(records, (r) => skipByConditions(r, opts.target)) : undefined;
  for (const i of plan?.afterWrites ?? []) {
    const r = records[i];
    if (r !== undefined) ctx.afterWrites.add(r);
  }
  let executed = 0;
  try {
    if (plan !== undefined && !(await createAnchoredOrBail(ctx, plan, -1, records, result))) return result;
    for (const [index, record] of records.entries()) {
      if (record.kind === 'halt') {
        if (!skipByConditions(record, opts.target)) break;
        continue;
      }
      const executable = record.kind === 'statement' || record.kind === 'query' || record.kind === 'queryError' || record.kind === 'simple';
      if (skipByConditions(record, opts.target)) {
        if (executable) result.skipped++;
        continue;
      }
      if (executable && opts.maxRecords !== undefined && executed >= opts.maxRecords) break;
      if (executable) executed++;
      if (plan?.boundaries.has(index) === true) await dropAllEarly(ctx);
      let outcome: Outcome;
      try {
        outcome = await runRecord(record, ctx);
      } catch (e) {
        if (e instanceof RecordTimeout) {
          // A statement that never finished leaves the file's state unknown, like a failed one.
          outcome = fail(e.message, false, record.kind === 'statement');
          try {
            await session.reconnect();
          } catch (re) {
            outcome = fatal(`${e.message}; the server does not answer any more (${String(re)})`);
          }
        } else {
          outcome = fatal(`runner error: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const usable = session.main?.brokenReason === undefined && !(outcome.kind === 'fail' && outcome.fatal === true);
      if (plan !== undefined && usable && !(await createAnchoredOrBail(ctx, plan, index, records, result))) break;
      if (outcome.kind === 'pass') {
        result.passed++;
        continue;
      }
      if (outcome.kind === 'directive') continue;
      if (outcome.unsupported) result.unsupported++;
      else result.failed++;
      const failure: Failure = { line: record.location.line, unsupported: outcome.unsupported, message: outcome.message };
      result.failures.push(failure);
      if (opts.verbose) {
        const sql = 'sql' in record ? `\n${indent(record.sql)}` : '';
        opts.log(`${outcome.unsupported ? 'UNSUPPORTED' : 'FAILURE'} ${file}:${record.location.line}:${sql}\n${indent(outcome.message)}\n    ----`);
      }
      const lost = session.main?.brokenReason;
      if (lost !== undefined) {
        const diag = session.endpoint?.diagnostics() ?? '';
        result.bailed = `line ${record.location.line}: lost the server connection (${lost.message})${diag === '' ? '' : `\n${diag}`}`;
        break;
      }
      if (outcome.fatal === true) {
        result.bailed = `line ${record.location.line}: ${outcome.message}`;
        break;
      }
      if (outcome.bail === true && !opts.noBail) {
        result.bailed = `line ${record.location.line}: statement failed, rest of the file not run`;
        break;
      }
      if (opts.failFast) break;
    }
  } finally {
    // Only matters for a server that outlives the file (--url).
    if (session.main?.brokenReason === undefined) await dropAllEarly(ctx).catch(() => undefined);
    await session.close().catch(() => undefined);
  }
  if (opts.rewrite && edits.length > 0) {
    writeFileSync(file, applyEdits(input, edits));
    result.rewritten = true;
  }
  return result;
}

function skipByConditions(record: SltRecord, target: Target): boolean {
  return record.conditions.some((c) => (c.kind === 'skipif' ? target.dialects.has(c.db) : !target.dialects.has(c.db)));
}

interface RecordContext {
  readonly opts: RunOptions;
  readonly session: Session;
  readonly input: string;
  readonly edits: Edit[];
  hashThreshold: number;
  readonly file: string;
  viewCounter: number;
  /** Early views per query record, created at its anchor and not yet compared. */
  readonly early: Map<SltRecord, ViewPair>;
  /** Early views compared (or abandoned) but not dropped yet: dropping waits for the end of a transaction. */
  readonly leftover: ViewPair[];
  /** Query records with writes between their anchor and themselves. */
  readonly afterWrites: Set<SltRecord>;
  readonly stats: ViewStats;
}

/** After the anchor at `index` ran (-1: file start): creates the views of the queries anchored there. */
async function createAnchored(ctx: RecordContext, plan: ViewPlan, index: number, records: readonly SltRecord[]): Promise<void> {
  for (const q of plan.anchored.get(index) ?? []) {
    const record = records[q];
    if (record?.kind !== 'query') continue;
    const client = ctx.session.main;
    if (client === undefined || client.brokenReason !== undefined) return;
    const where = `${ctx.file}:${record.location.line}`;
    // DDL cannot run inside a transaction block (nor without breaking it): check at the position.
    if (client.inTransaction) {
      ctx.stats.fallbacks++;
      if (ctx.opts.verbose) ctx.opts.log(`VIEWS ${where}: anchor is inside a transaction; views are checked at the query`);
      continue;
    }
    let created: Awaited<ReturnType<typeof createEarly>>;
    try {
      created = await withTimeout(createEarly(client, record.sql, record.output, ++ctx.viewCounter), ctx.opts.timeoutMs);
    } catch (e) {
      ctx.stats.fallbacks++;
      if (!(e instanceof RecordTimeout)) throw e;
      if (ctx.opts.verbose) ctx.opts.log(`VIEWS ${where}: creating the views early timed out; views are checked at the query`);
      await ctx.session.reconnect();
      continue;
    }
    if ('error' in created) {
      ctx.stats.fallbacks++;
      if (ctx.opts.verbose) ctx.opts.log(`VIEWS ${where}: creating the views early failed (${created.error}); views are checked at the query`);
      continue;
    }
    ctx.early.set(record, created.pair);
  }
}

/** createAnchored, turning a lost server into a bail-out of the file; false when bailed. */
async function createAnchoredOrBail(ctx: RecordContext, plan: ViewPlan, index: number, records: readonly SltRecord[], result: FileResult): Promise<boolean> {
  try {
    await createAnchored(ctx, plan, index, records);
    return true;
  } catch (e) {
    const line = records[index]?.location.line ?? 0;
    result.bailed = `line ${line}: creating --views views after it: ${e instanceof Error ? e.message : String(e)}`;
    return false;
  }
}

/** Before a boundary: drops every early view still alive (their queries are behind us). */
async function dropAllEarly(ctx: RecordContext): Promise<void> {
  ctx.leftover.push(...ctx.early.values());
  ctx.early.clear();
  const client = ctx.session.main;
  if (client === undefined || client.brokenReason !== undefined || client.inTransaction) return;
  for (const pair of ctx.leftover.splice(0).reverse()) await dropEarly(client, pair);
}

/** Takes a query's early views; they are dropped (now, or at the next boundary) whatever happens. */
async function releaseEarly(ctx: RecordContext, pair: ViewPair): Promise<void> {
  const client = ctx.session.client();
  if (client.inTransaction) ctx.leftover.push(pair);
  else await dropEarly(client, pair);
}

const AUTO_PASSED_STATEMENT = /^(CREATE UNIQUE INDEX|REINDEX)/;

async function runRecord(record: SltRecord, ctx: RecordContext): Promise<Outcome> {
  const timeout = ctx.opts.timeoutMs;
  switch (record.kind) {
    case 'statement': {
      // As Materialize: the SQLite corpus creates unique indexes Materialize has no use for.
      if (AUTO_PASSED_STATEMENT.test(record.sql)) return PASS;
      let res: RawResult;
      try {
        res = await withTimeout(ctx.session.client().extended(record.sql), timeout);
      } catch (e) {
        if (e instanceof RecordTimeout) throw e;
        const rendered = renderError(e);
        const expect = record.expect;
        if (expect.kind === 'error') {
          if (matchesError(expect.error, rendered)) return PASS;
          if (ctx.opts.rewrite) ctx.edits.push(errorEdit(expect.error, errorMessage(e)));
          return fail(`expected error: ${expect.error.pattern}\nactual error: ${rendered}`);
        }
        return fail(`statement failed: ${rendered}`, isUnsupported(rendered), true);
      }
      const expect = record.expect;
      switch (expect.kind) {
        case 'ok':
          return PASS;
        case 'count':
          if (res.rowCount === expect.count) return PASS;
          if (ctx.opts.rewrite) ctx.edits.push({ span: expect.span, text: String(res.rowCount) });
          return fail(`expected ${expect.count} rows affected, got ${res.rowCount}`);
        case 'error':
          return fail(`expected error: ${expect.error.pattern}\nbut the statement succeeded (${res.command})`);
        default:
          return assertNever(expect);
      }
    }
    case 'queryError': {
      try {
        const res = await withTimeout(ctx.session.client().extended(record.sql), timeout);
        return fail(`expected error: ${record.error.pattern}\nbut the query succeeded with ${res.rows.length} rows`);
      } catch (e) {
        if (e instanceof RecordTimeout) throw e;
        const rendered = renderError(e);
        if (matchesError(record.error, rendered)) return PASS;
        if (ctx.opts.rewrite) ctx.edits.push(errorEdit(record.error, errorMessage(e)));
        return fail(`expected error: ${record.error.pattern}\nactual error: ${rendered}`);
      }
    }
    case 'query': {
      const pair = ctx.early.get(record);
      ctx.early.delete(record);
      let res: RawResult;
      try {
        res = await withTimeout(ctx.session.client().extended(record.sql), timeout);
      } catch (e) {
        if (pair !== undefined) ctx.leftover.push(pair);
        if (e instanceof RecordTimeout) throw e;
        const rendered = renderError(e);
        return fail(`query failed: ${rendered}`, isUnsupported(rendered));
      }
      const outcome = checkQuery(record.output, res, ctx);
      if (pair !== undefined) {
        if (outcome.kind !== 'pass') {
          await releaseEarly(ctx, pair);
          return outcome;
        }
        let problem: ViewProblem | undefined;
        try {
          problem = await withTimeout(checkEarly(ctx.session.client(), pair, res), timeout);
        } catch (e) {
          // The connection is replaced after a timeout; the next boundary drops them.
          ctx.leftover.push(pair);
          throw e;
        }
        await releaseEarly(ctx, pair);
        ctx.stats.early++;
        if (ctx.afterWrites.has(record)) ctx.stats.earlyAfterWrites++;
        return problem === undefined ? PASS : fail(`views created after the last DDL before the query: ${problem.message}`, problem.unsupported);
      }
      if (outcome.kind !== 'pass' || !ctx.opts.views || !ctx.opts.target.isTributary) return outcome;
      const check = await withTimeout(checkViews(ctx.session.client(), record.sql, res, record.output, ++ctx.viewCounter), timeout);
      if (check.kind === 'skipped') return PASS;
      ctx.stats.atPosition++;
      return check.problem === undefined ? PASS : fail(check.problem.message, check.problem.unsupported);
    }
    case 'simple':
      return runSimple(record, ctx);
    case 'hashThreshold':
      ctx.hashThreshold = record.threshold;
      return DIRECTIVE;
    case 'resetServer':
      await ctx.session.close();
      try {
        await ctx.session.open();
      } catch (e) {
        return fail(`reset-server: the new server did not start: ${e instanceof Error ? e.message : String(e)}`, false, true);
      }
      return DIRECTIVE;
    case 'copy': {
      const path = resolve(dirname(ctx.file), record.tsvPath);
      await withTimeout(ctx.session.client().copyFrom(record.table, readFileSync(path)), timeout);
      return PASS;
    }
    case 'halt':
      return DIRECTIVE;
    default:
      return assertNever(record);
  }
}

/** Compares a query's rows with the expected output (column names, count, values or hash). */
function checkQuery(output: QueryOutput, res: RawResult, ctx: RecordContext): Outcome {
  const { types } = output;
  const actualNames = res.columns.map((c) => c.name);
  // As Materialize: column names and counts are only checked when there are rows.
  if (res.rows.length > 0 && output.columnNames !== undefined && !sameList(output.columnNames, actualNames)) {
    if (ctx.opts.rewrite) ctx.edits.push(queryOutputEdit(ctx.input, output, actualNames, valuesOf(output, res), displayRows(output, res), ctx.hashThreshold));
    return fail(`wrong column names\nexpected: ${output.columnNames.join(' ')}\nactual:   ${actualNames.join(' ')}`);
  }
  if (res.rows.length > 0 && res.columns.length !== types.length) {
    return fail(`wrong column count: expected ${types.length}, got ${res.columns.length}`);
  }
  const values = valuesOf(output, res);
  const expected = output.expected;
  let ok: boolean;
  let detail: string;
  if (expected.kind === 'hashed') {
    const md5 = hashValues(values);
    ok = values.length === expected.count && md5 === expected.md5;
    detail = `expected: ${expected.count} values hashing to ${expected.md5}\nactual:   ${values.length} values hashing to ${md5}`;
  } else {
    ok = sameList(expected.values, values);
    // Show the expected block as written and the actual result in the same layout.
    const written = ctx.input.slice(output.span.start, output.span.end);
    const shown = output.mode === 'cockroach' && !output.multiline ? displayRows(output, res).map((r) => r.join('  ')) : values;
    detail = `expected:\n${indent(written)}\nactual:\n${indent(shown.join('\n'))}`;
  }
  if (ok) return PASS;
  if (ctx.opts.rewrite) {
    const names = output.colnames ? actualNames : undefined;
    ctx.edits.push(queryOutputEdit(ctx.input, output, names, values, displayRows(output, res), ctx.hashThreshold));
  }
  return fail(`wrong output\n${detail}`);
}

/**
 * Formatted rows as they are written back by --rewrite in cockroach mode: values not split at
 * whitespace (the parser splits sorted rows the same way the formatter does, so they compare equal).
 */
function displayRows(output: QueryOutput, res: RawResult): string[][] {
  const oids = res.columns.map((c) => c.oid);
  const rows = res.rows.map((r) => formatRow(r, oids, output.types, output.mode, 'nosort'));
  if (output.sort !== 'nosort') rows.sort(compareRows);
  return rows;
}

function valuesOf(output: QueryOutput, res: RawResult): string[] {
  const oids = res.columns.map((c) => c.oid);
  const rows = res.rows.map((r) => formatRow(r, oids, output.types, output.mode, output.sort));
  return sortAndFlatten(rows, output.sort);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function runSimple(record: SltRecord & { kind: 'simple' }, ctx: RecordContext): Promise<Outcome> {
  const client = await ctx.session.conn(record.conn, record.user);
  let actual: string[];
  try {
    const results = await withTimeout(client.simple(record.sql), ctx.opts.timeoutMs);
    actual = [];
    for (const r of results) {
      const rows = r.rows.map((row) => row.map((v) => v ?? 'NULL').join(','));
      if (record.rowsort) rows.sort(compareStrings);
      actual.push(...rows, `COMPLETE ${r.rowCount}`);
    }
  } catch (e) {
    if (e instanceof RecordTimeout) throw e;
    actual = renderError(e).split('\n');
  }
  let expected = [...record.expected];
  if (record.rowsort) expected = sortSegments(expected);
  if (record.multiline) {
    // The rows of a multiline record are one block (the text up to EOF).
    const complete = actual.filter((l) => l.startsWith('COMPLETE '));
    const rows = actual.filter((l) => !l.startsWith('COMPLETE '));
    actual = rows.length === 0 ? complete : [rows.join('\n'), ...complete];
  }
  if (sameList(expected, actual)) return PASS;
  if (ctx.opts.rewrite) ctx.edits.push(simpleOutputEdit(ctx.input, record, actual));
  return fail(`wrong output\nexpected:\n${indent(record.expected.join('\n'))}\nactual:\n${indent(actual.join('\n'))}`);
}

/** Sorts the row lines between `COMPLETE n` lines (for `simple ... rowsort`). */
function sortSegments(lines: readonly string[]): string[] {
  const out: string[] = [];
  let segment: string[] = [];
  for (const l of lines) {
    if (l.startsWith('COMPLETE ')) {
      out.push(...segment.sort(compareStrings), l);
      segment = [];
    } else segment.push(l);
  }
  out.push(...segment.sort(compareStrings));
  return out;
}
