/**
 * Constant folding: scalar calls over literals become literals; filters whose predicates are all
 * literally true disappear, and a literally false/NULL predicate empties its input. An expression
 * whose evaluation fails is left in place, so the error surfaces when (and only if) a row needs it —
 * errors are data in maintained views.
 */
import { type MirRelationExpr, type MirScalarExpr, evalScalar, hasFunc, lookupFunc } from '../../expr/index.ts';
import { columnTypes } from '../../expr/index.ts';
import type { Row } from '../../repr/index.ts';
import { type TransformRule, rewriteBottomUp } from '../rule.ts';

/** Functions never folded (nondeterministic or context-dependent). */
const NO_FOLD = new Set(['random', 'now', '$param', 'not_null_check']);

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
      if (NO_FOLD.has(e.func) || !hasFunc(e.func)) return next;
      const f = lookupFunc(e.func);
      // A strict function of a NULL is NULL whatever its other arguments are (this is what empties
      // the NULL-padded branch of an outer join under a NULL-rejecting predicate).
      if (f.kind === 'eager' && f.strict && args.some((a) => a.kind === 'literal' && a.value === null)) {
        return { kind: 'literal', value: null, type: e.type };
      }
      if (e.func === 'and' && args.some((a) => a.kind === 'literal' && a.value === false)) return { kind: 'literal', value: false, type: e.type };
      if (e.func === 'or' && args.some((a) => a.kind === 'literal' && a.value === true)) return { kind: 'literal', value: true, type: e.type };
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

/** A map or projection of literal rows, evaluated now; undefined when evaluation fails (the error stays data). */
function evalOverConstant(node: MirRelationExpr): MirRelationExpr | undefined {
  if ((node.kind !== 'map' && node.kind !== 'project') || node.input.kind !== 'constant') return undefined;
  const input = node.input;
  if (node.kind === 'map' && node.scalars.some((s) => someCall(s, (f) => NO_FOLD.has(f)) || s.kind === 'mzNow')) return undefined;
  try {
    const rows = input.rows.map(([row, diff]): readonly [Row, number] => {
      if (node.kind === 'project') return [node.outputs.map((c) => row[c]!), diff];
      const out = [...row];
      for (const s of node.scalars) out.push(evalScalar(s, out));
      return [out, diff];
    });
    return { kind: 'constant', rows, types: columnTypes(node) };
  } catch {
    return undefined;
  }
}

function someCall(e: MirScalarExpr, p: (func: string) => boolean): boolean {
  switch (e.kind) {
    case 'column': case 'literal': return false;
    case 'mzNow': return true;
    case 'call': return p(e.func) || e.args.some((a) => someCall(a, p));
    case 'if': return someCall(e.cond, p) || someCall(e.then, p) || someCall(e.els, p);
  }
}

export const foldConstants: TransformRule = {
  name: 'fold_constants',
  apply: (plan) => rewriteBottomUp(plan, (node): MirRelationExpr => {
    switch (node.kind) {
      case 'map': {
        const scalars = node.scalars.map(foldScalar);
        const next = scalars.every((s, i) => s === node.scalars[i]) ? node : { ...node, scalars };
        return node.input.kind === 'constant' ? (evalOverConstant(next) ?? next) : next;
      }
      case 'project':
        return node.input.kind === 'constant' ? (evalOverConstant(node) ?? node) : node;
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
