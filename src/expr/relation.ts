/**
 * MIR: the relational algebra every query and view is lowered to, and the input of the optimizer
 * and of rendering. Nodes are immutable plain data (they cross to compute as commands).
 * Each variant notes the state its rendering holds ("cost").
 */
import type { Diff, Row, ScalarType } from '../repr/index.ts';
import type { MirScalarExpr } from './scalar.ts';

/** A stable catalog identifier: user objects 'u1', system objects 's1', transient 't1'. */
export type GlobalId = string;

export type AggregateFunc =
  | 'count' | 'count_star' | 'sum' | 'avg' | 'min' | 'max'
  | 'bool_and' | 'bool_or' | 'string_agg' | 'array_agg' | 'jsonb_agg' | 'jsonb_object_agg'
  | 'stddev' | 'stddev_pop' | 'stddev_samp' | 'variance' | 'var_pop' | 'var_samp';

export interface AggregateExpr {
  readonly func: AggregateFunc;
  /** The aggregated expression over the input row (count_star ignores it). string_agg: a record (value, delimiter). */
  readonly expr: MirScalarExpr;
  readonly distinct: boolean;
  /** ORDER BY inside the aggregate (string_agg/array_agg/jsonb_agg). */
  readonly orderBy?: readonly ColumnOrder[];
  readonly orderByExprs?: readonly MirScalarExpr[];
  /** Result type (sum(int4) is int8, avg(int) numeric, ...). */
  readonly type: ScalarType;
}

export interface ColumnOrder {
  readonly column: number;
  readonly desc: boolean;
  readonly nullsLast: boolean;
}

/** Table functions for flatMap. */
export type TableFunc = 'generate_series_int4' | 'generate_series_int8' | 'generate_series_timestamp' | 'unnest_array' | 'jsonb_array_elements' | 'jsonb_each' | (string & {});

export type MirRelationExpr =
  /** Literal rows with multiplicities. Cost: none. */
  | { readonly kind: 'constant'; readonly rows: readonly (readonly [Row, Diff])[]; readonly types: readonly ScalarType[] }
  /** A collection by id: a storage collection (table, source), an index-backed or materialized view, or a Let-bound name. Cost: none (reads an existing arrangement or shard). */
  | {
    readonly kind: 'get'; readonly id: GlobalId | { readonly local: number }; readonly types: readonly ScalarType[];
    /** Column sets known unique (a table's PRIMARY KEY / UNIQUE NOT NULL columns); the optimizer uses them to elide reductions. */
    readonly keys?: readonly (readonly number[])[];
  }
  /** Binds `value` to local `id` within `body`. Cost: none unless the value is arranged for reuse. */
  | { readonly kind: 'let'; readonly id: number; readonly value: MirRelationExpr; readonly body: MirRelationExpr }
  /** Mutually recursive bindings iterated to a fixed point. Cost: arrangements per binding. */
  | { readonly kind: 'letRec'; readonly ids: readonly number[]; readonly values: readonly MirRelationExpr[]; readonly limits?: readonly (number | undefined)[]; readonly body: MirRelationExpr }
  /** Keeps the listed input columns, in that order (may repeat). Cost: none. */
  | { readonly kind: 'project'; readonly input: MirRelationExpr; readonly outputs: readonly number[] }
  /** Appends one column per scalar; each may refer to earlier appended columns. Cost: none. */
  | { readonly kind: 'map'; readonly input: MirRelationExpr; readonly scalars: readonly MirScalarExpr[] }
  /** Appends the columns of a table function's output rows for each input row. Cost: none. */
  | { readonly kind: 'flatMap'; readonly input: MirRelationExpr; readonly func: TableFunc; readonly exprs: readonly MirScalarExpr[]; readonly types: readonly ScalarType[] }
  /** Keeps rows where every predicate is true (NULL and false drop the row). Cost: none, except temporal predicates on mzNow which schedule retractions. */
  | { readonly kind: 'filter'; readonly input: MirRelationExpr; readonly predicates: readonly MirScalarExpr[] }
  /**
   * Cross product of inputs constrained by equivalence classes over the concatenated columns
   * (each class: expressions that must all be equal, NULL never equal). Cost: arrangements of inputs by join keys.
   */
  | { readonly kind: 'join'; readonly inputs: readonly MirRelationExpr[]; readonly equivalences: readonly (readonly MirScalarExpr[])[] }
  /** Groups by key expressions; output = key columns then one column per aggregate. No aggregates = distinct. Cost: arrangement per key (and per-aggregate state). */
  | { readonly kind: 'reduce'; readonly input: MirRelationExpr; readonly groupKey: readonly MirScalarExpr[]; readonly aggregates: readonly AggregateExpr[] }
  /** Per group, keeps the rows ranked [offset, offset+limit) by `order`. Cost: arrangement of input per group. */
  | { readonly kind: 'topK'; readonly input: MirRelationExpr; readonly groupKey: readonly number[]; readonly order: readonly ColumnOrder[]; readonly limit?: number; readonly offset: number }
  /** Negates every diff. Cost: none. */
  | { readonly kind: 'negate'; readonly input: MirRelationExpr }
  /** Keeps only rows with positive multiplicity (the EXCEPT ALL building block). Cost: arrangement of input. */
  | { readonly kind: 'threshold'; readonly input: MirRelationExpr }
  /** Bag union. Cost: none. */
  | { readonly kind: 'union'; readonly base: MirRelationExpr; readonly inputs: readonly MirRelationExpr[] }
  /** Requests arrangements of the input by these keys (for reuse by joins and peeks). Cost: one arrangement per key. */
  | { readonly kind: 'arrangeBy'; readonly input: MirRelationExpr; readonly keys: readonly (readonly MirScalarExpr[])[] };

