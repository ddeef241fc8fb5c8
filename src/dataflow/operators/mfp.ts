/**
 * Fused map / filter / project: a list of steps applied to each row in one pass. Stateless.
 * An evaluation error drops the row and emits an error update with the row's time and diff.
 */
import { type MirScalarExpr, containsMzNow, evalPredicate } from '../../expr/index.ts';
import type { Datum, Row } from '../../repr/index.ts';
import { assertNever } from '../../util/index.ts';
import { UpdateBatch } from '../batch.ts';
import { errorRow } from '../errors.ts';
import { datumsIdentical } from '../keys.ts';
import { type CompiledScalar, compileScalar } from '../scalar.ts';
import { type InputPort, Operator, Stream, type Worker } from '../worker.ts';

export type MfpStep =
  /** Appends one column per expression; each may read columns appended before it. */
  | { readonly kind: 'map'; readonly exprs: readonly MirScalarExpr[] }
  /** Keeps rows for which every predicate is true. */
  | { readonly kind: 'filter'; readonly predicates: readonly MirScalarExpr[] }
  /** Keeps the listed columns in order. */
  | { readonly kind: 'project'; readonly outputs: readonly number[] }
  /** Keeps rows where all expressions are non-NULL and equal (join equivalences not enforced by keys). */
  | { readonly kind: 'equal'; readonly exprs: readonly MirScalarExpr[] }
  /**
   * Temporal filter: `mz_now() <op> expr` conditions. Instead of dropping rows, they bound the
   * times at which each row is present: it is inserted at max(time, lower) and retracted at upper.
   */
  | { readonly kind: 'temporal'; readonly bounds: readonly TemporalBound[] };

/** `mz_now() <op> expr` (expr free of mz_now). */
export interface TemporalBound {
  readonly op: 'lt' | 'lte' | 'gt' | 'gte' | 'eq';
  readonly expr: MirScalarExpr;
}

const FLIP = { lt: 'gt', lte: 'gte', gt: 'lt', gte: 'lte', eq: 'eq' } as const;

/**
 * Splits filter predicates into ordinary ones and temporal bounds (conjuncts of the form
 * `mz_now() <op> e` or `e <op> mz_now()` with op in lt/lte/gt/gte/eq). Other uses of mz_now stay
 * ordinary predicates (and fail to evaluate in maintained dataflows).
 */
export function splitTemporal(predicates: readonly MirScalarExpr[]): { plain: MirScalarExpr[]; bounds: TemporalBound[] } {
  const plain: MirScalarExpr[] = [];
  const bounds: TemporalBound[] = [];
  const visit = (p: MirScalarExpr): void => {
    if (p.kind === 'call' && p.func === 'and') {
      p.args.forEach(visit);
      return;
    }
    if (p.kind === 'call' && p.args.length === 2 && (p.func === 'lt' || p.func === 'lte' || p.func === 'gt' || p.func === 'gte' || p.func === 'eq')) {
      const [a, b] = p.args as [MirScalarExpr, MirScalarExpr];
      if (a.kind === 'mzNow' && !containsMzNow(b)) {
        bounds.push({ op: p.func, expr: b });
        return;
      }
      if (b.kind === 'mzNow' && !containsMzNow(a)) {
        bounds.push({ op: FLIP[p.func], expr: a });
        return;
      }
    }
    plain.push(p);
  };
  predicates.forEach(visit);
  return { plain, bounds };
}

function toTime(v: Datum): number {
  return typeof v === 'bigint' ? Number(v) : Number(v);
}

type CompiledStep =
  | { readonly kind: 'map'; readonly fns: readonly CompiledScalar[] }
  | { readonly kind: 'filter'; readonly predicates: readonly MirScalarExpr[] }
  | { readonly kind: 'project'; readonly outputs: readonly number[] }
  | { readonly kind: 'equal'; readonly fns: readonly CompiledScalar[] }
  | { readonly kind: 'temporal'; readonly bounds: readonly { readonly op: TemporalBound['op']; readonly f: CompiledScalar }[] };

