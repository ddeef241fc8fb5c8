/**
 * Predicate pushdown: filters move as close to the data as they can, so joins see filtered inputs
 * instead of building cross products, and maintained views keep less state. Through a join, a
 * predicate reading one input moves into that input, and an equality between two inputs becomes a
 * join equivalence. Filters also pass through projections, maps (a predicate on a mapped column that
 * is a literal or a plain column is rewritten to it — this is what lets a NULL-rejecting WHERE
 * empty the NULL-padded branch of a lowered outer join), unions, negations, thresholds, lets,
 * flat maps, and reductions/top-k (predicates on grouping columns only).
 *
 * Predicates with mz_now() (temporal filters) are not moved past reductions or top-k, where the
 * time a row's predicate flips would no longer be the time its group changes.
 */
import {
  type MirRelationExpr, type MirScalarExpr, arity, columnTypes, columnsUsed, containsMzNow, permuteColumns,
} from '../../expr/index.ts';
import { inputOfExpr, inputOffsets, localize } from '../analysis.ts';
import type { TransformRule } from '../rule.ts';
import { mapChildren } from '../rule.ts';
import { exprKey, substituteColumns } from '../scalar-util.ts';

const filter = (input: MirRelationExpr, predicates: readonly MirScalarExpr[]): MirRelationExpr =>
  predicates.length === 0 ? input : { kind: 'filter', input, predicates };

/** Pushes `preds` (over `e`'s columns) into `e`; returns a plan equivalent to Filter(e, preds). */
function pushInto(e: MirRelationExpr, preds: readonly MirScalarExpr[]): MirRelationExpr {
  if (preds.length === 0) return e;
  switch (e.kind) {
    case 'filter': return pushInto(e.input, [...e.predicates, ...preds]);
    case 'project': {
      const outs = e.outputs;
      return { ...e, input: pushInto(e.input, preds.map((p) => permuteColumns(p, (c) => outs[c]!))) };
    }
    case 'map': {
      const n = arity(e.input);
      // Mapped columns that are literals or plain input columns are substituted; others keep the predicate above.
      const resolve = (c: number): MirScalarExpr | undefined => {
        if (c < n) return undefined;
        const s = e.scalars[c - n]!;
        if (s.kind === 'literal') return s;
        if (s.kind === 'column') return s.index < n ? s : resolve(s.index);
        return undefined;
      };
      const below: MirScalarExpr[] = [];
      const above: MirScalarExpr[] = [];
      for (const p of preds) {
        const q = substituteColumns(p, resolve);
        if ([...columnsUsed(q)].every((c) => c < n)) below.push(q);
        else above.push(p);
      }
      if (below.length === 0) return filter(e, preds);
      return filter({ ...e, input: pushInto(e.input, below) }, above);
    }
    case 'join': return pushIntoJoin(e, preds);
    case 'union':
      return { ...e, base: pushInto(e.base, preds), inputs: e.inputs.map((i) => pushInto(i, preds)) };
    case 'negate': case 'threshold': case 'arrangeBy':
      return { ...e, input: pushInto(e.input, preds) };
    case 'let': return { ...e, body: pushInto(e.body, preds) };
    case 'flatMap': {
      const n = arity(e.input);
      const below = preds.filter((p) => [...columnsUsed(p)].every((c) => c < n));
      if (below.length === 0) return filter(e, preds);
      return filter({ ...e, input: pushInto(e.input, below) }, preds.filter((p) => !below.includes(p)));
    }
    case 'reduce': {
      const k = e.groupKey.length;
      const below: MirScalarExpr[] = [];
      const above: MirScalarExpr[] = [];
      for (const p of preds) {
        if (!containsMzNow(p) && [...columnsUsed(p)].every((c) => c < k)) below.push(substituteColumns(p, (c) => e.groupKey[c]));
        else above.push(p);
      }
      if (below.length === 0) return filter(e, preds);
      return filter({ ...e, input: pushInto(e.input, below) }, above);
    }
    case 'topK': {
      const group = new Set(e.groupKey);
      const below = preds.filter((p) => !containsMzNow(p) && [...columnsUsed(p)].every((c) => group.has(c)));
      if (below.length === 0) return filter(e, preds);
      return filter({ ...e, input: pushInto(e.input, below) }, preds.filter((p) => !below.includes(p)));
    }
    case 'constant': case 'get': case 'letRec':
      return filter(e, preds);
  }
}

/** Splits predicates over a join: per-input filters, new equivalences, and the rest (kept above). */
function pushIntoJoin(j: Extract<MirRelationExpr, { kind: 'join' }>, preds: readonly MirScalarExpr[]): MirRelationExpr {
  const offsets = inputOffsets(j.inputs);
  const perInput: MirScalarExpr[][] = j.inputs.map(() => []);
  const classes: MirScalarExpr[][] = j.equivalences.map((c) => [...c]);
  const above: MirScalarExpr[] = [];
  for (const p of preds) {
    const where = inputOfExpr(offsets, p);
    if (typeof where === 'number') {
      perInput[where]!.push(localize(offsets, where, p));
      continue;
    }
    if (where === 'many' && p.kind === 'call' && p.func === 'eq' && p.args.length === 2) {
      const [a, b] = p.args as [MirScalarExpr, MirScalarExpr];
      const ia = inputOfExpr(offsets, a);
      const ib = inputOfExpr(offsets, b);
      if (typeof ia === 'number' && typeof ib === 'number' && ia !== ib && exprKey(a.type) === exprKey(b.type)) {
        addEquivalence(classes, a, b);
        continue;
      }
    }
    above.push(p);
  }
  if (perInput.every((ps) => ps.length === 0) && classes.length === j.equivalences.length && classes.every((c, i) => c.length === j.equivalences[i]!.length)) {
    return filter(j, preds);
  }
  const inputs = j.inputs.map((inp, i) => pushInto(inp, perInput[i]!));
  return filter({ kind: 'join', inputs, equivalences: classes }, above);
}

/** Adds a = b to the equivalence classes, merging classes that now share a member. */
function addEquivalence(classes: MirScalarExpr[][], a: MirScalarExpr, b: MirScalarExpr): void {
  const ka = exprKey(a);
  const kb = exprKey(b);
  const hits = classes.filter((c) => c.some((x) => { const k = exprKey(x); return k === ka || k === kb; }));
  const merged: MirScalarExpr[] = [];
  const seen = new Set<string>();
  for (const x of [...hits.flat(), a, b]) {
    const k = exprKey(x);
    if (!seen.has(k)) { seen.add(k); merged.push(x); }
  }
  for (const h of hits) classes.splice(classes.indexOf(h), 1);
  classes.push(merged);
}

export const predicatePushdown: TransformRule = {
  name: 'predicate_pushdown',
  apply: (plan) => {
    const visit = (node: MirRelationExpr): MirRelationExpr => {
      if (node.kind === 'filter') {
        const pushed = pushInto(node.input, node.predicates);
        if (pushed.kind === 'filter' && pushed.input === node.input && pushed.predicates.length === node.predicates.length
          && pushed.predicates.every((p, i) => p === node.predicates[i])) {
          return mapChildren(node, visit);
        }
        return mapChildren(pushed, visit);
      }
      return mapChildren(node, visit);
    };
    const out = visit(plan);
    return out;
  },
};

/** Column types are unchanged by pushdown; exported for tests that check it. */
export const sameShape = (a: MirRelationExpr, b: MirRelationExpr): boolean => exprKey(columnTypes(a)) === exprKey(columnTypes(b));