export const Mir = {
  constant: (rows: readonly (readonly [Row, Diff])[], types: readonly ScalarType[]): MirRelationExpr => ({ kind: 'constant', rows, types }),
  get: (id: GlobalId | { local: number }, types: readonly ScalarType[]): MirRelationExpr => ({ kind: 'get', id, types }),
  project: (input: MirRelationExpr, outputs: readonly number[]): MirRelationExpr => ({ kind: 'project', input, outputs }),
  map: (input: MirRelationExpr, scalars: readonly MirScalarExpr[]): MirRelationExpr => (scalars.length === 0 ? input : { kind: 'map', input, scalars }),
  filter: (input: MirRelationExpr, predicates: readonly MirScalarExpr[]): MirRelationExpr => (predicates.length === 0 ? input : { kind: 'filter', input, predicates }),
  join: (inputs: readonly MirRelationExpr[], equivalences: readonly (readonly MirScalarExpr[])[]): MirRelationExpr => ({ kind: 'join', inputs, equivalences }),
  reduce: (input: MirRelationExpr, groupKey: readonly MirScalarExpr[], aggregates: readonly AggregateExpr[]): MirRelationExpr => ({ kind: 'reduce', input, groupKey, aggregates }),
  negate: (input: MirRelationExpr): MirRelationExpr => ({ kind: 'negate', input }),
  threshold: (input: MirRelationExpr): MirRelationExpr => ({ kind: 'threshold', input }),
  union: (base: MirRelationExpr, inputs: readonly MirRelationExpr[]): MirRelationExpr => (inputs.length === 0 ? base : { kind: 'union', base, inputs }),
};

/** Column types of a relation expression's output. */
export function columnTypes(e: MirRelationExpr): readonly ScalarType[] {
  switch (e.kind) {
    case 'constant': case 'get': return e.types;
    case 'let': return columnTypes(e.body);
    case 'letRec': return columnTypes(e.body);
    case 'project': { const t = columnTypes(e.input); return e.outputs.map((i) => t[i]!); }
    case 'map': return [...columnTypes(e.input), ...e.scalars.map((s) => s.type)];
    case 'flatMap': return [...columnTypes(e.input), ...e.types];
    case 'filter': case 'negate': case 'threshold': case 'arrangeBy': return columnTypes(e.input);
    case 'topK': return columnTypes(e.input);
    case 'join': return e.inputs.flatMap((i) => [...columnTypes(i)]);
    case 'reduce': return [...e.groupKey.map((k) => k.type), ...e.aggregates.map((a) => a.type)];
    case 'union': return columnTypes(e.base);
  }
}

export function arity(e: MirRelationExpr): number {
  return columnTypes(e).length;
}

/** The global ids an expression reads (its dependencies). */
export function dependsOn(e: MirRelationExpr, into: Set<GlobalId> = new Set()): Set<GlobalId> {
  if (e.kind === 'get' && typeof e.id === 'string') into.add(e.id);
  for (const c of relationChildren(e)) dependsOn(c, into);
  return into;
}

export function relationChildren(e: MirRelationExpr): readonly MirRelationExpr[] {
  switch (e.kind) {
    case 'constant': case 'get': return [];
    case 'let': return [e.value, e.body];
    case 'letRec': return [...e.values, e.body];
    case 'join': return e.inputs;
    case 'union': return [e.base, ...e.inputs];
    default: return [e.input];
  }
}

/**
 * What a one-shot read does after the dataflow: sort, offset, limit, then project. ORDER BY is on
 * output columns; with no ORDER BY rows are still sorted by their full contents (Materialize does
 * this; sqllogictest files rely on it).
 */
export interface RowSetFinishing {
  readonly order: readonly ColumnOrder[];
  readonly limit?: number;
  readonly offset: number;
  readonly project: readonly number[];
}
