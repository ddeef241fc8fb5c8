/** transform: the MIR optimizer (one rule per file, one ordered list). */
export { optimize, RULES, type OptimizeOptions } from './optimizer.ts';
export type { TransformRule, RuleContext, IndexedKeys } from './rule.ts';
export { bindMzNow, checkMaintainableMzNow } from './mz-now.ts';
