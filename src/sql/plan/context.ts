/**
 * Binding contexts: the statement-wide QueryContext (parameters, session facts, CTEs in scope) and the
 * per-expression ExprContext (visible columns, clause name for errors, grouping for aggregate queries).
 */
import type { ColumnOrder, MirRelationExpr, MirScalarExpr } from '../../expr/index.ts';
import type { ScalarType } from '../../repr/index.ts';
import type { PlanContext } from './catalog-api.ts';
import type { BindState } from './coerce.ts';
import type { Scope, ScopeItem } from './scope.ts';
import type { SubqueryHost } from './subquery.ts';

/** A planned query: its MIR, visible columns, and (top level only) ORDER BY/LIMIT to finish with. */
export interface PlannedQuery {
  readonly expr: MirRelationExpr;
  readonly scope: Scope;
  /** Nested queries with ORDER BY and no LIMIT: the rows before the final projection, and their order (ARRAY(subquery) keeps it). */
  readonly ordered?: { readonly expr: MirRelationExpr; readonly order: readonly ColumnOrder[] };
}

export interface QueryContext {
  readonly st: BindState;
  readonly pc: PlanContext;
  /** Wall-clock microseconds for now()/current_timestamp. */
  readonly now: bigint;
  /** 'literal': now() is folded to the statement time; 'call': kept as a call (view definitions). */
  readonly nowMode: 'literal' | 'call';
  /** Common table expressions visible by name. */
  readonly ctes: ReadonlyMap<string, PlannedQuery>;
  /** Catalog ids read by the statement (dependencies of views). */
  readonly dependsOn: Set<string>;
  /** Allocator of Let-binding ids, unique within the statement's plan (shared by every nested context). */
  readonly ids: { next: number };
  /** The enclosing query levels, innermost first, for correlated column references (subqueries). */
  readonly outer?: OuterLevel;
  /**
   * Set while planning a correlated subquery (second pass): every SELECT core cross-joins `d`, the
   * distinct values of the outer columns it references, and carries them as trailing output columns.
   */
  readonly corr?: Correlation;
}

/** One enclosing query level: its visible columns, and the columns of it referenced from inside. */
export interface OuterLevel {
  readonly scope: Scope;
  /** Indexes into `scope` referenced by the subquery being planned (filled during the first pass). */
  readonly refs: Set<number>;
  readonly parent?: OuterLevel;
  /** References through this level are not supported (e.g. correlated subqueries in FROM): the 0A000 construct name. */
  readonly forbid?: string;
}

export interface Correlation {
  /** A `get` of the Let-bound distinct outer key relation. */
  readonly d: MirRelationExpr;
  /** Scope items of d's columns (marked as outer references). */
  readonly items: readonly ScopeItem[];
}

/** A fresh Let id. */
export function freshId(qc: QueryContext): number {
  return qc.ids.next++;
}

export interface Grouping {
  /** Group key expressions bound over the input scope, as JSON, in key order. */
  readonly keys: readonly string[];
  readonly keyTypes: readonly ScalarType[];
  /** Aggregate call (normalized AST JSON) → output column index and type. */
  readonly aggs: ReadonlyMap<string, { readonly index: number; readonly type: ScalarType; readonly count?: boolean }>;
  /** The scope of the reduce's input. */
  readonly inputScope: Scope;
}

export interface ExprContext {
  readonly qc: QueryContext;
  readonly scope: Scope;
  /** The clause being bound, for error messages: 'WHERE', 'SELECT', 'HAVING', 'VALUES', 'ON', ... */
  readonly clause: string;
  readonly grouping?: Grouping;
  /** The relation subqueries and set-returning functions in this expression attach to. */
  readonly host?: SubqueryHost;
  /** Window function calls of the SELECT list, computed as extra columns (window.ts). */
  readonly windows?: WindowPlan;
}

/** Window functions of one SELECT, already computed as columns of the host relation: calls look up their column. */
export interface WindowPlan {
  lookup(key: string): MirScalarExpr | undefined;
}

export type { MirScalarExpr };
