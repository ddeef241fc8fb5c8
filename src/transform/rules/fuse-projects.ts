/** Fuses directly nested projections and removes identity projections. */
import { type MirRelationExpr, arity } from '../../expr/index.ts';
import { type TransformRule, rewriteBottomUp } from '../rule.ts';

export const fuseProjects: TransformRule = {
  name: 'fuse_projects',
  apply: (plan) => rewriteBottomUp(plan, (node): MirRelationExpr => {
    if (node.kind !== 'project') return node;
    if (node.input.kind === 'project') {
      const inner = node.input.outputs;
      return { kind: 'project', input: node.input.input, outputs: node.outputs.map((i) => inner[i]!) };
    }
    if (node.outputs.length === arity(node.input) && node.outputs.every((c, i) => c === i)) return node.input;
    return node;
  }),
};
