/**
 * Reduction elision: a reduction grouped by (a superset of) a unique key of its input sees exactly
 * one row per group, so it holds state for nothing. It becomes a Map computing each aggregate from
 * that single row (count(*) = 1, count(x) = 0 or 1, sum/min/max/bool_and/bool_or = x), then a
 * projection onto the group key and the aggregates. Keys come from tables' PRIMARY KEYs (carried on
 * `get` nodes) and from reductions below (see analysis.ts `uniqueKeys`). Aggregates whose one-row
 * value is not the input itself (avg's scale, string_agg, array_agg, ...) keep the reduction.
 */
import {
  type AggregateExpr, type MirRelationExpr, type MirScalarExpr, arity, call, hasFunc, ifThen, lit,
} from '../../expr/index.ts';
import { T } from '../../repr/index.ts';
import { uniqueKeys } from '../analysis.ts';
import type { TransformRule } from '../rule.ts';
import { rewriteBottomUp } from '../rule.ts';

/** The value of an aggregate over a single row, or undefined when it is not a simple scalar. */
function singleRowValue(a: AggregateExpr): MirScalarExpr | undefined {
  switch (a.func) {
    case 'count_star': return lit(1n, a.type);
    case 'count': return ifThen(call('is_null', [a.expr], T.bool), lit(0n, a.type), lit(1n, a.type));
    case 'min': case 'max': case 'bool_and': case 'bool_or':
      return a.expr.type.name === a.type.name ? a.expr : undefined;
    case 'sum': {
      if (a.expr.type.name === a.type.name) return a.expr;
      const cast = `cast_${a.expr.type.name}_to_${a.type.name}`;
      return hasFunc(cast) ? call(cast, [a.expr], a.type) : undefined;
    }
    default: return undefined;
  }
}

export const reduceElision: TransformRule = {
  name: 'reduce_elision',
  apply: (plan) => rewriteBottomUp(plan, (node): MirRelationExpr => {
    if (node.kind !== 'reduce' || node.groupKey.length === 0) return node;
    const grouped = new Set(node.groupKey.flatMap((k) => (k.kind === 'column' ? [k.index] : [])));
    const unique = uniqueKeys(node.input).some((key) => key.every((c) => grouped.has(c)));
    if (!unique) return node;
    const values = node.aggregates.map(singleRowValue);
    if (values.some((v) => v === undefined)) return node;
    const n = arity(node.input);
    const scalars = [...node.groupKey, ...(values as MirScalarExpr[])];
    return { kind: 'project', input: { kind: 'map', input: node.input, scalars }, outputs: scalars.map((_, i) => n + i) };
  }),
};
