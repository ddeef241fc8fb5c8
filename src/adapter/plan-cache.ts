/**
 * Plans of a session's prepared statements, reused across executions (issue 5: binding a point
 * SELECT or a one-row INSERT cost more than the rest of executing it). A statement's plan is made
 * once per catalog generation and session-variable generation, with each `$n` bound to an opaque
 * probe value; each execution copies it with the probes replaced by the parameters.
 *
 * Planning folds and inspects literal values (constant folding, LIMIT $1, casts of literals), so a
 * plan made with stand-ins is only reused when that provably did not happen: the statement is
 * planned three times — with the probes, and with two different sentinel values per parameter (of
 * opposite signs, and a different now()) — and the plan is cached only if the three are identical
 * except that each probe literal holds the matching sentinel in the other two. Anything the planner
 * derived from a parameter's value (a folded call, a LIMIT, a literal of another type) or from the
 * clock shows up as a difference, and the statement is then planned afresh every time, as before.
 * Only SELECT and INSERT plans are cached, and never for NULL parameters.
 *
 * The optimized form of the read inside (the SELECT's query, the INSERT's rows) is cached the same
 * way, verified the same way, and handed to `Coordinator.runQuery` through `preOptimized`, so an
 * execution neither binds nor optimizes. Not for plans with mz_now(), which is bound per read.
 */
import { type GlobalId, type MirRelationExpr, dependsOn } from '../expr/index.ts';
import type { Datum, ScalarType } from '../repr/index.ts';
import { type Plan, type PlanContext, type Statement, describeStatement, planStatement } from '../sql/index.ts';

/** How the coordinator optimizes a read: `indexed` for reads at a time (they may use indexed views). */
export type ReadOptimizer = (plan: MirRelationExpr, indexed: boolean) => MirRelationExpr;

interface OptimizedRead {
  readonly plan: MirRelationExpr;
  readonly indexed: boolean;
  /** `dependsOn(plan)`, computed once per template: what the read reads (parameters never name collections). */
  readonly deps: ReadonlySet<GlobalId>;
}

const optimizedReads = new WeakMap<MirRelationExpr, OptimizedRead>();

/** The optimized form of a read plan that came from the cache, if `indexed` matches how it was made. */
export function preOptimized(plan: MirRelationExpr, indexed: boolean): MirRelationExpr | undefined {
  const o = optimizedReads.get(plan);
  return o !== undefined && o.indexed === indexed ? o.plan : undefined;
}

/**
 * The collections the optimized form of a cached read depends on (what `runQuery` reads, indexed
 * views already substituted when `indexed`), or undefined for a plan not from the cache.
 */
export function preOptimizedDeps(plan: MirRelationExpr, indexed: boolean): ReadonlySet<GlobalId> | undefined {
  const o = optimizedReads.get(plan);
  return o !== undefined && o.indexed === indexed ? o.deps : undefined;
}

/** The stand-in bound to `$n` in a cached plan: no planner code can mistake it for a real value. */
class ParamProbe {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
}

/** Builds one execution's copy of a template part from the parameters. */
type Filler = (params: readonly Datum[]) => unknown;

interface Template {
  readonly plan: Plan;
  readonly fillPlan: Filler;
  /** The optimized read, when it too is independent of the parameters' values. */
  readonly read: (OptimizedRead & { readonly fill: Filler }) | undefined;
}

interface Entry {
  readonly catalogGeneration: number;
  readonly varsGeneration: number;
  readonly template: Template | undefined;
}

export interface PlanGenerations {
  readonly catalog: number;
  readonly vars: number;
}

const CACHED_KINDS = new Set<Plan['kind']>(['select', 'insert']);

export class PlanCache {
  readonly #entries = new WeakMap<Statement, Entry>();
  readonly #optimize: ReadOptimizer;

  constructor(optimize: ReadOptimizer) {
    this.#optimize = optimize;
  }

