/**
 * Fused map / filter / project: a list of steps applied to each row in one pass. Stateless.
 * An evaluation error drops the row and emits an error update with the row's time and diff.
 */
import { type MirScalarExpr, evalPredicate } from '../../expr/index.ts';
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
  | { readonly kind: 'equal'; readonly exprs: readonly MirScalarExpr[] };

type CompiledStep =
  | { readonly kind: 'map'; readonly fns: readonly CompiledScalar[] }
  | { readonly kind: 'filter'; readonly predicates: readonly MirScalarExpr[] }
  | { readonly kind: 'project'; readonly outputs: readonly number[] }
  | { readonly kind: 'equal'; readonly fns: readonly CompiledScalar[] };

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
        default: return assertNever(s, 'mfp step');
      }
    });
  }

  get isIdentity(): boolean {
    return this.steps.length === 0;
  }

  apply(input: Row): Row | null {
    let row = input;
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
          if (r !== null) out.push(r, b.times[i]!, b.diffs[i]!);
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
