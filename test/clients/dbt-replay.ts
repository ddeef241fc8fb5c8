/**
 * Replays captured dbt traffic (reference/clients.md §3.3 format: one JSON event per line,
 * `connect` / `sql` with `expect` / `terminate`, grouped by `run` and `conn`) against a server and
 * reports every statement whose outcome differs from the expectation.
 *
 * `expect` reads `[NOTICE ...] TAG (n rows) -> RFQ S` or `ERROR <sqlstate> ... -> RFQ S`. Compared:
 * the final ReadyForQuery status always; the error's SQLSTATE; the last CommandComplete tag and the
 * row count, except for catalog queries (pg_*, information_schema, mz_*), whose row counts depend on
 * the server, so only their command word is compared. One deliberate difference is accepted:
 * CREATE MATERIALIZED VIEW answers with Materialize's tag where PostgreSQL says `SELECT n`.
 */
import { type QueryOutcome, ReplayConnection } from './dbt-replay-client.ts';

export interface ReplayEvent {
  readonly run: string;
  readonly conn: string;
  readonly event?: 'connect' | 'terminate';
  readonly startup?: string;
  readonly sql?: string;
  readonly expect?: string;
}

export interface Mismatch {
  /** 1-based line of the event in the file. */
  readonly line: number;
  readonly run: string;
  readonly conn: string;
  readonly sql: string;
  readonly expected: string;
  readonly actual: string;
}

export interface Expectation {
  readonly tag: string;
  readonly rows: number | undefined;
  readonly errorCode: string | undefined;
  readonly status: 'I' | 'T' | 'E';
}

export function parseEvents(text: string): ReplayEvent[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ReplayEvent);
}

/** `[NOTICE ...] TAG (n rows) -> RFQ S` → its parts. */
export function parseExpect(expect: string): Expectation {
  const m = /^((?:\[[^\]]*\]\s*)*)(.*?)(?:\s+\((\d+) rows\))?\s*->\s*RFQ\s+([ITE])\s*$/s.exec(expect);
  if (m === null) throw new Error(`unreadable expectation: ${expect}`);
  const tag = m[2]!.trim();
  const err = /^ERROR\s+([0-9A-Z]{5})/.exec(tag);
  return { tag, rows: m[3] === undefined ? undefined : Number(m[3]), errorCode: err?.[1], status: m[4] as Expectation['status'] };
}

/** `StartupMessage v3.0 {user="postgres", database="dbtdemo", ...}` → the parameters. */
export function parseStartup(startup: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (startup ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return out;
}

const CATALOG = /\b(pg_[a-z_]+|information_schema|mz_[a-z_]+)\b/i;

function stripComment(sql: string): string {
  return sql.replace(/^\s*\/\*[\s\S]*?\*\/\s*/, '').trim();
}

export function isCatalogQuery(sql: string): boolean {
  const s = stripComment(sql);
  return /^(select|with)\b/i.test(s) && CATALOG.test(s);
}

function describe(o: QueryOutcome): string {
  const tag = o.error !== undefined ? `ERROR ${o.error.code}: ${o.error.message}` : (o.tags[o.tags.length - 1] ?? '(no tag)');
  return `${tag} (${o.rows} rows) -> RFQ ${o.status}`;
}

/** Undefined when `outcome` meets `expect` under the rules above, else why not. */
export function compare(sql: string, expect: Expectation, outcome: QueryOutcome): string | undefined {
  if (outcome.status !== expect.status) return `transaction status ${outcome.status}, expected ${expect.status}`;
  if (expect.errorCode !== undefined) {
    if (outcome.error === undefined) return `expected error ${expect.errorCode}`;
    return outcome.error.code === expect.errorCode ? undefined : `error ${outcome.error.code}, expected ${expect.errorCode}`;
  }
  if (outcome.error !== undefined) return `unexpected error ${outcome.error.code}: ${outcome.error.message}`;
  const tag = outcome.tags[outcome.tags.length - 1] ?? '';
  if (isCatalogQuery(sql)) return tag.split(' ')[0] === expect.tag.split(' ')[0] ? undefined : `tag ${tag}, expected ${expect.tag}`;
  const mvTag = tag === 'CREATE MATERIALIZED VIEW' && /^SELECT \d+$/.test(expect.tag) && /^create\s+materialized\s+view/i.test(stripComment(sql));
  if (tag !== expect.tag && !mvTag) return `tag ${tag}, expected ${expect.tag}`;
  if (expect.rows !== undefined && outcome.rows !== expect.rows) return `${outcome.rows} rows, expected ${expect.rows}`;
  return undefined;
}

/**
 * Replays `events` against the server on `port`: a fresh connection per `connect`, each `sql` as one
 * simple Query. `mapStartup` may adjust startup parameters (e.g. the database name).
 */
export async function replay(port: number, events: readonly ReplayEvent[], mapStartup: (p: Record<string, string>) => Record<string, string> = (p) => p): Promise<{ statements: number; mismatches: Mismatch[] }> {
  const conns = new Map<string, ReplayConnection>();
  const mismatches: Mismatch[] = [];
  let statements = 0;
  const key = (e: ReplayEvent): string => `${e.run}/${e.conn}`;
  try {
    for (const [i, e] of events.entries()) {
      if (e.event === 'connect') {
        conns.set(key(e), await ReplayConnection.open(port, mapStartup(parseStartup(e.startup))));
        continue;
      }
      if (e.event === 'terminate') {
        conns.get(key(e))?.close();
        conns.delete(key(e));
        continue;
      }
      if (e.sql === undefined || e.expect === undefined) continue;
      const conn = conns.get(key(e));
      if (conn === undefined) throw new Error(`line ${i + 1}: no open connection ${key(e)}`);
      statements++;
      const outcome = await conn.query(e.sql);
      const why = compare(e.sql, parseExpect(e.expect), outcome);
      if (why !== undefined) {
        mismatches.push({ line: i + 1, run: e.run, conn: e.conn, sql: stripComment(e.sql).slice(0, 200), expected: e.expect, actual: `${describe(outcome)} — ${why}` });
      }
    }
  } finally {
    for (const c of conns.values()) c.close();
  }
  return { statements, mismatches };
}
