/** storage: tables now; sources (postgres, kafka, load generators), sinks and reclocking later. */
export { TableController } from './tables.ts';
export * from './sources/index.ts';
