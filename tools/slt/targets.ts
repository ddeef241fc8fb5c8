/**
 * Where the runner's SQL goes. A target hands out a fresh, empty "server" per file (and on
 * `reset-server`): a Tributary child process with its own port and data directory, a fresh
 * database in one real PostgreSQL (test/harness/postgres.ts), or an already-running server.
 * The target's `dialects` decide `skipif`/`onlyif`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startPostgres, type PostgresServer } from '../../test/harness/postgres.ts';
import { SltClient } from './client.ts';

/** One fresh server (or database) the records of a file run against. */
export interface Endpoint {
  readonly connectionString: string;
  /** Recent server output, to explain a crash. */
  diagnostics(): string;
  close(): Promise<void>;
}

export interface Target {
  /** `tributary` or `postgresql`: what `skipif`/`onlyif` names match. */
  readonly dialects: ReadonlySet<string>;
  readonly description: string;
  /** Whether the target is Tributary (the `--views` checks need Materialize's DDL). */
  readonly isTributary: boolean;
  open(): Promise<Endpoint>;
  shutdown(): Promise<void>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TRIBUTARY_DIALECTS: ReadonlySet<string> = new Set(['tributary', 'postgresql']);

/** Polls until `select 1` succeeds. */
async function waitForSelect1(connectionString: string, timeoutMs: number, alive: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const dead = alive();
    if (dead !== undefined) throw new Error(dead);
    try {
      const client = await SltClient.connect({ connectionString, connectTimeoutMs: 2000 });
      try {
        await client.extended('select 1');
        return;
      } finally {
        await client.close();
      }
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`server not ready after ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`);
}

export interface TributaryOptions {
  /**
   * Command line of the server, run by the shell; `{port}` and `{data_dir}` are substituted.
   * Default: `node src/main.ts --listen 127.0.0.1:{port} --data-dir {data_dir} --log-level warn`.
   */
  readonly command?: string;
  readonly startTimeoutMs?: number;
}

/** A Tributary child process per endpoint. */
export function tributaryTarget(opts: TributaryOptions = {}): Target {
  return {
    dialects: TRIBUTARY_DIALECTS,
    description: opts.command === undefined ? 'tributary (child process per file)' : `server: ${opts.command}`,
    isTributary: true,
    open: () => startTributary(opts),
    shutdown: async () => {},
  };
}

/** Process groups of servers still running, killed if the runner itself exits early (Ctrl-C). */
const liveServers = new Set<number>();
let exitHookInstalled = false;

function trackServer(pid: number): void {
  liveServers.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of liveServers) signalGroup(p, 'SIGKILL');
  });
}

async function startTributary(opts: TributaryOptions): Promise<Endpoint> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-slt-'));
  let child: ChildProcess;
  if (opts.command === undefined) {
    const args = ['src/main.ts', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--log-level', 'warn'];
    child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } else {
    const cmd = opts.command.replaceAll('{port}', String(port)).replaceAll('{data_dir}', dataDir);
    child = spawn(cmd, { cwd: REPO_ROOT, shell: true, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  }
  if (child.pid !== undefined) trackServer(child.pid);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `server exited (code ${code}, signal ${signal})`;
  });
  child.on('error', (e) => {
    exited = `server failed to start: ${e.message}`;
  });
  const connectionString = `postgres://materialize@127.0.0.1:${port}/materialize`;
  const stop = async (): Promise<void> => {
    if (exited === undefined && child.pid !== undefined) {
      const done = new Promise((r) => child.once('exit', r));
      signalGroup(child.pid, 'SIGTERM');
      const killed = await Promise.race([done.then(() => true), sleep(3000).then(() => false)]);
      if (!killed) {
        signalGroup(child.pid, 'SIGKILL');
        await Promise.race([done, sleep(2000)]);
      }
    }
    if (child.pid !== undefined) liveServers.delete(child.pid);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForSelect1(connectionString, opts.startTimeoutMs ?? 30_000, () =>
      exited === undefined ? undefined : `${exited}\n${output}`,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    connectionString,
    diagnostics: () => (exited === undefined ? output : `${exited}\n${output}`),
    close: stop,
  };
}

/** Signals the process group we created (`detached`), so a shell wrapper's children go too. */
function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** An already-running server; every endpoint is the same server (state carries over between files). */
export function urlTarget(url: string, tributary: boolean): Target {
  return {
    dialects: tributary ? TRIBUTARY_DIALECTS : new Set(['postgresql']),
    description: url,
    isTributary: tributary,
    open: async () => ({ connectionString: url, diagnostics: () => '', close: async () => {} }),
    shutdown: async () => {},
  };
}

/** One real PostgreSQL for the whole run, a fresh database per endpoint. */
export function postgresTarget(): Target {
  let server: Promise<PostgresServer> | undefined;
  let counter = 0;
  return {
    dialects: new Set(['postgresql']),
    description: 'postgresql (test/harness/postgres.ts)',
    isTributary: false,
    open: async () => {
      // Tributary only supports UTC; the files' timestamptz results assume it.
      server ??= startPostgres({ settings: { TimeZone: 'UTC' } });
      const pgServer = await server;
      const database = `slt_${process.pid}_${++counter}`;
      const admin = await SltClient.connect({ connectionString: pgServer.connectionString });
      try {
        await admin.simple(`CREATE DATABASE ${database}`);
      } finally {
        await admin.close();
      }
      const connectionString = `postgres://${pgServer.user}@${pgServer.host}:${pgServer.port}/${database}`;
      return {
        connectionString,
        diagnostics: () => '',
        close: async () => {
          const admin2 = await SltClient.connect({ connectionString: pgServer.connectionString });
          try {
            await admin2.simple(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
          } finally {
            await admin2.close();
          }
        },
      };
    },
    shutdown: async () => {
      if (server !== undefined) await (await server).stop();
    },
  };
}
