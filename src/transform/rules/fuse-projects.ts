/**
 * Fuses directly nested projections, removes identity projections, and reads mapped columns that
 * are plain column copies (`Map (#0)` under a projection, which SELECT lists produce) from the
 * original column instead — projection pushdown then drops the unused copies.
 */
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
    if (node.input.kind === 'map') {
      const map = node.input;
      const n = arity(map.input);
      const resolve = (c: number): number => {
        const s = c >= n ? map.scalars[c - n] : undefined;
        return s !== undefined && s.kind === 'column' && s.index < c ? resolve(s.index) : c;
      };
      const outputs = node.outputs.map(resolve);
      if (outputs.some((o, i) => o !== node.outputs[i])) return { kind: 'project', input: map, outputs };
    }
    if (node.outputs.length === arity(node.input) && node.outputs.every((c, i) => c === i)) return node.input;
    return node;
  }),
};
