/**
 * A client session: variables, the transaction state machine, and statement execution. Transactions
 * follow Materialize's rules (reference/materialize-surface.md §3): a block is read-only (all reads at
 * one timestamp) or insert-only into one table (committed atomically at one timestamp), or holds a
 * single DDL statement applied at COMMIT; a multi-statement simple query is one implicit transaction.
 */
import type { GlobalId } from '../expr/index.ts';
import type { Column, Datum, Diff, Row, ScalarType, Timestamp } from '../repr/index.ts';
import { type Plan, type PlanContext, type Statement, describeStatement, parseStatements, planStatement } from '../sql/index.ts';
import { SqlError, SqlState, toSqlError } from '../util/index.ts';
import { CatalogFunctionBinder } from './builtins/index.ts';
import type { Coordinator } from './coordinator.ts';
import { PlanCache } from './plan-cache.ts';
import { commandResult } from './rows.ts';
import { dropItems, sequence, type SequenceEnv } from './sequencer.ts';
import { type TxnState, commitTxn, newTxnState, releaseTxn } from './transaction.ts';
import { sequenceCreateOther, validateConnection } from './sources.ts';
import type { ExecuteResult, Notice, ParsedStatement, RowStream, Session, StartupParams, StatementDescription } from './session-api.ts';
import { SessionVars } from './vars.ts';
import { dropTempItems, sessionCatalog } from './temp.ts';

export interface Transaction {
  /** implicit: one simple-query message (or extended batch) holding `statementCount` statements. */
  kind: 'implicit' | 'explicit';
  statementCount: number;
  failed: boolean;
  /** What the block has done so far and buffered for COMMIT (transaction.ts). */
  ops: TxnState;
}

interface AdapterStatement extends ParsedStatement {
  /** Undefined for an empty query string (pgwire answers EmptyQueryResponse without executing). */
  readonly stmt: Statement | undefined;
}

const EMPTY_STATEMENT: AdapterStatement = { sql: '', paramCount: 0, tagHint: '', empty: true, stmt: undefined };

export class SessionImpl implements Session {
  readonly connectionId: number;
  readonly secretKey: number;
  readonly vars: SessionVars;
  onParameterStatus: ((name: string, value: string) => void) | undefined;
  onNotice: ((notice: Notice) => void) | undefined;
  txn: Transaction | undefined;
  /** Open cursors (DECLARE ... CURSOR): closed when the transaction block ends. */
  readonly cursors = new Map<string, { readonly columns: readonly Column[]; readonly rows: RowStream }>();
  readonly #coord: Coordinator;
  /** Plans of this session's statements, reused across executions (plan-cache.ts). */
  readonly #plans = new PlanCache((plan, indexed) => this.#coord.optimizeRead(plan, indexed));
  #running: AbortController | undefined;
  #closed = false;

  constructor(coord: Coordinator, connectionId: number, secretKey: number, params: StartupParams) {
    this.#coord = coord;
    this.connectionId = connectionId;
    this.secretKey = secretKey;
    this.vars = new SessionVars({ user: params.user, database: params.database, applicationName: params.applicationName ?? '' });
    const options = params.other.get('options');
    if (options) this.#applyStartupOptions(options);
  }

