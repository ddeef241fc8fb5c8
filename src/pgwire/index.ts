/** pgwire: the PostgreSQL wire protocol server (codec, per-connection state machine, COPY, server). */
export { startPgwireServer, DEFAULT_MAX_MESSAGE_BYTES, type PgwireServer, type PgwireServerOptions } from './server.ts';
export { encodeBinary, decodeBinary, binarySupported } from './binary.ts';
export { escapeCopyText } from './rows.ts';
export { MessageWriter } from './writer.ts';
