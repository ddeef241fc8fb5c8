/**
 * The pgwire TCP server: accepts connections and runs one Connection state machine per socket.
 * Nothing a client sends can take the server down; each connection fails on its own.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { AdapterClient } from '../adapter/index.ts';
import { type Logger, SqlError, SqlState } from '../util/index.ts';
import { Connection } from './connection.ts';

export interface PgwireServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly adapter: AdapterClient;
  readonly logger: Logger;
  /** Frames larger than this end the connection with 08P01. Default 256 MiB. */
  readonly maxMessageBytes?: number;
}

export interface PgwireServer {
  /** The port actually listened on. */
  readonly port: number;
  /** Stops accepting, ends every connection (FATAL 57P01) and waits for their sessions to close. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export async function startPgwireServer(options: PgwireServerOptions): Promise<PgwireServer> {
  const { adapter, logger } = options;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const connections = new Set<Connection>();

  const server = createServer({ noDelay: true }, (socket: Socket) => {
    let conn: Connection;
    try {
      conn = new Connection(socket, { adapter, logger, maxMessageBytes });
    } catch (err) {
      logger.warn({ err }, 'pgwire: failed to set up connection');
      socket.destroy();
      return;
    }
    connections.add(conn);
    void conn.run();
    void conn.closedPromise.then(() => connections.delete(conn));
  });
  server.on('error', (err) => logger.error({ err }, 'pgwire server error'));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host: options.host, port }, 'pgwire listening');

  return {
    port,
    async close(): Promise<void> {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const shutdown = new SqlError(SqlState.adminShutdown, 'terminating connection due to administrator command', { severity: 'FATAL' });
      const pending = [...connections].map((c) => {
        c.terminate(shutdown);
        return c.closedPromise;
      });
      await Promise.all(pending);
      await stopped;
    },
  };
}
