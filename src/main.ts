/**
 * The composition root: config → persist → storage/compute (inside the coordinator) → adapter → pgwire.
 * `startTributary` is what tests and tools use in-process; running this file starts the CLI.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Coordinator } from './adapter/index.ts';
import { openPersist } from './persist/index.ts';
import { startPgwireServer } from './pgwire/index.ts';
import { type Logger, createLogger, silentLogger } from './util/index.ts';

export interface TributaryConfig {
  readonly host: string;
  readonly port: number;
  /** Embedded storage directory; undefined = in memory (tests only: nothing survives a restart). */
  readonly dataDir: string | undefined;
  readonly logger?: Logger;
}

export interface Tributary {
  readonly port: number;
  readonly coordinator: Coordinator;
  close(): Promise<void>;
}

export async function startTributary(config: TributaryConfig): Promise<Tributary> {
  const logger = config.logger ?? silentLogger;
  const started = Date.now();
  if (config.dataDir !== undefined) mkdirSync(config.dataDir, { recursive: true });
  const persist = await openPersist(config.dataDir === undefined ? { backend: 'memory' } : { backend: 'fs', dataDir: config.dataDir }, logger.child({ layer: 'persist' }));
  const coordinator = await Coordinator.open({ persist, logger: logger.child({ layer: 'adapter' }) });
  const server = await startPgwireServer({ host: config.host, port: config.port, adapter: coordinator, logger: logger.child({ layer: 'pgwire' }) });
  logger.info({ address: `${config.host}:${server.port}`, dataDir: config.dataDir ?? '(memory)', ms: Date.now() - started }, 'tributary is ready');
  let closing: Promise<void> | undefined;
  return {
    port: server.port,
    coordinator,
    close() {
      closing ??= (async () => {
        await server.close();
        await coordinator.shutdown();
        await persist.close();
      })();
      return closing;
    },
  };
}

const USAGE = `Usage: tributary [options]

Options (each also settable by environment variable):
  --listen <host:port>    address to listen on            TRIBUTARY_LISTEN     (default 127.0.0.1:6875)
  --data-dir <path>       embedded storage directory      TRIBUTARY_DATA_DIR   (default ./data)
  --log-level <level>     trace|debug|info|warn|error     TRIBUTARY_LOG_LEVEL  (default info)
  --log-format <format>   pretty|json                     TRIBUTARY_LOG_FORMAT (default: pretty on a terminal)
  -h, --help              show this help
`;

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  if (!m) throw new Error(`invalid --listen address "${value}" (expected host:port)`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in --listen address "${value}"`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export async function cli(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      listen: { type: 'string' },
      'data-dir': { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const env = process.env;
  const { host, port } = parseListen(values.listen ?? env.TRIBUTARY_LISTEN ?? '127.0.0.1:6875');
  const dataDir = resolve(values['data-dir'] ?? env.TRIBUTARY_DATA_DIR ?? 'data');
  const format = values['log-format'] ?? env.TRIBUTARY_LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const logger = createLogger({ level: values['log-level'] ?? env.TRIBUTARY_LOG_LEVEL ?? 'info', pretty: format === 'pretty' });
  const tributary = await startTributary({ host, port, dataDir, logger });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    tributary.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Runs the CLI, reporting a startup failure in one line and exit status 1. */
export function main(argv: readonly string[]): void {
  cli(argv).catch((err: unknown) => {
    process.stderr.write(`tributary: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

if (import.meta.main) main(process.argv.slice(2));
