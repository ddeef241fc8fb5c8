/**
 * Rendering: MIR relation expressions → dataflow operators on a Worker. Every rendered collection
 * is a pair (oks, errs): the rows, and the evaluation errors that produced no row (a list of
 * streams, concatenated only where someone consumes them). Consecutive map/filter/project nodes
 * fuse into one MFP operator; joins become chains of binary joins over arrangements, reusing an
 * imported index's arrangement when a join input is a `get` of its collection with the same key.
 */
import {
  ArrangeOp, type Arrangement, ConcatOp, DeltaJoinOp, DeltaPathsJoinOp, FlatMapOp, InputOp, JoinOp, type MfpStep, MfpOp, NegateOp, type Operator,
  ReadArrangementOp, ReduceOp, SecondaryArrangeOp, type Stream, ThresholdOp, TopKOp, UpdateBatch, type Worker, splitTemporal,
} from '../dataflow/index.ts';
import { type GlobalId, type MirRelationExpr, type MirScalarExpr, arity, columnTypes } from '../expr/index.ts';
import { T } from '../repr/index.ts';
import { assertNever } from '../util/index.ts';
import { planDeltaJoin, planDeltaPaths, planJoin } from './join-plan.ts';
import { LetRecOp } from './let-rec.ts';

export interface RenderedCollection {
  readonly oks: Stream;
  readonly errs: readonly Stream[];
}

/** An index available to the dataflow: its arrangements (rows by key, and errors). */
export interface ImportedIndex {
  readonly indexId: GlobalId;
  readonly keys: readonly MirScalarExpr[];
  readonly oks: Arrangement;
  readonly errs: Arrangement;
}

export class RenderContext {
  readonly worker: Worker;
  readonly asOf: number;
  /** Collections by global id: source imports and objects built so far. */
  readonly collections = new Map<GlobalId, RenderedCollection>();
  /** Imported indexes by the id of the collection they index. */
  readonly indexes = new Map<GlobalId, ImportedIndex[]>();
  /** Every operator created, so the dataflow can be dropped. */
  readonly operators: Operator[] = [];
  private readonly locals = new Map<number, RenderedCollection>();
  /** Joins of 3+ inputs on one shared key render as delta joins (off: always the binary chain). */
  deltaJoins = true;

  constructor(worker: Worker, asOf: number) {
    this.worker = worker;
    this.asOf = asOf;
  }

  track<T extends Operator>(op: T): T {
    this.operators.push(op);
    return op;
  }

  /** Binds a local id (let / letRec binding) to a rendered collection. */
  bindLocal(id: number, c: RenderedCollection): void {
    this.locals.set(id, c);
  }

  /** The collection for `id`: built or imported, else read back from an imported index. */
  collection(id: GlobalId): RenderedCollection {
    const c = this.collections.get(id);
    if (c !== undefined) return c;
    const idx = this.indexes.get(id)?.[0];
    if (idx === undefined) throw new Error(`internal error: dataflow reads ${id}, which is neither imported nor built`);
    const oks = this.track(new ReadArrangementOp(this.worker, idx.oks, this.asOf, `read ${idx.indexId}`)).output;
    const errs = this.track(new ReadArrangementOp(this.worker, idx.errs, this.asOf, `read ${idx.indexId}.errors`)).output;
    const rendered = { oks, errs: [errs] };
    this.collections.set(id, rendered);
    return rendered;
  }

