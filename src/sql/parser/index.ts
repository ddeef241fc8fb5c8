/** sql/parser: splitting, routing and parsing SQL text into statement ASTs (PostgreSQL and Materialize forms). */
export { initParser, parseStatements, parseOne, tagOf } from './parse.ts';
export type { Statement, StatementAst, MzStatement, PgNode, AsOfClause, MzOption, ShowWhat, ShowFilter, SubscribeStmt, SubscribeTarget, ExplainStage, MutuallyRecursive, ClusterStatement, ReplicaDef } from './ast.ts';
export { DEFAULT_RETAIN_HISTORY_MS, retainHistoryOf, retainHistoryMs, withRetainHistory } from './retain-history.ts';
export type { AlterRetainHistory, RetainHistoryTarget } from './retain-history.ts';
