/** storage: tables, sources (PostgreSQL CDC, load generators) with reclocking; Kafka and sinks later. */
export { TableController } from './tables.ts';
export * from './sources/index.ts';