  render(e: MirRelationExpr): RenderedCollection {
    switch (e.kind) {
      case 'constant': {
        const input = this.track(new InputOp(this.worker, 'constant'));
        const b = new UpdateBatch();
        for (const [row, diff] of e.rows) b.push(row, this.asOf, diff);
        input.send(b);
        input.close();
        return { oks: input.output, errs: [] };
      }
      case 'get':
        if (typeof e.id === 'string') return this.collection(e.id);
        {
          const local = this.locals.get(e.id.local);
          if (local === undefined) throw new Error(`internal error: unbound local ${e.id.local}`);
          return local;
        }
      case 'let': {
        this.locals.set(e.id, this.render(e.value));
        return this.render(e.body);
      }
      case 'letRec':
        return this.renderLetRec(e);
      case 'project': case 'map': case 'filter':
        return this.renderMfp(e);
      case 'flatMap': {
        const input = this.render(e.input);
        const op = this.track(new FlatMapOp(this.worker, input.oks, e.func, e.exprs, `flatMap ${e.func}`));
        return { oks: op.output, errs: [...input.errs, op.errors] };
      }
      case 'join':
        return this.renderJoin(e.inputs, e.equivalences);
      case 'reduce': {
        const input = this.render(e.input);
        const op = this.track(new ReduceOp(this.worker, input.oks, e.groupKey, e.aggregates));
        return { oks: op.output, errs: [...input.errs, op.errors] };
      }
      case 'topK': {
        const input = this.render(e.input);
        const op = this.track(new TopKOp(this.worker, input.oks, { groupKey: e.groupKey, order: e.order, limit: e.limit, offset: e.offset }));
        return { oks: op.output, errs: [...input.errs, op.errors] };
      }
      case 'negate': {
        const input = this.render(e.input);
        return { oks: this.track(new NegateOp(this.worker, input.oks)).output, errs: input.errs };
      }
      case 'threshold': {
        const input = this.render(e.input);
        const op = this.track(new ThresholdOp(this.worker, input.oks));
        return { oks: op.output, errs: [...input.errs, op.errors] };
      }
      case 'union': {
        const parts = [e.base, ...e.inputs].map((i) => this.render(i));
        const op = this.track(new ConcatOp(this.worker, parts.map((p) => p.oks), 'union'));
        return { oks: op.output, errs: parts.flatMap((p) => p.errs) };
      }
      case 'arrangeBy':
        // Arrangements are built where they are used (joins, index exports).
        return this.render(e.input);
      default:
        return assertNever(e, 'relation expression');
    }
  }

  /**
   * WITH MUTUALLY RECURSIVE: every collection the recursion reads from outside (global ids and
   * enclosing let bindings) is tagged with its position and fed to a LetRecOp (let-rec.ts), which
   * re-evaluates the recursion per changed time.
   */
  private renderLetRec(e: Extract<MirRelationExpr, { kind: 'letRec' }>): RenderedCollection {
    const refs = new Map<string, { get: MirRelationExpr; rendered: RenderedCollection }>();
    const rewrite = (x: MirRelationExpr, bound: ReadonlySet<number>): MirRelationExpr => {
      if (x.kind === 'get') {
        if (typeof x.id === 'string') {
          if (!refs.has(x.id)) refs.set(x.id, { get: x, rendered: this.collection(x.id) });
          return x;
        }
        if (bound.has(x.id.local)) return x;
        const name = `__local_${x.id.local}`;
        const local = this.locals.get(x.id.local);
        if (local === undefined) throw new Error(`internal error: unbound local ${x.id.local}`);
        if (!refs.has(name)) refs.set(name, { get: x, rendered: local });
        return { kind: 'get', id: name, types: x.types };
      }
      switch (x.kind) {
        case 'let': {
          const inner = new Set(bound).add(x.id);
          return { ...x, value: rewrite(x.value, bound), body: rewrite(x.body, inner) };
        }
        case 'letRec': {
          const inner = new Set(bound);
          for (const id of x.ids) inner.add(id);
          return { ...x, values: x.values.map((v) => rewrite(v, inner)), body: rewrite(x.body, inner) };
        }
        case 'constant': return x;
        case 'join': return { ...x, inputs: x.inputs.map((i) => rewrite(i, bound)) };
        case 'union': return { ...x, base: rewrite(x.base, bound), inputs: x.inputs.map((i) => rewrite(i, bound)) };
        default: return { ...x, input: rewrite(x.input, bound) };
      }
    };
    const expr = rewrite(e, new Set()) as typeof e;
    const ids = [...refs.keys()];
    const errs: Stream[] = [];
    const tick = this.track(new InputOp(this.worker, 'letRec tick'));
    tick.send(UpdateBatch.of([[[-1], this.asOf, 1]]));
    tick.close();
    const tagged: Stream[] = [tick.output];
    ids.forEach((id, i) => {
      const { get, rendered } = refs.get(id)!;
      const n = arity(get);
      const steps: MfpStep[] = [
        { kind: 'map', exprs: [{ kind: 'literal', value: i, type: T.int4 }] },
        { kind: 'project', outputs: [n, ...Array.from({ length: n }, (_, c) => c)] },
      ];
      const tag = this.applyMfp(rendered, steps, `letRec input ${id}`);
      tagged.push(tag.oks);
      errs.push(...tag.errs);
    });
    const all = this.track(new ConcatOp(this.worker, tagged, 'letRec inputs'));
    const op = this.track(new LetRecOp(this.worker, all.output, expr, ids));
    return { oks: op.output, errs: [...errs, op.errors] };
  }

