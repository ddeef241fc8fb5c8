/**
 * The optimizer: one ordered list of rules, applied until nothing changes (bounded). Any rule can be
 * disabled by name (for debugging and for EXPLAIN comparisons).
 */
import type { MirRelationExpr } from '../expr/index.ts';
import type { IndexedKeys, TransformRule } from './rule.ts';
import { foldConstants } from './rules/fold-constants.ts';
import { fuseFilters } from './rules/fuse-filters.ts';
import { fuseProjects } from './rules/fuse-projects.ts';
import { inlineLets } from './rules/inline-lets.ts';
import { joinOrder } from './rules/join-order.ts';
import { outerJoinSimplification } from './rules/outer-join-simplification.ts';
import { predicatePushdown } from './rules/predicate-pushdown.ts';
import { projectionPushdown } from './rules/projection-pushdown.ts';
import { reduceElision } from './rules/reduce-elision.ts';

/** The rules, in the order they run. */
export const RULES: readonly TransformRule[] = [
  foldConstants,
  predicatePushdown,
  fuseFilters,
  outerJoinSimplification,
  inlineLets,
  reduceElision,
  projectionPushdown,
  fuseProjects,
  joinOrder,
];

const MAX_ROUNDS = 10;

export interface OptimizeOptions {
  readonly disabled?: ReadonlySet<string>;
  /** Called with the name of each rule that changed the plan. */
  readonly trace?: (rule: string) => void;
  /** Existing indexes, for join ordering. */
  readonly indexedKeys?: IndexedKeys;
}

export function optimize(plan: MirRelationExpr, options: OptimizeOptions = {}): MirRelationExpr {
  const ctx = options.indexedKeys === undefined ? {} : { indexedKeys: options.indexedKeys };
  let current = plan;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false;
    for (const rule of RULES) {
      if (options.disabled?.has(rule.name)) continue;
      const next = rule.apply(current, ctx);
      if (next !== current) {
        changed = true;
        options.trace?.(rule.name);
        current = next;
      }
    }
    if (!changed) break;
  }
  return current;
}
