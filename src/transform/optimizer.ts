/**
 * The optimizer: one ordered list of rules, applied until nothing changes (bounded). Any rule can be
 * disabled by name (for debugging and for EXPLAIN comparisons).
 */
import type { MirRelationExpr } from '../expr/index.ts';
import type { TransformRule } from './rule.ts';
import { foldConstants } from './rules/fold-constants.ts';
import { fuseFilters } from './rules/fuse-filters.ts';
import { fuseProjects } from './rules/fuse-projects.ts';

/** The rules, in the order they run. */
export const RULES: readonly TransformRule[] = [foldConstants, fuseFilters, fuseProjects];

const MAX_ROUNDS = 10;

export interface OptimizeOptions {
  readonly disabled?: ReadonlySet<string>;
  /** Called with the name of each rule that changed the plan. */
  readonly trace?: (rule: string) => void;
}

export function optimize(plan: MirRelationExpr, options: OptimizeOptions = {}): MirRelationExpr {
  let current = plan;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false;
    for (const rule of RULES) {
      if (options.disabled?.has(rule.name)) continue;
      const next = rule.apply(current);
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