  /** libpq `options`: `--name=value` or `-c name=value` pairs. */
  #applyStartupOptions(options: string): void {
    const tokens = options.split(/\s+/).filter((t) => t.length > 0);
    for (let i = 0; i < tokens.length; i++) {
      let t = tokens[i]!;
      if (t === '-c') t = tokens[++i] ?? '';
      const m = /^(?:--|-c)?([A-Za-z_.]+)=(.*)$/.exec(t);
      if (m) this.vars.set(m[1]!.replace(/-/g, '_'), m[2]!);
    }
  }

  initialParameterStatus(): readonly (readonly [string, string])[] {
    return this.vars.reported();
  }

  transactionStatus(): 'I' | 'T' | 'E' {
    if (this.txn === undefined || this.txn.kind === 'implicit') return 'I';
    return this.txn.failed ? 'E' : 'T';
  }

  planContext(paramTypes: readonly (ScalarType | undefined)[] = []): PlanContext {
    const database = this.vars.get('database');
    const searchPath = this.vars.searchPath();
    const user = this.vars.get('session_authorization');
    const vars = this.vars;
    // Inside a block that ran DDL, names (and reg* casts) resolve against the catalog as the block has
    // changed it; the session's temporary items resolve for it alone.
    const visible = this.txn?.ops.ddl?.catalog ?? this.#coord.catalog;
    const functions = new CatalogFunctionBinder(visible, {
      database, searchPath, user, backendPid: this.connectionId,
      setting: (name) => {
        try {
          return vars.get(name);
        } catch {
          return undefined;
        }
      },
    });
    const catalog = sessionCatalog(visible, this.connectionId);
    return { catalog, database, searchPath, paramTypes, now: BigInt(Date.now()) * 1000n, user, functions };
  }

  parse(sql: string): readonly ParsedStatement[] {
    const statements = parseStatements(sql).map((stmt): AdapterStatement => ({
      sql: stmt.sql, paramCount: stmt.paramCount, tagHint: stmt.tagHint, empty: false, stmt,
    }));
    return statements.length === 0 ? [EMPTY_STATEMENT] : statements;
  }

  describe(parsed: ParsedStatement, paramTypes: readonly (ScalarType | undefined)[]): StatementDescription {
    const { stmt } = parsed as AdapterStatement;
    if (stmt === undefined) return { columns: undefined, paramTypes: [] };
    // A FETCH returns its cursor's rows: drivers (pgjdbc, pgx) Describe it before executing and need that shape.
    if (stmt.ast.kind === 'fetch') return { columns: this.cursors.get(stmt.ast.cursor)?.columns, paramTypes: [] };
    return describeStatement(stmt, this.planContext(paramTypes));
  }

  async execute(parsed: ParsedStatement, params: readonly Datum[]): Promise<ExecuteResult> {
    const { stmt } = parsed as AdapterStatement;
    if (stmt === undefined) return { kind: 'command', tag: '' };
    const txn = this.txn;
    if (txn?.failed && !/^(COMMIT|ROLLBACK)/.test(stmt.tagHint)) {
      throw new SqlError(SqlState.inFailedSqlTransaction, 'current transaction is aborted, commands ignored until end of transaction block');
    }
    const controller = new AbortController();
    this.#running = controller;
    try {
      if (stmt.ast.kind === 'createOther' || stmt.ast.kind === 'dropOther') return await this.#externalDdl(stmt, stmt.ast);
      if (stmt.ast.kind === 'validateConnection') {
        await validateConnection(this.#coord, this, stmt.ast.name);
        return commandResult('VALIDATE CONNECTION');
      }
      // A block with DDL plans against its own catalog copy, which the cache's generations do not track.
      const plan = this.txn?.ops.ddl !== undefined
        ? planStatement(stmt, this.planContext(), params)
        : this.#plans.plan(stmt, () => this.planContext(), params, { catalog: this.#coord.catalog.generation, vars: this.vars.generation });
      return await sequence(this.#env(controller.signal), plan);
    } catch (err) {
      if (this.txn?.kind === 'explicit') this.txn.failed = true;
      throw toSqlError(err);
    } finally {
      if (this.#running === controller) this.#running = undefined;
    }
  }

  /** CREATE/DROP of secrets, connections and sources: they talk to the outside world, so no plan. */
  async #externalDdl(stmt: Statement, ast: Extract<Statement['ast'], { kind: 'createOther' | 'dropOther' }>): Promise<ExecuteResult> {
    if (this.inTransactionBlock()) throw new SqlError(SqlState.activeSqlTransaction, `${stmt.tagHint} cannot be run inside a transaction block`);
    const coord = this.#coord;
    return coord.withWriteLock(async () => {
      let result: ExecuteResult;
      if (ast.kind === 'createOther') {
        result = await sequenceCreateOther(coord, this, stmt, ast);
      } else {
        if (ast.objectType === 'sink' || ast.objectType === 'cluster') throw new SqlError(SqlState.featureNotSupported, `DROP ${ast.objectType.toUpperCase()} not yet supported`);
        const ids: string[] = [];
        for (const parts of ast.names) {
          const item = coord.catalog.resolveItem(parts, this.vars.searchPath(), this.vars.get('database'));
          if (item === undefined || item.kind !== ast.objectType) {
            if (ast.ifExists) {
              this.notice(`${ast.objectType} "${parts.join('.')}" does not exist, skipping`);
              continue;
            }
            throw new SqlError(SqlState.undefinedObject, `unknown catalog item '${parts.join('.')}'`);
          }
          ids.push(item.id);
        }
        await dropItems({ coord, session: this, signal: new AbortController().signal }, ids, ast.cascade);
        result = commandResult(stmt.tagHint);
      }
      await coord.afterCatalogChange();
      return result;
    });
  }

  #env(signal: AbortSignal): SequenceEnv {
    return { coord: this.#coord, session: this, signal };
  }

  beginImplicit(statementCount: number): void {
    if (this.txn === undefined) this.txn = { kind: 'implicit', statementCount, failed: false, ops: newTxnState() };
  }

  async endImplicit(ok: boolean): Promise<void> {
    const txn = this.txn;
    // An error before execution (syntax, binding at Parse, Bind) fails an open block too, as in PostgreSQL.
    if (txn?.kind === 'explicit' && !ok) txn.failed = true;
    if (txn === undefined || txn.kind !== 'implicit') return;
    this.txn = undefined;
    if (ok) await this.commitOps(txn.ops);
    else this.releaseOps(txn.ops);
  }

  /** True when writes must be buffered until the transaction ends (explicit blocks, multi-statement queries). */
  inTransactionBlock(): boolean {
    return this.txn !== undefined && (this.txn.kind === 'explicit' || this.txn.statementCount > 1);
  }

  /** Applies what a transaction buffered (atomically, see transaction.ts) and closes its cursors. */
  async commitOps(ops: TxnState): Promise<void> {
    this.#closeCursors();
    const controller = new AbortController();
    await commitTxn(this.#env(controller.signal), ops);
  }

  releaseOps(ops: TxnState): void {
    releaseTxn(this.#coord, ops);
    this.#closeCursors();
  }

  #closeCursors(): void {
    for (const c of this.cursors.values()) c.rows.close();
    this.cursors.clear();
  }

  notice(message: string, severity: Notice['severity'] = 'NOTICE', code = '00000'): void {
    this.onNotice?.({ severity, code, message });
  }

  parameterChanged(change: readonly [string, string] | undefined): void {
    if (change) this.onParameterStatus?.(change[0], change[1]);
  }

  cancel(): void {
    this.#running?.abort();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#running?.abort();
    if (this.txn) this.releaseOps(this.txn.ops);
    this.txn = undefined;
    this.#coord.sessionClosed(this.connectionId);
    // Temporary items end with their session.
    dropTempItems(this.#coord, this).catch((err: unknown) => this.#coord.logger.warn({ err }, 'dropping temporary items failed'));
  }
}

export { commandResult };
