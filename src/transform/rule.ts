/** The shape of an optimizer rule: a pure MIR → MIR rewrite that says whether it changed anything. */
import type { GlobalId, MirRelationExpr, MirScalarExpr } from '../expr/index.ts';

/** The key expressions of the existing indexes on a collection (over its columns). */
export type IndexedKeys = (id: GlobalId) => readonly (readonly MirScalarExpr[])[];

/** What rules may know beyond the plan: facts about the catalog at optimization time. */
export interface RuleContext {
  /** Existing indexes (join ordering prefers inputs it can look up through one). */
  readonly indexedKeys?: IndexedKeys;
}

export interface TransformRule {
  /** Stable name: shown in EXPLAIN and used to disable the rule. */
  readonly name: string;
  /** Rewrites the plan; returns the same object when nothing changed. */
  apply(plan: MirRelationExpr, ctx?: RuleContext): MirRelationExpr;
}

/** Applies `f` bottom-up to every node; keeps object identity where nothing changed. */
export function rewriteBottomUp(plan: MirRelationExpr, f: (node: MirRelationExpr) => MirRelationExpr): MirRelationExpr {
  const withChildren = mapChildren(plan, (c) => rewriteBottomUp(c, f));
  return f(withChildren);
}

export function mapChildren(e: MirRelationExpr, f: (child: MirRelationExpr) => MirRelationExpr): MirRelationExpr {
  switch (e.kind) {
    case 'constant': case 'get': return e;
    case 'let': {
      const value = f(e.value);
      const body = f(e.body);
      return value === e.value && body === e.body ? e : { ...e, value, body };
    }
    case 'letRec': {
      const values = e.values.map(f);
      const body = f(e.body);
      return body === e.body && values.every((v, i) => v === e.values[i]) ? e : { ...e, values, body };
    }
    case 'join': {
      const inputs = e.inputs.map(f);
      return inputs.every((v, i) => v === e.inputs[i]) ? e : { ...e, inputs };
    }
    case 'union': {
      const base = f(e.base);
      const inputs = e.inputs.map(f);
      return base === e.base && inputs.every((v, i) => v === e.inputs[i]) ? e : { ...e, base, inputs };
    }
    default: {
      const input = f(e.input);
      return input === e.input ? e : { ...e, input };
    }
  }
}
