/** Fuses directly nested filters into one (fewer operators, one pass over each row). */
import type { MirRelationExpr } from '../../expr/index.ts';
import { type TransformRule, rewriteBottomUp } from '../rule.ts';

export const fuseFilters: TransformRule = {
  name: 'fuse_filters',
  apply: (plan) => rewriteBottomUp(plan, (node): MirRelationExpr => {
    if (node.kind === 'filter' && node.input.kind === 'filter') {
      return { kind: 'filter', input: node.input.input, predicates: [...node.input.predicates, ...node.predicates] };
    }
    if (node.kind === 'filter' && node.predicates.length === 0) return node.input;
    return node;
  }),
};
