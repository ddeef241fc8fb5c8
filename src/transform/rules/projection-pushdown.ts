/**
 * Projection pushdown: columns nobody reads are dropped as early as possible, so joins arrange and
 * reductions keep narrower rows (less state in maintained views). At a projection, the demanded
 * columns are pushed through filters (plus the columns their predicates read), maps (unused mapped
 * scalars disappear), joins (per input, plus the columns the equivalences read), unions, negations
 * and reductions (unused aggregates disappear). Other operators need whole rows (threshold, top-k)
 * or are leaves: the projection stops there. A join input that reads a collection directly is not
 * narrowed, so rendering can reuse the collection's index.
 */
import { type MirRelationExpr, type MirScalarExpr, arity, columnsUsed, permuteColumns } from '../../expr/index.ts';
import { inputOfColumn, inputOffsets } from '../analysis.ts';
import type { TransformRule } from '../rule.ts';
import { mapChildren } from '../rule.ts';

const sortedUnique = (cols: Iterable<number>): number[] => [...new Set(cols)].sort((a, b) => a - b);
const isIdentity = (cols: readonly number[], n: number): boolean => cols.length === n && cols.every((c, i) => c === i);

/** Columns read by the expressions. */
function used(exprs: readonly MirScalarExpr[], into: Set<number> = new Set()): Set<number> {
  for (const e of exprs) columnsUsed(e, into);
  return into;
}

/** Projection of `e` onto its sorted `cols`, pushed down; undefined when nothing below can shrink. */
function narrow(e: MirRelationExpr, cols: readonly number[]): MirRelationExpr | undefined {
  const n = arity(e);
  if (isIdentity(cols, n)) return undefined;
  // Keep `need` (sorted, ⊇ cols) from `inner` (which outputs exactly `need`), then select `cols`.
  const select = (inner: MirRelationExpr, need: readonly number[]): MirRelationExpr => {
    if (need.length === cols.length) return inner;
    const pos = new Map(need.map((c, i) => [c, i]));
    return { kind: 'project', input: inner, outputs: cols.map((c) => pos.get(c)!) };
  };
  const pushed = (input: MirRelationExpr, need: readonly number[]): MirRelationExpr | undefined =>
    isIdentity(need, arity(input)) ? undefined : narrow(input, need) ?? { kind: 'project', input, outputs: need };
  switch (e.kind) {
    case 'project': {
      const outputs = cols.map((c) => e.outputs[c]!);
      return { kind: 'project', input: e.input, outputs };
    }
    case 'filter': {
      const need = sortedUnique([...cols, ...used(e.predicates)]);
      if (isIdentity(need, n)) return undefined;
      // A projection just below a filter fuses into the same operator: only worth it if it goes further.
      const inner = narrow(e.input, need);
      if (inner === undefined) return undefined;
      const pos = new Map(need.map((c, i) => [c, i]));
      return select({ kind: 'filter', input: inner, predicates: e.predicates.map((p) => permuteColumns(p, (c) => pos.get(c)!)) }, need);
    }
    case 'map': {
      const m = arity(e.input);
      // Which mapped scalars are needed, transitively (a scalar may read earlier mapped columns).
      const live = new Set(cols.filter((c) => c >= m));
      for (let k = e.scalars.length - 1; k >= 0; k--) if (live.has(m + k)) for (const c of columnsUsed(e.scalars[k]!)) if (c >= m) live.add(c);
      const keptScalars = [...live].sort((a, b) => a - b);
      const inputNeed = sortedUnique([...cols.filter((c) => c < m), ...used(keptScalars.map((c) => e.scalars[c - m]!))]);
      if (keptScalars.length === e.scalars.length && isIdentity(inputNeed, m)) return undefined;
      const narrowed = isIdentity(inputNeed, m) ? e.input : narrow(e.input, inputNeed);
      if (narrowed === undefined && keptScalars.length === e.scalars.length) return undefined;
      const inner = narrowed ?? { kind: 'project', input: e.input, outputs: inputNeed };
      const pos = new Map<number, number>(inputNeed.map((c, i) => [c, i]));
      keptScalars.forEach((c, i) => pos.set(c, inputNeed.length + i));
      const scalars = keptScalars.map((c) => permuteColumns(e.scalars[c - m]!, (x) => pos.get(x)!));
      const need = [...inputNeed, ...keptScalars];
      const mapped: MirRelationExpr = scalars.length === 0 ? inner : { kind: 'map', input: inner, scalars };
      return select(mapped, need);
    }
    case 'join': {
      const offsets = inputOffsets(e.inputs);
      // A collection read directly stays whole: rendering can then use its existing index
      // (an arrangement of the full rows) instead of arranging a narrowed copy.
      const whole = e.inputs.flatMap((inp, i) => (inp.kind === 'get' ? [...Array(arity(inp)).keys()].map((c) => c + offsets[i]!) : []));
      const need = sortedUnique([...cols, ...used(e.equivalences.flat()), ...whole]);
      if (isIdentity(need, n)) return undefined;
      const perInput: number[][] = e.inputs.map(() => []);
      for (const c of need) perInput[inputOfColumn(offsets, c)]!.push(c - offsets[inputOfColumn(offsets, c)]!);
      const inputs = e.inputs.map((inp, i) => pushed(inp, perInput[i]!) ?? inp);
      const pos = new Map(need.map((c, i) => [c, i]));
      const equivalences = e.equivalences.map((cls) => cls.map((x) => permuteColumns(x, (c) => pos.get(c)!)));
      return select({ kind: 'join', inputs, equivalences }, need);
    }
    case 'union': {
      const all = [e.base, ...e.inputs].map((b) => narrow(b, cols) ?? { kind: 'project', input: b, outputs: cols } as MirRelationExpr);
      return { kind: 'union', base: all[0]!, inputs: all.slice(1) };
    }
    case 'negate': return { kind: 'negate', input: narrow(e.input, cols) ?? { kind: 'project', input: e.input, outputs: cols } };
    case 'reduce': {
      const k = e.groupKey.length;
      const aggs = cols.filter((c) => c >= k).map((c) => c - k);
      if (aggs.length === e.aggregates.length) return undefined;
      const reduce: MirRelationExpr = { ...e, aggregates: aggs.map((a) => e.aggregates[a]!) };
      const need = [...Array(k).keys(), ...aggs.map((a) => a + k)];
      const pos = new Map(need.map((c, i) => [c, i]));
      return { kind: 'project', input: reduce, outputs: cols.map((c) => pos.get(c)!) };
    }
    case 'constant': case 'get': case 'let': case 'letRec': case 'flatMap': case 'topK': case 'threshold': case 'arrangeBy':
      return undefined;
  }
}

export const projectionPushdown: TransformRule = {
  name: 'projection_pushdown',
  apply: (plan) => {
    const visit = (node: MirRelationExpr): MirRelationExpr => {
      const e = mapChildren(node, visit);
      if (e.kind !== 'project' || e.input.kind === 'project') return e;
      const cols = sortedUnique(e.outputs);
      const inner = narrow(e.input, cols);
      if (inner === undefined) return e;
      const pos = new Map(cols.map((c, i) => [c, i]));
      return { kind: 'project', input: inner, outputs: e.outputs.map((c) => pos.get(c)!) };
    };
    return visit(plan);
  },
};
