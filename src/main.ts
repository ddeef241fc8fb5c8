/**
 * The composition root: config → persist → storage/compute (inside the coordinator) → adapter → pgwire.
 * `startTributary` is what tests and tools use in-process; running this file starts the CLI.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Coordinator } from './adapter/index.ts';
import { type PersistError, type PersistLocation, RoutingPersistClient, openPersist, parseS3Url } from './persist/index.ts';
import { startPgwireServer } from './pgwire/index.ts';
import { type Logger, createLogger, silentLogger } from './util/index.ts';

export interface TributaryConfig {
  readonly host: string;
  readonly port: number;
  /** Embedded storage directory; undefined = in memory (tests only: nothing survives a restart). */
  readonly dataDir: string | undefined;
  readonly logger?: Logger;
  /** Shared Consensus: a postgres:// URL (`?table=` optional). Default: `<dataDir>/consensus`. */
  readonly persistConsensus?: string;
  /** Shared Blob: `s3://bucket/prefix?endpoint=...&region=...`, or a directory. Default: `<dataDir>/blob`. */
  readonly persistBlob?: string;
  /**
   * Called when a newer process took over the store (fencing). Default: close this server, so it
   * neither writes nor answers from data another process is now changing. The CLI exits.
   */
  readonly onFenced?: (err: PersistError) => void;
}

/** Where persist lives, from the data directory and the optional shared-backend settings. */
export function persistLocation(config: Pick<TributaryConfig, 'dataDir' | 'persistConsensus' | 'persistBlob'>): PersistLocation {
  const { dataDir, persistConsensus, persistBlob } = config;
  if (persistConsensus === undefined && persistBlob === undefined) {
    return dataDir === undefined ? { backend: 'memory' } : { backend: 'fs', dataDir };
  }
  const local = (what: string): string => {
    if (dataDir === undefined) throw new Error(`a data directory is needed for the local ${what}`);
    return resolve(dataDir, what);
  };
  return {
    backend: 'shared',
    consensus: persistConsensus !== undefined ? { postgres: persistConsensus } : { dir: local('consensus') },
    blob: persistBlob === undefined ? { dir: local('blob') } : persistBlob.startsWith('s3://') ? { s3: parseS3Url(persistBlob) } : { dir: resolve(persistBlob) },
  };
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
  let onFenced = (_err: PersistError): void => undefined;
  const persist = await openPersist(persistLocation(config), logger.child({ layer: 'persist' }), { onFenced: (err) => onFenced(err) });
  // Refuse to start on damaged data (the error names the file) rather than fail or mislead later.
  await persist.verify().catch(async (err: unknown) => {
    await persist.close().catch(() => undefined);
    throw err;
  });
  // Builtin catalog relations are rebuilt from the catalog at every start: keep them in memory.
  const ephemeral = await openPersist({ backend: 'memory' }, logger.child({ layer: 'persist', store: 'ephemeral' }));
  const routed = new RoutingPersistClient(persist, ephemeral);
  const coordinator = await Coordinator.open({ persist: routed, logger: logger.child({ layer: 'adapter' }) });
  const server = await startPgwireServer({ host: config.host, port: config.port, adapter: coordinator, logger: logger.child({ layer: 'pgwire' }) });
  logger.info({ address: `${config.host}:${server.port}`, dataDir: config.dataDir ?? '(memory)', ms: Date.now() - started }, 'tributary is ready');
  let closing: Promise<void> | undefined;
  const tributary: Tributary = {
    port: server.port,
    coordinator,
    close() {
      closing ??= (async () => {
        await server.close();
        await coordinator.shutdown();
        await routed.close();
      })();
      return closing;
    },
  };
  onFenced = (err) => {
    logger.error({ err: err.message }, 'another process took over this data directory (fenced); shutting down');
    if (config.onFenced !== undefined) config.onFenced(err);
    else void tributary.close().catch(() => undefined);
  };
  return tributary;
}

const USAGE = `Usage: tributary [options]

Options (each also settable by environment variable):
  --listen <host:port>    address to listen on            TRIBUTARY_LISTEN     (default 127.0.0.1:6875)
  --data-dir <path>       embedded storage directory      TRIBUTARY_DATA_DIR   (default ./data)
  --persist-consensus <url>  shared consensus: postgres://user@host:port/db[?table=name]
                                                          TRIBUTARY_PERSIST_CONSENSUS (default <data-dir>/consensus)
  --persist-blob <url>    shared blob: s3://bucket/prefix[?endpoint=http://host:port&region=r]
                          (credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) or a directory
                                                          TRIBUTARY_PERSIST_BLOB (default <data-dir>/blob)
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
      'persist-consensus': { type: 'string' },
      'persist-blob': { type: 'string' },
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
  const persistConsensus = values['persist-consensus'] ?? env.TRIBUTARY_PERSIST_CONSENSUS;
  const persistBlob = values['persist-blob'] ?? env.TRIBUTARY_PERSIST_BLOB;
  const tributary = await startTributary({
    host, port, dataDir, logger,
    ...(persistConsensus === undefined ? {} : { persistConsensus }),
    ...(persistBlob === undefined ? {} : { persistBlob }),
    onFenced: (err) => {
      // Exit rather than linger: a fenced process must neither write nor answer from stale data.
      process.stderr.write(`tributary: ${err.message}\n`);
      process.exit(1);
    },
  });
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