  /** The plan of `stmt` with `params` bound: from the cached template when there is one. */
  plan(stmt: Statement, context: () => PlanContext, params: readonly Datum[], generations: PlanGenerations): Plan {
    for (const p of params) if (p === null) return planStatement(stmt, context(), params);
    let entry = this.#entries.get(stmt);
    if (entry === undefined || entry.catalogGeneration !== generations.catalog || entry.varsGeneration !== generations.vars) {
      entry = { catalogGeneration: generations.catalog, varsGeneration: generations.vars, template: makeTemplate(stmt, context(), this.#optimize) };
      this.#entries.set(stmt, entry);
    }
    const t = entry.template;
    if (t === undefined || params.length < stmt.paramCount) return planStatement(stmt, context(), params);
    const plan = t.fillPlan(params) as Plan;
    const mir = readOf(plan);
    if (t.read !== undefined && mir !== undefined) optimizedReads.set(mir, { plan: t.read.fill(params) as MirRelationExpr, indexed: t.read.indexed, deps: t.read.deps });
    return plan;
  }
}

/** The read a plan runs through `runQuery`: a SELECT's query, an INSERT's rows. */
function readOf(plan: Plan): MirRelationExpr | undefined {
  if (plan.kind === 'select') return plan.plan;
  if (plan.kind === 'insert') return plan.values;
  return undefined;
}

function containsMzNow(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  if ((x as { kind?: unknown }).kind === 'mzNow') return true;
  return Array.isArray(x) ? x.some(containsMzNow) : isPlain(x) && Object.values(x).some(containsMzNow);
}

function makeTemplate(stmt: Statement, pc: PlanContext, optimize: ReadOptimizer): Template | undefined {
  try {
    const types = stmt.paramCount > 0 ? describeStatement(stmt, pc).paramTypes : [];
    if (types.length < stmt.paramCount) return undefined;
    const a: Datum[] = [];
    const b: Datum[] = [];
    for (let i = 0; i < stmt.paramCount; i++) {
      const s = sentinels(types[i]!, i);
      if (s === undefined) return undefined;
      a.push(s[0]);
      b.push(s[1]);
    }
    const now = pc.now ?? BigInt(Date.now()) * 1000n;
    const probes = Array.from({ length: stmt.paramCount }, (_, i) => new ParamProbe(i) as unknown as Datum);
    const plan = planStatement(stmt, { ...pc, now }, probes);
    if (!CACHED_KINDS.has(plan.kind)) return undefined;
    const planA = planStatement(stmt, { ...pc, now: now + 1n }, a);
    const planB = planStatement(stmt, { ...pc, now: now + 2n }, b);
    if (!matches(plan, planA, a) || !matches(plan, planB, b)) return undefined;
    return { plan, fillPlan: filler(plan), read: optimizedTemplate(plan, planA, planB, a, b, optimize) };
  } catch {
    // Whatever planning with stand-ins rejects is planned afresh, where it fails (or not) as usual.
    return undefined;
  }
}

function optimizedTemplate(plan: Plan, planA: Plan, planB: Plan, a: readonly Datum[], b: readonly Datum[], optimize: ReadOptimizer): Template['read'] {
  const mir = readOf(plan);
  if (mir === undefined || containsMzNow(mir)) return undefined;
  const indexed = dependsOn(mir).size > 0;
  try {
    const o = optimize(mir, indexed);
    if (!matches(o, optimize(readOf(planA)!, indexed), a) || !matches(o, optimize(readOf(planB)!, indexed), b)) return undefined;
    return { plan: o, indexed, deps: dependsOn(o), fill: filler(o) };
  } catch {
    return undefined;
  }
}

/** Two values per parameter type that no planner step maps to themselves by accident, or undefined. */
function sentinels(type: ScalarType, i: number): readonly [Datum, Datum] | undefined {
  switch (type.name) {
    case 'int2': return [7001 + i, -7013 - i];
    case 'int4': return [1_000_003 + i, -1_000_033 - i];
    case 'int8': return [10_000_000_019n + BigInt(i), -10_000_000_033n - BigInt(i)];
    case 'float8': return [0.123456789012345 + i, -9876.54321012345 - i];
    case 'text': case 'varchar': return [` Sentinel-a ${i} ÅßΩ\u0001 `, `\tSENTINEL-b ${i} øq\u0002`];
    case 'bool': return [true, false];
    default: return undefined;
  }
}

function isPlain(x: object): boolean {
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Whether `probed` (planned with probes) and `other` (planned with `values`) are the same plan,
 * each probe where `other` holds that probe's value. Anything else must be equal;
 * objects other than plain objects and arrays only when identical (conservative).
 */
function matches(probed: unknown, other: unknown, values: readonly Datum[]): boolean {
  if (probed === other) return true;
  // In a literal, or a row of a constant relation.
  if (probed instanceof ParamProbe) return other === values[probed.index];
  if (typeof probed !== 'object' || probed === null || typeof other !== 'object' || other === null) return false;
  if (Array.isArray(probed)) {
    if (!Array.isArray(other) || probed.length !== other.length) return false;
    for (let i = 0; i < probed.length; i++) if (!matches(probed[i], other[i], values)) return false;
    return true;
  }
  if (Array.isArray(other) || !isPlain(probed) || !isPlain(other)) return false;
  const keys = Object.keys(probed);
  if (keys.length !== Object.keys(other).length) return false;
  for (const k of keys) {
    if (!Object.hasOwn(other, k)) return false;
    if (!matches((probed as Record<string, unknown>)[k], (other as Record<string, unknown>)[k], values)) return false;
  }
  return true;
}

/**
 * A function copying `template` with every probe replaced by its parameter. Only the objects on
 * the way to a probe are copied (arrays by slice, plain objects by spread, then their probed members
 * refilled); everything else is shared by every execution, as planned.
 */
function filler(template: unknown): Filler {
  const f = compileFill(template, new Map());
  return f === undefined ? () => template : f;
}

/** The filler of `x`, or undefined when `x` holds no probe. `memo` keeps shared subtrees linear. */
function compileFill(x: unknown, memo: Map<object, Filler | undefined>): Filler | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  if (memo.has(x)) return memo.get(x);
  let f: Filler | undefined;
  if (x instanceof ParamProbe) {
    const i = x.index;
    f = (params) => params[i];
  } else if (Array.isArray(x)) {
    const slots: [number, Filler][] = [];
    x.forEach((v, i) => {
      const c = compileFill(v, memo);
      if (c !== undefined) slots.push([i, c]);
    });
    if (slots.length > 0) {
      f = (params) => {
        const out = x.slice();
        for (const [i, c] of slots) out[i] = c(params);
        return out;
      };
    }
  } else if (isPlain(x)) {
    const slots: [string, Filler][] = [];
    for (const [k, v] of Object.entries(x)) {
      const c = compileFill(v, memo);
      if (c !== undefined) slots.push([k, c]);
    }
    if (slots.length > 0) {
      f = (params) => {
        const out: Record<string, unknown> = { ...x };
        for (const [k, c] of slots) out[k] = c(params);
        return out;
      };
    }
  }
  memo.set(x, f);
  return f;
}
