/**
 * Binds mz_now() for a one-shot read: every call becomes the read's timestamp as a literal. (In
 * maintained views mz_now() stays symbolic: temporal filters turn it into per-row validity times.)
 */
import type { MirRelationExpr, MirScalarExpr } from '../expr/index.ts';
import { T } from '../repr/index.ts';
import { mapChildren } from './rule.ts';

function bindScalar(e: MirScalarExpr, value: bigint): MirScalarExpr {
  switch (e.kind) {
    case 'mzNow': return { kind: 'literal', value, type: T.mzTimestamp };
    case 'column': case 'literal': return e;
    case 'call': return { ...e, args: e.args.map((a) => bindScalar(a, value)) };
    case 'if': return { ...e, cond: bindScalar(e.cond, value), then: bindScalar(e.then, value), els: bindScalar(e.els, value) };
  }
}

export function bindMzNow(plan: MirRelationExpr, at: number): MirRelationExpr {
  const value = BigInt(at);
  const s = (e: MirScalarExpr): MirScalarExpr => bindScalar(e, value);
  const node = mapChildren(plan, (c) => bindMzNow(c, at));
  switch (node.kind) {
    case 'map': return { ...node, scalars: node.scalars.map(s) };
    case 'filter': return { ...node, predicates: node.predicates.map(s) };
    case 'flatMap': return { ...node, exprs: node.exprs.map(s) };
    case 'join': return { ...node, equivalences: node.equivalences.map((cls) => cls.map(s)) };
    case 'reduce': return {
      ...node,
      groupKey: node.groupKey.map(s),
      aggregates: node.aggregates.map((a) => ({ ...a, expr: s(a.expr), ...(a.orderByExprs === undefined ? {} : { orderByExprs: a.orderByExprs.map(s) }) })),
    };
    case 'arrangeBy': return { ...node, keys: node.keys.map((k) => k.map(s)) };
    default: return node;
  }
}
