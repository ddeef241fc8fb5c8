/**
 * Plan analyses the rules share: where each join input's columns start, which input a scalar reads,
 * a rough row-count estimate (for join ordering only: never for correctness), and the column sets
 * known to be unique (for reduction elision).
 */
import { type MirRelationExpr, type MirScalarExpr, arity, columnsUsed, permuteColumns } from '../expr/index.ts';

/** Column offset of each join input in the joined row. */
export function inputOffsets(inputs: readonly MirRelationExpr[]): number[] {
  const offsets: number[] = [];
  let off = 0;
  for (const i of inputs) {
    offsets.push(off);
    off += arity(i);
  }
  return offsets;
}

/** The join input a column belongs to. */
export function inputOfColumn(offsets: readonly number[], c: number): number {
  let i = offsets.length - 1;
  while (i > 0 && offsets[i]! > c) i--;
  return i;
}

/** The single input an expression reads; 'none' for no columns, 'many' for several inputs. */
export function inputOfExpr(offsets: readonly number[], e: MirScalarExpr): number | 'none' | 'many' {
  let found: number | undefined;
  for (const c of columnsUsed(e)) {
    const i = inputOfColumn(offsets, c);
    if (found !== undefined && found !== i) return 'many';
    found = i;
  }
  return found ?? 'none';
}

/** Rewrites an expression over the joined row into one over input `i`'s own columns. */
export function localize(offsets: readonly number[], i: number, e: MirScalarExpr): MirScalarExpr {
  const off = offsets[i]!;
  return off === 0 ? e : permuteColumns(e, (c) => c - off);
}

/** How selective a predicate looks: equality with a constant is very selective, an IN list less so. */
function selectivity(p: MirScalarExpr): number {
  if (p.kind !== 'call') return 0.5;
  const constantSide = (a: MirScalarExpr | undefined): boolean => a !== undefined && columnsUsed(a).size === 0;
  if (p.func === 'eq' && p.args.length === 2 && (constantSide(p.args[0]) || constantSide(p.args[1]))) return 0.05;
  if (p.func === 'or') return Math.min(0.5, p.args.map(selectivity).reduce((a, b) => a + b, 0));
  if (p.func === 'and') return p.args.map(selectivity).reduce((a, b) => a * b, 1);
  return 0.5;
}

const BASE_ROWS = 1000;

/** A rough row count, used only to order joins (smaller, more filtered inputs first). */
export function estimateRows(e: MirRelationExpr): number {
  switch (e.kind) {
    case 'constant': return e.rows.reduce((n, [, d]) => n + Math.abs(d), 0);
    case 'get': return BASE_ROWS;
    case 'let': return estimateRows(e.body);
    case 'letRec': return estimateRows(e.body);
    case 'project': case 'map': case 'negate': case 'arrangeBy': return estimateRows(e.input);
    case 'threshold': return estimateRows(e.input);
    case 'flatMap': return estimateRows(e.input) * 10;
    case 'filter': return Math.max(1, e.predicates.reduce((n, p) => n * selectivity(p), estimateRows(e.input)));
    case 'join': return Math.max(1, e.inputs.reduce((n, i) => n * estimateRows(i), 1) / 100 ** e.equivalences.length);
    case 'reduce': return e.groupKey.length === 0 ? 1 : Math.max(1, estimateRows(e.input) / 2);
    case 'topK': return e.limit !== undefined && e.groupKey.length === 0 ? Math.min(e.limit, estimateRows(e.input)) : estimateRows(e.input);
    case 'union': return [e.base, ...e.inputs].reduce((n, i) => n + estimateRows(i), 0);
  }
}

/**
 * Column sets on which the relation has at most one row per value (no duplicates, NULLs included).
 * Conservative: an empty answer means "not known".
 */
export function uniqueKeys(e: MirRelationExpr): readonly (readonly number[])[] {
  switch (e.kind) {
    case 'get': return e.keys ?? [];
    case 'filter': case 'arrangeBy': return uniqueKeys(e.input);
    case 'map': return uniqueKeys(e.input);
    case 'let': return uniqueKeys(e.body);
    case 'project': {
      const out: number[][] = [];
      for (const key of uniqueKeys(e.input)) {
        const mapped = key.map((c) => e.outputs.indexOf(c));
        if (mapped.every((c) => c >= 0)) out.push(mapped);
      }
      return out;
    }
    case 'reduce': {
      // The group key columns are unique in the output (they are the first columns).
      const keys: number[][] = [e.groupKey.map((_, i) => i)];
      return keys;
    }
    case 'topK':
      return e.limit === 1 && e.offset === 0 ? [e.groupKey] : uniqueKeys(e.input);
    case 'constant': case 'letRec': case 'flatMap': case 'join': case 'negate': case 'threshold': case 'union':
      return [];
  }
}
