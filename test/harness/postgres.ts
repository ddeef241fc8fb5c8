/**
 * A real PostgreSQL server for tests: initdb into a fresh temporary directory, a free loopback port,
 * logical replication enabled, trust authentication, fsync off. Owns finding (and, in CI, installing)
 * the PostgreSQL binaries, and running them as the `postgres` OS user when the tests run as root
 * (initdb and postgres refuse to run as root).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** `postgres://user@host:port/database` */
  readonly connectionString: string;
  /** The data directory (deleted by `stop`). */
  readonly dataDir: string;
  /** Fast shutdown, then deletes the data directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Extra `postgresql.conf` settings, passed as `-c name=value`. */
  readonly settings?: Readonly<Record<string, string>>;
  /** How long to wait for the server to accept connections. Default 30 s. */
  readonly readyTimeoutMs?: number;
  /** Echo the server's log to this process's stderr (for debugging). */
  readonly verbose?: boolean;
}

const SUPERUSER = 'postgres';
const HOST = '127.0.0.1';

/** Locates `initdb` and `postgres`; undefined when not installed. */
export function findPostgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = join(root, v, 'bin');
      if (hasBinaries(dir)) return dir;
    }
  }
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && hasBinaries(dir)) return dir;
  }
  return undefined;
}

function hasBinaries(dir: string): boolean {
  return existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Returns the directory holding the PostgreSQL binaries, installing the Debian package first when
 * they are missing and installing is allowed (running as root, and CI=true or TRIBUTARY_INSTALL_PG=1).
 */
export function ensurePostgresInstalled(): string {
  const found = findPostgresBinDir();
  if (found !== undefined) return found;
  const allowed = process.env['CI'] === 'true' || process.env['TRIBUTARY_INSTALL_PG'] === '1';
  if (!isRoot() || !allowed) {
    throw new Error(
      'PostgreSQL binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or PATH. ' +
        'Install PostgreSQL 15 (e.g. `apt-get install -y postgresql`), or run as root with ' +
        'TRIBUTARY_INSTALL_PG=1 (or CI=true) to let the test harness install it.',
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', 'postgresql'], { stdio: 'inherit', env });
  } catch {
    // A fresh container often has no package lists yet.
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', 'postgresql'], { stdio: 'inherit', env });
  }
  const installed = findPostgresBinDir();
  if (installed === undefined) throw new Error('apt-get install postgresql succeeded but initdb/postgres are still missing');
  return installed;
}

/** A free TCP port on the loopback interface (the OS picks it; a race with other processes is possible). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

function postgresOsUser(): OsUser {
  try {
    const uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      'running as root, but there is no `postgres` OS user to run initdb/postgres as ' +
        '(the Debian postgresql package creates it)',
    );
  }
}

/** The argv to run a PostgreSQL binary, through `runuser` when we are root. */
function command(binDir: string, binary: string, args: readonly string[]): [string, string[]] {
  const path = join(binDir, binary);
  if (isRoot()) return ['runuser', ['-u', SUPERUSER, '--', path, ...args]];
  return [path, [...args]];
}

function initdb(binDir: string, dataDir: string): void {
  const [cmd, args] = command(binDir, 'initdb', [
    '-D', dataDir,
    `--username=${SUPERUSER}`,
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  try {
    execFileSync(cmd, args, { stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`initdb failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
  // Trust for loopback TCP and the private Unix socket, replication included (CDC tests need it).
  writeFileSync(
    join(dataDir, 'pg_hba.conf'),
    [
      'local all all trust',
      'local replication all trust',
      'host all all 127.0.0.1/32 trust',
      'host replication all 127.0.0.1/32 trust',
      '',
    ].join('\n'),
  );
}

function serverSettings(dataDir: string, port: number, extra: Readonly<Record<string, string>>): Record<string, string> {
  return {
    listen_addresses: HOST,
    port: String(port),
    unix_socket_directories: dataDir,
    wal_level: 'logical',
    max_replication_slots: '10',
    max_wal_senders: '10',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    shared_buffers: '32MB',
    logging_collector: 'off',
    ...extra,
  };
}

async function waitUntilReady(
  connectionString: string,
  child: ChildProcess,
  timeoutMs: number,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres exited during startup (code ${child.exitCode}, signal ${child.signalCode}):\n${log()}`);
    }
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (e) {
      lastError = e;
      await client.end().catch(() => undefined);
      await sleep(50);
    }
  }
  throw new Error(`postgres did not become ready within ${timeoutMs} ms: ${String(lastError)}\n${log()}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The postmaster's own PID (not runuser's), from postmaster.pid. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const first = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Data directories of servers still running, stopped if the test process exits without stop(). */
const liveServers = new Set<string>();
let exitHookInstalled = false;

function trackServer(dataDir: string): void {
  liveServers.add(dataDir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of liveServers) {
      signal(postmasterPid(dir), 'SIGQUIT'); // immediate shutdown; the postmaster takes its children along
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Starts a fresh PostgreSQL server; see the file header. */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binDir = ensurePostgresInstalled();
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-pg-'));
  try {
    if (isRoot()) {
      const { uid, gid } = postgresOsUser();
      chownSync(dataDir, uid, gid);
    }
    initdb(binDir, dataDir);
    let lastError: unknown;
    // The free port may be taken between choosing and binding it: retry with another.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      try {
        return await launch(binDir, dataDir, port, opts);
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError;
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

async function launch(binDir: string, dataDir: string, port: number, opts: StartPostgresOptions): Promise<PostgresServer> {
  const settings = serverSettings(dataDir, port, opts.settings ?? {});
  const args = ['-D', dataDir];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  const [cmd, argv] = command(binDir, 'postgres', args);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    if (opts.verbose === true) process.stderr.write(text);
    if (log.length < 64 * 1024) log += text;
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const connectionString = `postgres://${SUPERUSER}@${HOST}:${port}/postgres`;
  const stopProcess = async (): Promise<void> => {
    // SIGINT = fast shutdown. Signal the postmaster itself: runuser may not forward signals.
    const pid = postmasterPid(dataDir) ?? child.pid;
    signal(pid, 'SIGINT');
    if (!(await waitForExit(child, 10_000))) {
      signal(pid, 'SIGQUIT');
      signal(child.pid, 'SIGKILL');
      await waitForExit(child, 5_000);
    }
  };
  try {
    await waitUntilReady(connectionString, child, opts.readyTimeoutMs ?? 30_000, () => log);
  } catch (e) {
    await stopProcess();
    throw e;
  }
  trackServer(dataDir);
  let stopped: Promise<void> | undefined;
  return {
    host: HOST,
    port,
    user: SUPERUSER,
    database: 'postgres',
    connectionString,
    dataDir,
    stop: () => {
      stopped ??= stopProcess().finally(() => {
        liveServers.delete(dataDir);
        rmSync(dataDir, { recursive: true, force: true });
      });
      return stopped;
    },
  };
}