  /** Fuses a run of map/filter/project nodes into one operator. */
  private renderMfp(top: MirRelationExpr): RenderedCollection {
    const steps: MfpStep[] = [];
    let e = top;
    for (;;) {
      if (e.kind === 'map') steps.push({ kind: 'map', exprs: e.scalars });
      else if (e.kind === 'filter') {
        const { plain, bounds } = splitTemporal(e.predicates);
        // Pushed in reverse: the ordinary predicates run first, then the temporal bounds.
        if (bounds.length > 0) steps.push({ kind: 'temporal', bounds });
        if (plain.length > 0) steps.push({ kind: 'filter', predicates: plain });
      }
      else if (e.kind === 'project') steps.push({ kind: 'project', outputs: e.outputs });
      else break;
      e = e.input;
    }
    steps.reverse();
    const input = this.render(e);
    return this.applyMfp(input, steps, 'mfp');
  }

  applyMfp(input: RenderedCollection, steps: readonly MfpStep[], name: string): RenderedCollection {
    if (steps.length === 0) return input;
    const op = this.track(new MfpOp(this.worker, input.oks, steps, name));
    return { oks: op.output, errs: [...input.errs, op.errors] };
  }

  /** The imported index a join input can use directly: a `get` of an imported collection with the same key. */
  private importedIndexFor(input: MirRelationExpr, keys: readonly MirScalarExpr[]): ImportedIndex | undefined {
    if (input.kind !== 'get' || typeof input.id !== 'string' || this.collections.has(input.id)) return undefined;
    const want = JSON.stringify(keys, bigintSafe);
    return this.indexes.get(input.id)?.find((i) => JSON.stringify(i.keys, bigintSafe) === want);
  }

  /** Arranges a collection by `keys` for a join (NULL keys dropped), or reuses a matching imported index. */
  private arrangeForJoin(input: MirRelationExpr, keys: readonly MirScalarExpr[], errs: Stream[]): Arrangement {
    const idx = this.importedIndexFor(input, keys);
    if (idx !== undefined) {
      errs.push(this.track(new ReadArrangementOp(this.worker, idx.errs, this.asOf, `read ${idx.indexId}.errors`)).output);
      return idx.oks;
    }
    const c = this.render(input);
    errs.push(...c.errs);
    return this.arrange(c.oks, keys, errs);
  }

  private arrange(oks: Stream, keys: readonly MirScalarExpr[], errs: Stream[]): Arrangement {
    const op = this.track(new ArrangeOp(this.worker, oks, keys, { dropNullKeys: true, name: 'arrange' }));
    errs.push(op.errors);
    return op.arrangement;
  }

