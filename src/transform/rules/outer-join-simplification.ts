/**
 * Outer-join simplification, by emptiness: an outer join is lowered to the inner join plus, per
 * preserved side, its unmatched rows padded with NULL literals. When a NULL-rejecting predicate above
 * the join (`WHERE right.x = 5` over a LEFT JOIN) is pushed into that padded branch, constant folding
 * turns it into a literally false filter, i.e. an empty constant. This rule then propagates
 * emptiness: operators over an empty input become empty, and empty union branches disappear — so the
 * LEFT JOIN becomes an inner join (inline_lets then removes the now single-use bindings).
 */
import { type MirRelationExpr, columnTypes } from '../../expr/index.ts';
import type { TransformRule } from '../rule.ts';
import { rewriteBottomUp } from '../rule.ts';

const isEmpty = (e: MirRelationExpr): boolean => e.kind === 'constant' && e.rows.length === 0;
const empty = (e: MirRelationExpr): MirRelationExpr => ({ kind: 'constant', rows: [], types: columnTypes(e) });

export const outerJoinSimplification: TransformRule = {
  name: 'outer_join_simplification',
  apply: (plan) => rewriteBottomUp(plan, (node): MirRelationExpr => {
    switch (node.kind) {
      case 'union': {
        const branches = [node.base, ...node.inputs];
        const live = branches.filter((b) => !isEmpty(b));
        if (live.length === branches.length) return node;
        if (live.length === 0) return empty(node);
        return live.length === 1 ? live[0]! : { kind: 'union', base: live[0]!, inputs: live.slice(1) };
      }
      case 'join': return node.inputs.some(isEmpty) ? empty(node) : node;
      case 'project': case 'map': case 'filter': case 'negate': case 'threshold': case 'topK': case 'flatMap': case 'arrangeBy':
        return isEmpty(node.input) && !isEmpty(node) ? empty(node) : node;
      // A reduction with no grouping key returns one row even for empty input (count(*) = 0).
      case 'reduce': return node.groupKey.length > 0 && isEmpty(node.input) ? empty(node) : node;
      case 'let': case 'letRec': case 'constant': case 'get': return node;
    }
  }),
};
