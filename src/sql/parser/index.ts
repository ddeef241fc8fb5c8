/** sql/parser: splitting, routing and parsing SQL text into statement ASTs (PostgreSQL and Materialize forms). */
export { initParser, parseStatements, parseOne, tagOf } from './parse.ts';
export type { Statement, StatementAst, MzStatement, PgNode, AsOfClause, MzOption, ShowWhat, ShowFilter, SubscribeStmt, SubscribeTarget, ExplainStage, MutuallyRecursive } from './ast.ts';
