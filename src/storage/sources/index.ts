/** Sources: ingestion from outside systems into persist shards, with reclocking (PostgreSQL CDC so far). */
export { SourceOutputs, type Recovery, type SourceShardIds, type Step } from './outputs.ts';
export {
  purifyPostgresSource, validatePostgresConnection, subsourceDesc, PROGRESS_DESC,
  type PurifiedColumn, type PurifiedTable, type PurifiedPostgresSource, type PurifyPostgresOptions, type TableSelection,
} from './postgres/purify.ts';
export {
  startPostgresSource, dropReplicationSlot, newSlotName, defaultTuning,
  type PostgresSourceConfig, type PostgresSourceHandle, type PostgresSourceStatus, type PostgresSourceTuning,
  type SourceState, type SubsourceStatus,
} from './postgres/source.ts';
export type { PostgresConnectionConfig } from './postgres/wire.ts';
export { SOURCE_ERROR_SQLSTATE, ingestErrors } from './postgres/errors.ts';
export { ERRORS_DESC } from './outputs.ts';
export { startLoadGenerator, type LoadGeneratorConfig, type LoadGeneratorHandle } from './load-generator/source.ts';
export { generatorOutputs, generateTick, type GeneratorKind, type GeneratorOutput } from './load-generator/generators.ts';
