/** sql: parsing (libpg-query + the Materialize-statement parser), binding and planning into MIR. */
export * from './plan/catalog-api.ts';
export * from './plan/plan.ts';