/** A compiled MFP: apply(row) returns the output row or null when filtered out; may throw. */
export class Mfp {
  private readonly steps: readonly CompiledStep[];
  constructor(steps: readonly MfpStep[]) {
    this.steps = steps.map((s): CompiledStep => {
      switch (s.kind) {
        case 'map': return { kind: 'map', fns: s.exprs.map(compileScalar) };
        case 'filter': return s;
        case 'project': return s;
        case 'equal': return { kind: 'equal', fns: s.exprs.map(compileScalar) };
        case 'temporal': return { kind: 'temporal', bounds: s.bounds.map((b) => ({ op: b.op, f: compileScalar(b.expr) })) };
        default: return assertNever(s, 'mfp step');
      }
    });
  }

  /** Validity interval [lower, upper) of the last row `apply` returned (temporal filters). */
  lower = -Infinity;
  upper = Infinity;

  get isIdentity(): boolean {
    return this.steps.length === 0;
  }

  apply(input: Row): Row | null {
    let row = input;
    this.lower = -Infinity;
    this.upper = Infinity;
    for (const s of this.steps) {
      switch (s.kind) {
        case 'map': {
          const out: Datum[] = row.slice();
          for (const f of s.fns) out.push(f(out));
          row = out;
          break;
        }
        case 'filter':
          for (const p of s.predicates) if (!evalPredicate(p, row)) return null;
          break;
        case 'project': {
          const o = s.outputs;
          const out: Datum[] = new Array(o.length);
          for (let i = 0; i < o.length; i++) out[i] = row[o[i]!] ?? null;
          row = out;
          break;
        }
        case 'equal': {
          const first = s.fns[0]!(row);
          if (first === null) return null;
          for (let i = 1; i < s.fns.length; i++) if (!datumsIdentical(first, s.fns[i]!(row))) return null;
          break;
        }
        case 'temporal':
          for (const b of s.bounds) {
            const v = b.f(row);
            if (v === null) return null;
            const t = toTime(v);
            if (b.op === 'gte' || b.op === 'eq') this.lower = Math.max(this.lower, t);
            if (b.op === 'gt') this.lower = Math.max(this.lower, t + 1);
            if (b.op === 'lte' || b.op === 'eq') this.upper = Math.min(this.upper, t + 1);
            if (b.op === 'lt') this.upper = Math.min(this.upper, t);
          }
          break;
        default: assertNever(s, 'mfp step');
      }
    }
    return row;
  }
}

export class MfpOp extends Operator {
  readonly output: Stream;
  readonly errors: Stream;
  private readonly input: InputPort;
  private readonly mfp: Mfp;

  constructor(worker: Worker, input: Stream, steps: readonly MfpStep[], name = 'mfp') {
    super(worker, name);
    this.input = input.connect(this);
    this.mfp = new Mfp(steps);
    this.output = new Stream(worker, name);
    this.errors = new Stream(worker, `${name}.errors`);
  }

  run(budget: number): boolean {
    let work = 0;
    while (work < budget) {
      const b = this.input.queue.pop();
      if (b === undefined) break;
      work += b.length;
      const out = new UpdateBatch();
      let errs: UpdateBatch | undefined;
      for (let i = 0; i < b.length; i++) {
        try {
          const r = this.mfp.apply(b.rows[i]!);
          if (r !== null) {
            const t = b.times[i]!;
            const lower = this.mfp.lower;
            const upper = this.mfp.upper;
            if (lower === -Infinity && upper === Infinity) out.push(r, t, b.diffs[i]!);
            else {
              // A temporal filter: present from max(t, lower) until upper.
              const from = Math.max(t, lower);
              if (from < upper) {
                out.push(r, from, b.diffs[i]!);
                if (upper !== Infinity) out.push(r, upper, -b.diffs[i]!);
              }
            }
          }
        } catch (e) {
          (errs ??= new UpdateBatch()).push(errorRow(e), b.times[i]!, b.diffs[i]!);
        }
      }
      this.output.send(out);
      if (errs !== undefined) this.errors.send(errs);
    }
    if (!this.input.queue.isEmpty) return true;
    this.output.advance(this.input.frontier);
    this.errors.advance(this.input.frontier);
    return false;
  }
}
