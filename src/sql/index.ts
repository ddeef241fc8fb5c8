/** sql: parsing (libpg-query + the Materialize-statement parser), binding and planning into MIR. */
export * from './plan/catalog-api.ts';
export * from './plan/plan.ts';
export { initParser, parseStatements, parseOne, tagOf } from './parser/index.ts';
export type { Statement, StatementAst, MzStatement, PgNode, AsOfClause, MzOption, ShowWhat, ShowFilter, SubscribeStmt, SubscribeTarget, ExplainStage } from './parser/index.ts';
export { planStatement, describeStatement, resultColumns } from './plan/statement.ts';
export { explainText, scalarText } from './plan/explain.ts';
