/**
 * Starts a real Tributary server as a child process (`node src/main.ts`) on a free loopback port with
 * its own data directory, for integration tests. `kill()` sends SIGKILL (a crash), `stop()` SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const root = new URL('../..', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly port: number;
  readonly dataDir: string;
  readonly url: string;
  /** Output the server wrote (stdout and stderr), for diagnosing failures. */
  output(): string;
  /** Whether the server process has exited (by itself or by a signal). */
  exited(): boolean;
  kill(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  dispose(): Promise<void>;
}

export async function startServerProcess(opts: { dataDir?: string; args?: readonly string[] } = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-test-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let out = '';

  // A test process that dies without dispose() must not leave its server running.
  process.once('exit', () => child?.kill('SIGKILL'));

  const launch = async (): Promise<void> => {
    child = spawn(process.execPath, ['src/main.ts', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--log-level', 'info', '--log-format', 'json', ...(opts.args ?? [])], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited with ${child.exitCode ?? child.signalCode} during startup:\n${out}`);
      try {
        const c = new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize' });
        await c.connect();
        await c.query('SELECT 1');
        await c.end();
        return;
      } catch {
        if (Date.now() - started > 30_000) throw new Error(`server did not become ready within 30 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const waitExit = (signal: NodeJS.Signals): Promise<void> =>
    new Promise((resolve) => {
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill(signal);
    });

  await launch();
  return {
    port,
    dataDir,
    url: `postgres://materialize@127.0.0.1:${port}/materialize`,
    output: () => out,
    exited: () => child === undefined || child.exitCode !== null || child.signalCode !== null,
    kill: () => waitExit('SIGKILL'),
    stop: () => waitExit('SIGTERM'),
    restart: launch,
    async dispose() {
      await waitExit('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
