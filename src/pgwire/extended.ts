/**
 * The extended query protocol's objects: prepared statements (Parse) and portals (Bind), and the
 * Describe, Execute and Close messages over them. A portal keeps its RowStream between row-limited
 * Executes (PortalSuspended) until it completes or is closed. Batch bookkeeping (implicit
 * transactions, skip-until-Sync) is the connection's.
 */
import type { ParsedStatement, RowStream, Session, StatementDescription } from '../adapter/index.ts';
import { type Datum, type ScalarType, typeFromOid } from '../repr/index.ts';
import { assertNever, SqlError, SqlState } from '../util/index.ts';
import {
  bindComplete, closeComplete, commandComplete, emptyQueryResponse, noData, parameterDescription,
  parseComplete, portalSuspended, rowDescription,
} from './backend.ts';
import { receiveCopyIn, drainRows, sendCopyOut } from './results.ts';
import { DataRowEncoder, decodeParams, resolveResultFormats } from './rows.ts';
import type { Wire } from './wire.ts';

interface PreparedStatement {
  readonly parsed: ParsedStatement;
  readonly desc: StatementDescription;
}

type PortalState =
  | { readonly kind: 'unstarted' }
  | { readonly kind: 'streaming'; readonly stream: RowStream; readonly encoder: DataRowEncoder; readonly tag: (n: number) => string; sent: number }
  | { readonly kind: 'complete'; readonly tag: string };

interface Portal {
  readonly stmt: PreparedStatement;
  readonly params: readonly Datum[];
  readonly resultFormatCodes: readonly number[];
  state: PortalState;
}

function emptyStatement(sql: string): ParsedStatement {
  return { sql, paramCount: 0, tagHint: '', empty: true };
}

function statementLabel(name: string): string {
  return name === '' ? 'unnamed prepared statement' : `prepared statement "${name}"`;
}

export class ExtendedProtocol {
  private readonly session: Session;
  private readonly wire: Wire;
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();

  constructor(session: Session, wire: Wire) {
    this.session = session;
    this.wire = wire;
  }

  parse(name: string, sql: string, paramOids: readonly number[]): void {
    if (name !== '' && this.statements.has(name)) {
      throw new SqlError(SqlState.duplicatePreparedStatement, `prepared statement "${name}" already exists`);
    }
    const stmts = this.session.parse(sql).filter((s) => !s.empty);
    if (stmts.length > 1) throw new SqlError(SqlState.syntaxError, 'cannot insert multiple commands into a prepared statement');
    const parsed = stmts[0] ?? emptyStatement(sql);
    // Unknown OIDs are inferred like 0 rather than refused: drivers send OIDs of types we lack (enums).
    const declared: (ScalarType | undefined)[] = paramOids.map((oid) => (oid === 0 ? undefined : typeFromOid(oid)));
    while (declared.length < parsed.paramCount) declared.push(undefined);
    const desc: StatementDescription = parsed.empty ? { columns: undefined, paramTypes: [] } : this.session.describe(parsed, declared);
    this.statements.set(name, { parsed, desc });
    parseComplete(this.wire.out);
  }

  bind(portalName: string, statementName: string, paramFormats: readonly number[], values: readonly (Buffer | null)[], resultFormats: readonly number[]): void {
    const stmt = this.statements.get(statementName);
    if (stmt === undefined) throw new SqlError(SqlState.undefinedPreparedStatement, `${statementLabel(statementName)} does not exist`);
    if (portalName !== '' && this.portals.has(portalName)) {
      throw new SqlError(SqlState.duplicateCursor, `cursor "${portalName}" already exists`);
    }
    const types = stmt.desc.paramTypes;
    if (values.length !== types.length) {
      throw new SqlError(SqlState.protocolViolation, `bind message supplies ${values.length} parameters, but ${statementLabel(statementName)} requires ${types.length}`);
    }
    const params = decodeParams(values, paramFormats, types);
    // Validate formats now so an unsupported binary column fails at Bind, as in PostgreSQL.
    if (stmt.desc.columns !== undefined) resolveResultFormats(stmt.desc.columns, resultFormats);
    this.closePortal(portalName);
    this.portals.set(portalName, { stmt, params, resultFormatCodes: resultFormats, state: { kind: 'unstarted' } });
    bindComplete(this.wire.out);
  }

  describe(target: 'S' | 'P', name: string): void {
    const out = this.wire.out;
    if (target === 'S') {
      const stmt = this.statements.get(name);
      if (stmt === undefined) throw new SqlError(SqlState.undefinedPreparedStatement, `${statementLabel(name)} does not exist`);
      parameterDescription(out, stmt.desc.paramTypes);
      const cols = stmt.desc.columns;
      if (cols === undefined) noData(out);
      else rowDescription(out, cols, new Array<number>(cols.length).fill(0));
      return;
    }
    const portal = this.portal(name);
    const cols = portal.stmt.desc.columns;
    if (cols === undefined) noData(out);
    else rowDescription(out, cols, resolveResultFormats(cols, portal.resultFormatCodes));
  }

  async execute(portalName: string, maxRows: number): Promise<void> {
    const portal = this.portal(portalName);
    const out = this.wire.out;
    if (portal.stmt.parsed.empty) {
      emptyQueryResponse(out);
      return;
    }
    try {
      if (portal.state.kind === 'unstarted') {
        const result = await this.session.execute(portal.stmt.parsed, portal.params);
        switch (result.kind) {
          case 'command':
            portal.state = { kind: 'complete', tag: result.tag };
            commandComplete(out, result.tag);
            return;
          case 'copyOut':
            portal.state = { kind: 'complete', tag: result.tag(0) };
            await sendCopyOut(this.wire, result);
            return;
          case 'copyIn':
            portal.state = { kind: 'complete', tag: 'COPY 0' };
            await receiveCopyIn(this.wire, result);
            return;
          case 'rows': {
            const formats = resolveResultFormats(result.columns, portal.resultFormatCodes);
            portal.state = { kind: 'streaming', stream: result.rows, encoder: new DataRowEncoder(result.columns, formats), tag: result.tag, sent: 0 };
            break;
          }
          default:
            assertNever(result, 'execute result');
        }
      }
      const state = portal.state;
      if (state.kind === 'complete') {
        commandComplete(out, state.tag);
        return;
      }
      if (state.kind !== 'streaming') return;
      const { count, done } = await drainRows(this.wire, state.stream, state.encoder, maxRows);
      state.sent += count;
      if (done) {
        state.stream.close();
        portal.state = { kind: 'complete', tag: state.tag(0) };
        commandComplete(out, state.tag(state.sent));
      } else {
        portalSuspended(out);
      }
    } catch (err) {
      // A failed portal cannot be resumed.
      this.closePortal(portalName);
      throw err;
    }
  }

  close(target: 'S' | 'P', name: string): void {
    if (target === 'S') this.statements.delete(name);
    else this.closePortal(name);
    closeComplete(this.wire.out);
  }

  /** Portals do not outlive their transaction. */
  closeAllPortals(): void {
    for (const name of [...this.portals.keys()]) this.closePortal(name);
  }

  private portal(name: string): Portal {
    const portal = this.portals.get(name);
    if (portal === undefined) throw new SqlError(SqlState.invalidCursorName, `portal "${name}" does not exist`);
    return portal;
  }

  private closePortal(name: string): void {
    const portal = this.portals.get(name);
    if (portal === undefined) return;
    this.portals.delete(name);
    if (portal.state.kind === 'streaming') {
      try {
        portal.state.stream.close();
      } catch {
        // Closing is best-effort; the portal is gone either way.
      }
    }
  }
}
