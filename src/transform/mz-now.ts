/**
 * mz_now(): binds it for a one-shot read (every call becomes the read's timestamp as a literal), and
 * checks that a maintained dataflow uses it only in temporal filters (there mz_now() stays symbolic:
 * the filters turn it into per-row validity times).
 */
import { type MirRelationExpr, type MirScalarExpr, containsMzNow } from '../expr/index.ts';
import { T } from '../repr/index.ts';
import { SqlError, SqlState, assertNever } from '../util/index.ts';
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

const BOUND_OPS: ReadonlySet<string> = new Set(['eq', 'lt', 'lte', 'gt', 'gte']);

/** `mz_now() <op> e` or `e <op> mz_now()` with e free of mz_now: a temporal bound a dataflow can maintain. */
function isTemporalBound(p: MirScalarExpr): boolean {
  if (p.kind !== 'call' || p.args.length !== 2 || !BOUND_OPS.has(p.func)) return false;
  const [a, b] = p.args as [MirScalarExpr, MirScalarExpr];
  return (a.kind === 'mzNow' && !containsMzNow(b)) || (b.kind === 'mzNow' && !containsMzNow(a));
}

function conjuncts(p: MirScalarExpr): MirScalarExpr[] {
  return p.kind === 'call' && p.func === 'and' ? p.args.flatMap(conjuncts) : [p];
}

/**
 * Materialize's restriction on maintained dataflows (materialized views, indexes, SUBSCRIBE): mz_now()
 * may appear only in filter conjuncts `mz_now() <op> e` (op one of = < <= > >=), which become
 * per-row validity intervals. Anywhere else (the SELECT list, under OR or NOT, inside an aggregate's
 * FILTER, `<>`) its value would change at every tick, which no dataflow can maintain: reject at
 * CREATE rather than fail every read.
 */
export function checkMaintainableMzNow(plan: MirRelationExpr): void {
  const reject = (): never => {
    throw new SqlError(SqlState.featureNotSupported, 'cannot materialize call to mz_now');
  };
  const scalars = (es: readonly MirScalarExpr[]): void => {
    if (es.some(containsMzNow)) reject();
  };
  switch (plan.kind) {
    case 'filter':
      for (const c of plan.predicates.flatMap(conjuncts)) if (containsMzNow(c) && !isTemporalBound(c)) reject();
      break;
    case 'map': scalars(plan.scalars); break;
    case 'flatMap': scalars(plan.exprs); break;
    case 'join': scalars(plan.equivalences.flat()); break;
    case 'reduce':
      scalars(plan.groupKey);
      scalars(plan.aggregates.flatMap((a) => [a.expr, ...(a.orderByExprs ?? [])]));
      break;
    case 'arrangeBy': scalars(plan.keys.flat()); break;
    case 'constant': case 'get': case 'let': case 'letRec': case 'project': case 'topK': case 'negate': case 'threshold': case 'union':
      break;
    default: assertNever(plan, 'relation');
  }
  mapChildren(plan, (c) => {
    checkMaintainableMzNow(c);
    return c;
  });
}
