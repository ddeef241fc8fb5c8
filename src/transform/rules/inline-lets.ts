/**
 * Inlines `let` bindings used at most once (and drops unused ones). Outer-join lowering binds the
 * inner join and each side so they can be shared; once simplification leaves a single use, the
 * binding only hides the plan's shape from the other rules (pushdown cannot cross a `get`).
 * Uses inside a recursive binding count as many: inlining there would re-evaluate per iteration.
 */
import type { MirRelationExpr } from '../../expr/index.ts';
import { relationChildren } from '../../expr/index.ts';
import type { TransformRule } from '../rule.ts';
import { mapChildren } from '../rule.ts';

function countUses(e: MirRelationExpr, id: number, inRec: boolean): number {
  if (e.kind === 'get') return typeof e.id !== 'string' && e.id.local === id ? (inRec ? 2 : 1) : 0;
  const rec = inRec || e.kind === 'letRec';
  let n = 0;
  for (const c of relationChildren(e)) n += countUses(c, id, rec);
  return n;
}

function replaceGet(e: MirRelationExpr, id: number, value: MirRelationExpr): MirRelationExpr {
  if (e.kind === 'get') return typeof e.id !== 'string' && e.id.local === id ? value : e;
  return mapChildren(e, (c) => replaceGet(c, id, value));
}

export const inlineLets: TransformRule = {
  name: 'inline_lets',
  apply: (plan) => {
    const visit = (node: MirRelationExpr): MirRelationExpr => {
      const e = mapChildren(node, visit);
      if (e.kind !== 'let') return e;
      const uses = countUses(e.body, e.id, false);
      if (uses === 0) return e.body;
      if (uses === 1) return replaceGet(e.body, e.id, e.value);
      return e;
    };
    return visit(plan);
  },
};