  private renderDeltaPaths(inputs: readonly MirRelationExpr[], plan: DeltaPaths, keysOf: (input: number, cols: readonly number[]) => MirScalarExpr[]): RenderedCollection {
    const errs: Stream[] = [];
    const secondaries: SecondaryArrangeOp[] = [];
    const arrangements = plan.arrangements.map((sets, i) => {
      const primary = this.arrangeForJoin(inputs[i]!, keysOf(i, sets[0]!), errs);
      return [primary, ...sets.slice(1).map((cols) => {
        const sec = this.track(new SecondaryArrangeOp(this.worker, primary, keysOf(i, cols), this.asOf, `arrange ${i} by ${cols.join(',')}`));
        secondaries.push(sec);
        return sec.arrangement;
      })];
    });
    const stages = plan.paths.map((path) => path.map((st) => ({ input: st.input, arrangement: arrangements[st.input]![st.arrangement]!, key: st.key })));
    const join = this.track(new DeltaPathsJoinOp(this.worker, arrangements.map((a) => a[0]!), stages, inputs.map(arity), this.asOf, `delta join ${inputs.length}`));
    for (const sec of secondaries) sec.releaseInitialHold();
    return this.applyMfp({ oks: join.output, errs }, plan.residual.map((exprs) => ({ kind: 'equal', exprs })), 'join residual');
  }

  private renderJoin(inputs: readonly MirRelationExpr[], equivalences: readonly (readonly MirScalarExpr[])[]): RenderedCollection {
    if (inputs.length === 0) return this.render({ kind: 'constant', rows: [[[], 1]], types: [] });
    const delta = this.deltaJoins ? planDeltaJoin(inputs, equivalences) : undefined;
    // One arrangement per input: an imported index used at two positions needs the chain (self-join).
    const shared = delta?.keys.map((k, i) => this.importedIndexFor(inputs[i]!, k)).filter((x) => x !== undefined) ?? [];
    if (delta !== undefined && new Set(shared).size === shared.length) {
      const errs: Stream[] = [];
      const arrangements = inputs.map((inp, i) => this.arrangeForJoin(inp, delta.keys[i]!, errs));
      const join = this.track(new DeltaJoinOp(this.worker, arrangements, this.asOf, `delta join ${inputs.length}`));
      return this.applyMfp({ oks: join.output, errs }, delta.residual.map((exprs) => ({ kind: 'equal', exprs })), 'join residual');
    }
    const paths = this.deltaJoins && delta === undefined ? planDeltaPaths(inputs, equivalences) : undefined;
    if (paths !== undefined) {
      const keysOf = (input: number, cols: readonly number[]): MirScalarExpr[] => {
        const types = columnTypes(inputs[input]!);
        return cols.map((c) => ({ kind: 'column', index: c, type: types[c]! }));
      };
      const primaries = paths.arrangements.map((sets, i) => this.importedIndexFor(inputs[i]!, keysOf(i, sets[0]!)));
      const used = primaries.filter((x) => x !== undefined);
      if (new Set(used).size === used.length) return this.renderDeltaPaths(inputs, paths, keysOf);
    }
    const plan = planJoin(inputs, equivalences);
    const errs: Stream[] = [];
    let acc: RenderedCollection | undefined;
    if (inputs.length === 1) acc = this.render(inputs[0]!);
    for (let i = 1; i < inputs.length; i++) {
      const step = plan.steps[i - 1]!;
      const left = acc === undefined ? this.arrangeForJoin(inputs[0]!, step.leftKey, errs) : this.arrange(acc.oks, step.leftKey, errs);
      const right = this.arrangeForJoin(inputs[i]!, step.rightKey, errs);
      const join = this.track(new JoinOp(this.worker, left, right, this.asOf, `join ${i}`));
      acc = { oks: join.output, errs: acc === undefined ? [] : acc.errs };
    }
    const joined: RenderedCollection = { oks: acc!.oks, errs: [...acc!.errs, ...errs] };
    return this.applyMfp(joined, plan.residual.map((exprs) => ({ kind: 'equal', exprs })), 'join residual');
  }
}

/** The lookup structure of a general delta join (join-plan.ts `planDeltaPaths`). */
type DeltaPaths = NonNullable<ReturnType<typeof planDeltaPaths>>;

/** JSON.stringify replacer that tolerates bigint literals in key expressions. */
function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}
