/**
 * Shared pieces of the driver tests: a server with the `drv_orders` fixture, detection of the Debian-packaged
 * drivers (pgjdbc, psycopg2) with the reason when one is missing, and running a probe program whose stdout is
 * one JSON line per step (test/drivers/programs/). tools/install-deps.ts installs the packages for `npm test`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

export const PROGRAMS = new URL('./programs/', import.meta.url).pathname;

/** The fixture every probe program expects (see the header of each program). */
export const FIXTURE = [
  'CREATE TABLE drv_orders (id int NOT NULL, customer text, amount numeric(10,2), created_at timestamptz)',
  "INSERT INTO drv_orders VALUES (1, 'a', 10, now()), (2, 'b', 200, now())",
  'CREATE VIEW drv_orders_v AS SELECT id, customer FROM drv_orders',
  'CREATE INDEX drv_orders_id ON drv_orders (id)',
  'CREATE TABLE drv_pk (id int, code text, PRIMARY KEY (code, id))',
];

export async function startWithFixture(): Promise<ServerProcess> {
  const server = await startServerProcess();
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  try {
    for (const s of FIXTURE) await c.query(s);
  } finally {
    await c.end();
  }
  return server;
}

export type Availability = { readonly ok: true; readonly cmd: string; readonly args: readonly string[] } | { readonly ok: false; readonly reason: string };

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** Debian's path; TRIBUTARY_JDBC_JAR points elsewhere (a jar from elsewhere, or a missing one to see the skip). */
export const JDBC_JAR = process.env.TRIBUTARY_JDBC_JAR ?? '/usr/share/java/postgresql.jar';

/** pgjdbc from Debian's libpostgresql-jdbc-java, run by a JDK (single-file source launch needs the compiler module). */
export function jdbcAvailability(): Availability {
  if (!has('java') || !has('javac')) return { ok: false, reason: 'no JDK (apt package default-jdk-headless)' };
  if (!existsSync(JDBC_JAR)) return { ok: false, reason: `no ${JDBC_JAR} (apt package libpostgresql-jdbc-java)` };
  return { ok: true, cmd: 'java', args: ['-cp', JDBC_JAR, `${PROGRAMS}JdbcProbe.java`] };
}

/** psycopg2 from Debian's python3-psycopg2: it lives in the system Python, which may not be the first python3 on PATH. */
export function psycopg2Availability(): Availability {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (py.startsWith('/') ? !existsSync(py) : !has(py)) continue;
    if (spawnSync(py, ['-c', 'import psycopg2'], { stdio: 'ignore' }).status === 0) return { ok: true, cmd: py, args: [`${PROGRAMS}psycopg2_probe.py`] };
  }
  return { ok: false, reason: 'psycopg2 is not importable by /usr/bin/python3 (apt package python3-psycopg2)' };
}

export interface StepResult {
  readonly step: string;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly sqlstate?: string | null;
  readonly error?: string;
}

/** Runs a probe program against the server; resolves with its steps by name (and its stderr, for diagnosis). */
export function runProbe(a: Extract<Availability, { ok: true }>, server: ServerProcess, timeoutMs = 90_000): Promise<{ steps: Map<string, StepResult>; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(a.cmd, [...a.args, '127.0.0.1', String(server.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      const steps = new Map<string, StepResult>();
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const r = JSON.parse(line) as StepResult;
        steps.set(r.step, r);
      }
      resolve({ steps, stderr: err, status });
    });
  });
}

/** The value a step produced; a failed or missing step fails the calling test with the driver's own error. */
export function valueOf(steps: Map<string, StepResult>, name: string, stderr = ''): unknown {
  const r = steps.get(name);
  if (r === undefined) throw new Error(`step ${name} did not run\n${stderr.slice(-2000)}`);
  if (!r.ok) throw new Error(`step ${name} failed: ${r.sqlstate ?? ''} ${r.error ?? ''}`);
  return r.value;
}
