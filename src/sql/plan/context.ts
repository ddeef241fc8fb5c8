/**
 * Binding contexts: the statement-wide QueryContext (parameters, session facts, CTEs in scope) and the
 * per-expression ExprContext (visible columns, clause name for errors, grouping for aggregate queries).
 */
import type { MirRelationExpr, MirScalarExpr } from '../../expr/index.ts';
import type { ScalarType } from '../../repr/index.ts';
import type { PlanContext } from './catalog-api.ts';
import type { BindState } from './coerce.ts';
import type { Scope } from './scope.ts';

/** A planned query: its MIR, visible columns, and (top level only) ORDER BY/LIMIT to finish with. */
export interface PlannedQuery {
  readonly expr: MirRelationExpr;
  readonly scope: Scope;
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
}

export interface Grouping {
  /** Group key expressions bound over the input scope, as JSON, in key order. */
  readonly keys: readonly string[];
  readonly keyTypes: readonly ScalarType[];
  /** Aggregate call (normalized AST JSON) → output column index and type. */
  readonly aggs: ReadonlyMap<string, { readonly index: number; readonly type: ScalarType }>;
  /** The scope of the reduce's input. */
  readonly inputScope: Scope;
}

export interface ExprContext {
  readonly qc: QueryContext;
  readonly scope: Scope;
  /** The clause being bound, for error messages: 'WHERE', 'SELECT', 'HAVING', 'VALUES', 'ON', ... */
  readonly clause: string;
  readonly grouping?: Grouping;
}

export type { MirScalarExpr };
