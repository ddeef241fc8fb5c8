/**
 * Constant folding: scalar calls over literals become literals; filters whose predicates are all
 * literally true disappear, and a literally false/NULL predicate empties its input. An expression
 * whose evaluation fails is left in place, so the error surfaces when (and only if) a row needs it —
 * errors are data in maintained views.
 */
import { type MirRelationExpr, type MirScalarExpr, evalScalar } from '../../expr/index.ts';
import { columnTypes } from '../../expr/index.ts';
import { type TransformRule, rewriteBottomUp } from '../rule.ts';

function foldScalar(e: MirScalarExpr): MirScalarExpr {
  switch (e.kind) {
    case 'column': case 'literal': case 'mzNow': return e;
    case 'if': {
      const cond = foldScalar(e.cond);
      const then = foldScalar(e.then);
      const els = foldScalar(e.els);
      if (cond.kind === 'literal') return cond.value === true ? then : els;
      return cond === e.cond && then === e.then && els === e.els ? e : { ...e, cond, then, els };
    }
    case 'call': {
      const args = e.args.map(foldScalar);
      const next = args.every((a, i) => a === e.args[i]) ? e : { ...e, args };
      if (args.every((a) => a.kind === 'literal')) {
        try {
          return { kind: 'literal', value: evalScalar(next, []), type: e.type };
        } catch {
          return next;
        }
      }
      return next;
    }
  }
}

export const foldConstants: TransformRule = {
  name: 'fold_constants',
  apply: (plan) => rewriteBottomUp(plan, (node): MirRelationExpr => {
    switch (node.kind) {
      case 'map': {
        const scalars = node.scalars.map(foldScalar);
        return scalars.every((s, i) => s === node.scalars[i]) ? node : { ...node, scalars };
      }
      case 'filter': {
        const folded = node.predicates.map(foldScalar);
        if (folded.some((p) => p.kind === 'literal' && p.value !== true)) {
          return { kind: 'constant', rows: [], types: columnTypes(node.input) };
        }
        const predicates = folded.filter((p) => !(p.kind === 'literal' && p.value === true));
        if (predicates.length === 0) return node.input;
        return predicates.length === node.predicates.length && predicates.every((p, i) => p === node.predicates[i]) ? node : { ...node, predicates };
      }
      default: return node;
    }
  }),
};
