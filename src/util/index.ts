/** Small helpers shared by all layers. */
export { assertNever, invariant } from './assert.ts';
export { SqlError, SqlState, unsupported, toSqlError, type SqlStateCode, type SqlErrorFields } from './errors.ts';
export { Deferred } from './deferred.ts';
export { createLogger, silentLogger, type Logger } from './logger.ts';
export { mulberry32 } from './random.ts';
