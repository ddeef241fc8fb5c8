/** sql: parsing (libpg-query + the Materialize-statement parser), binding and planning into MIR. */
export * from './plan/catalog-api.ts';
export * from './plan/plan.ts';
export { initParser, parseStatements, parseOne, tagOf } from './parser/index.ts';
export type { Statement, StatementAst, MzStatement, PgNode, AsOfClause, MzOption, ShowWhat, ShowFilter, SubscribeStmt, SubscribeTarget, ExplainStage, ClusterStatement } from './parser/index.ts';
export { planStatement, describeStatement, resultColumns } from './plan/statement.ts';
export { explainText, scalarText } from './plan/explain.ts';
export { renameInCreateSql } from './plan/rename.ts';
export { DEFAULT_RETAIN_HISTORY_MS, retainHistoryOf, retainHistoryMs } from './parser/index.ts';
export type { RetainHistoryTarget } from './parser/index.ts';
