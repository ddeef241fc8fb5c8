/**
 * An in-process Tributary with in-memory storage and one connected `pg` client: the fixture of test
 * files that need SQL over the wire but no restarts (those use server.ts's child processes).
 */
import pg from 'pg';
import { startTributary, type Tributary } from '../../src/main.ts';

export interface InProcess {
  readonly server: Tributary;
  readonly client: pg.Client;
  close(): Promise<void>;
}

export async function startInProcess(): Promise<InProcess> {
  const server = await startTributary({ host: '127.0.0.1', port: 0, dataDir: undefined });
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'materialize', database: 'materialize' });
  // A server-side error on an idle client (e.g. a terminated connection) must not crash the test process.
  client.on('error', () => undefined);
  await client.connect();
  return {
    server,
    client,
    close: async () => {
      await client.end();
      await server.close();
    },
  };
}
