/**
 * Using existing indexes for one-shot reads. Views are inlined by the planner, so a query over an
 * indexed view carries the view's plan: we put `get <view>` back where that plan appears, and read
 * the index instead of recomputing the view from its inputs. When what remains is only a
 * map/filter/project over one indexed collection (a "fast path" peek), the index is read directly —
 * for `column = literal` on the index key, just that key — and no dataflow is built at all.
 */
import type { GlobalId, MirRelationExpr, MirScalarExpr } from '../expr/index.ts';
import { columnTypes, dependsOn } from '../expr/index.ts';
import type { Datum, Row } from '../repr/index.ts';
import type { Catalog, CatalogItem } from './catalog.ts';

/** Structural equality of plain-data plans (bigints and class instances compared by their fields). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** The indexed views of the catalog: view id → its plan and the index on it. */
export function indexedViews(catalog: Catalog): { id: GlobalId; plan: MirRelationExpr }[] {
  const out: { id: GlobalId; plan: MirRelationExpr }[] = [];
  for (const item of catalog.items()) {
    if (item.kind !== 'index' || item.indexOn === undefined) continue;
    const on = catalog.getItem(item.indexOn);
    // Constant views are cheaper to evaluate than to read.
    if (on?.kind === 'view' && on.plan !== undefined && dependsOn(on.plan).size > 0 && !out.some((v) => v.id === on.id)) out.push({ id: on.id, plan: on.plan });
  }
  return out;
}

/** Replaces every subtree equal to an indexed view's plan by `get <view>`. */
export function substituteIndexedViews(plan: MirRelationExpr, views: readonly { id: GlobalId; plan: MirRelationExpr }[]): MirRelationExpr {
  if (views.length === 0) return plan;
  for (const v of views) if (same(plan, v.plan)) return { kind: 'get', id: v.id, types: columnTypes(v.plan) };
  switch (plan.kind) {
    case 'constant': case 'get': return plan;
    case 'let': return { ...plan, value: substituteIndexedViews(plan.value, views), body: substituteIndexedViews(plan.body, views) };
    case 'letRec': return { ...plan, values: plan.values.map((x) => substituteIndexedViews(x, views)), body: substituteIndexedViews(plan.body, views) };
    case 'join': return { ...plan, inputs: plan.inputs.map((x) => substituteIndexedViews(x, views)) };
    case 'union': return { ...plan, base: substituteIndexedViews(plan.base, views), inputs: plan.inputs.map((x) => substituteIndexedViews(x, views)) };
    default: return { ...plan, input: substituteIndexedViews(plan.input, views) };
  }
}

/** The first index on `id`, if any. */
export function indexOn(catalog: Catalog, id: GlobalId): CatalogItem | undefined {
  return catalog.indexesOn(id)[0] as CatalogItem | undefined;
}

export interface FastPath {
  /** The indexed collection the plan reads. */
  readonly on: GlobalId;
  readonly index: CatalogItem;
  /** Restrict the read to this index key (from `key column = literal`). */
  readonly key?: Row;
}

/**
 * A plan that is only map/filter/project over `get X` where X has an index: read that index and
 * evaluate the rest here.
 */
export function fastPath(catalog: Catalog, plan: MirRelationExpr): FastPath | undefined {
  let node = plan;
  const filters: MirScalarExpr[] = [];
  while (node.kind === 'project' || node.kind === 'map' || node.kind === 'filter') {
    if (node.kind === 'filter') filters.push(...node.predicates);
    node = node.input;
  }
  if (node.kind !== 'get' || typeof node.id !== 'string') return undefined;
  const index = indexOn(catalog, node.id);
  if (index === undefined) return undefined;
  // Filters directly on the collection's columns: only those below every map (column indexes
  // refer to the collection itself). Walk again to find them.
  const direct: MirScalarExpr[] = [];
  let n: MirRelationExpr = plan;
  const chain: MirRelationExpr[] = [];
  while (n.kind === 'project' || n.kind === 'map' || n.kind === 'filter') {
    chain.push(n);
    n = n.input;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const c = chain[i]!;
    if (c.kind !== 'filter') break;
    direct.push(...c.predicates);
  }
  const keys = index.indexKeys ?? [];
  if (keys.length === 1 && keys[0]!.kind === 'column') {
    const keyCol = keys[0]!.index;
    for (const p of direct) {
      if (p.kind !== 'call' || p.func !== 'eq' || p.args.length !== 2) continue;
      const [a, b] = p.args as [MirScalarExpr, MirScalarExpr];
      const lit = a.kind === 'column' && a.index === keyCol && b.kind === 'literal' ? b : b.kind === 'column' && b.index === keyCol && a.kind === 'literal' ? a : undefined;
      if (lit !== undefined && lit.kind === 'literal' && lit.value !== null && lit.type.name === keys[0]!.type.name) {
        return { on: node.id, index, key: [lit.value as Datum] };
      }
    }
  }
  return { on: node.id, index };
}
