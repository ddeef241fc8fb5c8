/** Small MIR rewrites the planner needs: mapping every scalar of a relation expression. */
import type { MirRelationExpr, MirScalarExpr } from '../../expr/index.ts';

function mapScalar(e: MirScalarExpr, f: (e: MirScalarExpr) => MirScalarExpr): MirScalarExpr {
  switch (e.kind) {
    case 'column': case 'literal': case 'mzNow': return f(e);
    case 'call': return f({ ...e, args: e.args.map((a) => mapScalar(a, f)) });
    case 'if': return f({ ...e, cond: mapScalar(e.cond, f), then: mapScalar(e.then, f), els: mapScalar(e.els, f) });
  }
}

/** Applies `f` bottom-up to every scalar expression inside a relation expression. */
export function mapRelationScalars(r: MirRelationExpr, f: (e: MirScalarExpr) => MirScalarExpr): MirRelationExpr {
  const rec = (x: MirRelationExpr): MirRelationExpr => mapRelationScalars(x, f);
  const s = (x: MirScalarExpr): MirScalarExpr => mapScalar(x, f);
  switch (r.kind) {
    case 'constant': case 'get': return r;
    case 'let': return { ...r, value: rec(r.value), body: rec(r.body) };
    case 'letRec': return { ...r, values: r.values.map(rec), body: rec(r.body) };
    case 'project': case 'negate': case 'threshold': case 'topK': return { ...r, input: rec(r.input) };
    case 'map': return { ...r, input: rec(r.input), scalars: r.scalars.map(s) };
    case 'flatMap': return { ...r, input: rec(r.input), exprs: r.exprs.map(s) };
    case 'filter': return { ...r, input: rec(r.input), predicates: r.predicates.map(s) };
    case 'join': return { ...r, inputs: r.inputs.map(rec), equivalences: r.equivalences.map((c) => c.map(s)) };
    case 'reduce': return {
      ...r, input: rec(r.input), groupKey: r.groupKey.map(s),
      aggregates: r.aggregates.map((a) => ({ ...a, expr: s(a.expr), ...(a.orderByExprs !== undefined ? { orderByExprs: a.orderByExprs.map(s) } : {}) })),
    };
    case 'union': return { ...r, base: rec(r.base), inputs: r.inputs.map(rec) };
    case 'arrangeBy': return { ...r, input: rec(r.input), keys: r.keys.map((k) => k.map(s)) };
  }
}

/** Replaces calls to now() (kept in view definitions) with the statement's time. */
export function substituteNow(r: MirRelationExpr, now: MirScalarExpr): MirRelationExpr {
  return mapRelationScalars(r, (e) => (e.kind === 'call' && e.func === 'now' ? { ...now, type: e.type } : e));
}

/** True iff some scalar of `r` satisfies `p`. */
export function someScalar(r: MirRelationExpr, p: (e: MirScalarExpr) => boolean): boolean {
  let found = false;
  mapRelationScalars(r, (e) => {
    if (p(e)) found = true;
    return e;
  });
  return found;
}

/** Gives every Let/LetRec binding of `r` a fresh id (an inlined view's ids must not collide with the query's). */
export function renumberLets(r: MirRelationExpr, fresh: () => number, map: ReadonlyMap<number, number> = new Map()): MirRelationExpr {
  const rec = (x: MirRelationExpr, m: ReadonlyMap<number, number> = map): MirRelationExpr => renumberLets(x, fresh, m);
  switch (r.kind) {
    case 'constant': return r;
    case 'get': {
      if (typeof r.id === 'string') return r;
      const to = map.get(r.id.local);
      return to === undefined ? r : { ...r, id: { local: to } };
    }
    case 'let': {
      const id = fresh();
      const inner = new Map(map).set(r.id, id);
      return { ...r, id, value: rec(r.value), body: rec(r.body, inner) };
    }
    case 'letRec': {
      const ids = r.ids.map(() => fresh());
      const inner = new Map(map);
      r.ids.forEach((old, i) => inner.set(old, ids[i]!));
      return { ...r, ids, values: r.values.map((v) => rec(v, inner)), body: rec(r.body, inner) };
    }
    case 'join': return { ...r, inputs: r.inputs.map((x) => rec(x)) };
    case 'union': return { ...r, base: rec(r.base), inputs: r.inputs.map((x) => rec(x)) };
    default: return { ...r, input: rec(r.input) } as MirRelationExpr;
  }
}
