/**
 * EXPLAIN: text renderings of a query's plan at each stage, one text column named as Materialize
 * names it ("Raw Plan", "Decorrelated Plan", "Optimized Plan", "Physical Plan").
 *
 * - RAW and DECORRELATED: the MIR that binding produces. Binding lowers and decorrelates in one step
 *   (there is no separate HIR), so the two stages print the same plan.
 * - OPTIMIZED: after the transform rules (with the catalog's indexes, as the adapter optimizes).
 * - PHYSICAL: the optimized plan with the strategies rendering picks: fused map/filter/project
 *   operators, each join's implementation (delta join or linear chain: order, lookup keys, cross
 *   products) and whether it reads an existing index, and each reduction's kind.
 *
 * Collections are shown by name (`materialize.public.t`), local bindings as `l0`, columns as `#i`.
 */
import {
  type AggregateFunc, type GlobalId, type MirRelationExpr, type MirScalarExpr, type RowSetFinishing, Mir,
} from '../../expr/index.ts';
import { planDeltaJoin, planDeltaPaths, planJoin } from '../../compute/index.ts';
import { formatText, relationDesc, T, typeName } from '../../repr/index.ts';
import { optimize } from '../../transform/index.ts';
import { SqlError, SqlState } from '../../util/index.ts';
import type { ExplainStage, MzStatement } from '../parser/index.ts';
import type { PlanContext } from './catalog-api.ts';
import type { Plan } from './plan.ts';

export function scalarText(e: MirScalarExpr): string {
  switch (e.kind) {
    case 'column': return `#${e.index}`;
    case 'literal': {
      const t = formatText(e.value, e.type);
      return t === null ? 'null' : e.type.name === 'text' || e.type.name === 'unknown' ? `"${t}"` : t;
    }
    case 'mzNow': return 'mz_now()';
    case 'call': return `${e.func}(${e.args.map(scalarText).join(', ')})`;
    case 'if': return `case when ${scalarText(e.cond)} then ${scalarText(e.then)} else ${scalarText(e.els)} end`;
  }
}

/** How a collection id is shown (its qualified name when known). */
export type NameOf = (id: GlobalId) => string | undefined;

function getText(r: Extract<MirRelationExpr, { kind: 'get' }>, names?: NameOf): string {
  return typeof r.id === 'string' ? (names?.(r.id) ?? r.id) : `l${r.id.local}`;
}

const cols = (xs: readonly number[]): string => xs.map((o) => `#${o}`).join(', ');

function lines(r: MirRelationExpr, depth: number, out: string[], names?: NameOf): void {
  const pad = '  '.repeat(depth);
  const push = (s: string): void => {
    out.push(pad + s);
  };
  switch (r.kind) {
    case 'constant':
      push(r.rows.length === 0 ? 'Constant <empty>' : `Constant (${r.rows.length} row${r.rows.length === 1 ? '' : 's'}) types=(${r.types.map(typeName).join(', ')})`);
      return;
    case 'get': push(`Get ${getText(r, names)}`); return;
    case 'let': push(`With l${r.id} =`); lines(r.value, depth + 1, out, names); push('Return'); lines(r.body, depth + 1, out, names); return;
    case 'letRec': push(`With Mutually Recursive ${r.ids.map((i) => `l${i}`).join(', ')}`); r.values.forEach((v) => lines(v, depth + 1, out, names)); push('Return'); lines(r.body, depth + 1, out, names); return;
    case 'project': push(`Project (${cols(r.outputs)})`); break;
    case 'map': push(`Map (${r.scalars.map(scalarText).join(', ')})`); break;
    case 'flatMap': push(`FlatMap ${r.func}(${r.exprs.map(scalarText).join(', ')})`); break;
    case 'filter': push(`Filter ${r.predicates.map(scalarText).join(' AND ')}`); break;
    case 'join': push(`Join on=(${r.equivalences.map((c) => c.map(scalarText).join(' = ')).join(' AND ')})`); r.inputs.forEach((i) => lines(i, depth + 1, out, names)); return;
    case 'reduce': push(`Reduce group_by=[${r.groupKey.map(scalarText).join(', ')}] aggregates=[${aggText(r.aggregates)}]`); break;
    case 'topK': push(topKText(r)); break;
    case 'negate': push('Negate'); break;
    case 'threshold': push('Threshold'); break;
    case 'union': push('Union'); [r.base, ...r.inputs].forEach((i) => lines(i, depth + 1, out, names)); return;
    case 'arrangeBy': push(`ArrangeBy keys=[${r.keys.map((k) => `[${k.map(scalarText).join(', ')}]`).join(', ')}]`); break;
  }
  lines(r.input, depth + 1, out, names);
}

function aggText(aggs: Extract<MirRelationExpr, { kind: 'reduce' }>['aggregates']): string {
  return aggs.map((a) => `${a.func}(${a.distinct ? 'distinct ' : ''}${a.func === 'count_star' ? '*' : scalarText(a.expr)})`).join(', ');
}

function topKText(r: Extract<MirRelationExpr, { kind: 'topK' }>): string {
  const group = r.groupKey.length > 0 ? ` group_by=[${cols(r.groupKey)}]` : '';
  return `TopK${group} order_by=[${r.order.map((o) => `#${o.column}${o.desc ? ' desc' : ''}`).join(', ')}]${r.limit !== undefined ? ` limit=${r.limit}` : ''}${r.offset > 0 ? ` offset=${r.offset}` : ''}`;
}

function finishLine(finishing: RowSetFinishing | undefined): string | undefined {
  if (finishing === undefined || (finishing.order.length === 0 && finishing.limit === undefined && finishing.offset === 0)) return undefined;
  return `Finish order_by=[${finishing.order.map((o) => `#${o.column}${o.desc ? ' desc' : ''}`).join(', ')}]${finishing.limit !== undefined ? ` limit=${finishing.limit}` : ''}${finishing.offset > 0 ? ` offset=${finishing.offset}` : ''} output=[${cols(finishing.project)}]`;
}

/** The logical plan as indented text (one operator per line, children indented). */
export function explainText(r: MirRelationExpr, finishing?: RowSetFinishing, names?: NameOf): string {
  const out: string[] = [];
  const fin = finishLine(finishing);
  if (fin !== undefined) {
    out.push(fin);
    lines(r, 1, out, names);
  } else {
    lines(r, 0, out, names);
  }
  return out.join('\n') + '\n';
}

// --- physical -------------------------------------------------------------------------------------

/** Index keys per collection, as rendering can import them. */
export type IndexesOf = (id: GlobalId) => readonly { readonly name: string; readonly keys: readonly MirScalarExpr[] }[];

const ACCUMULABLE = new Set<AggregateFunc>(['count', 'count_star', 'sum', 'avg', 'bool_and', 'bool_or', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp']);
const HIERARCHICAL = new Set<AggregateFunc>(['min', 'max']);

function physicalLines(r: MirRelationExpr, depth: number, out: string[], names: NameOf | undefined, indexes: IndexesOf | undefined): void {
  const pad = '  '.repeat(depth);
  const push = (s: string, extra = 0): void => {
    out.push('  '.repeat(extra) + pad + s);
  };
  const child = (c: MirRelationExpr): void => physicalLines(c, depth + 1, out, names, indexes);
  switch (r.kind) {
    case 'project': case 'map': case 'filter': {
      // Consecutive map/filter/project render as one fused operator (MFP), shown innermost first.
      const steps: string[] = [];
      let cur: MirRelationExpr = r;
      while (cur.kind === 'project' || cur.kind === 'map' || cur.kind === 'filter') {
        steps.unshift(cur.kind === 'project' ? `project=(${cols(cur.outputs)})` : cur.kind === 'map' ? `map=(${cur.scalars.map(scalarText).join(', ')})` : `filter=(${cur.predicates.map(scalarText).join(' AND ')})`);
        cur = cur.input;
      }
      push(`Mfp ${steps.join(' ')}`);
      child(cur);
      return;
    }
    case 'join': {
      const delta = planDeltaJoin(r.inputs, r.equivalences);
      const paths = delta === undefined ? planDeltaPaths(r.inputs, r.equivalences) : undefined;
      const keyText = (k: readonly MirScalarExpr[]): string => `[${k.map(scalarText).join(', ')}]`;
      const inputLine = (i: number, key: readonly MirScalarExpr[]): string => {
        const inp = r.inputs[i]!;
        const idx = inp.kind === 'get' && typeof inp.id === 'string' ? indexes?.(inp.id).find((x) => keyText(x.keys) === keyText(key)) : undefined;
        return `input %${i} arranged by ${keyText(key)}${idx !== undefined ? ` (existing index ${idx.name})` : ''}`;
      };
      if (delta !== undefined) {
        push(`Join::Delta on=(${r.equivalences.map((c) => c.map(scalarText).join(' = ')).join(' AND ')})`);
        delta.keys.forEach((k, i) => push(inputLine(i, k), 1));
      } else if (paths !== undefined) {
        push(`Join::Delta on=(${r.equivalences.map((c) => c.map(scalarText).join(' = ')).join(' AND ')})`);
        paths.paths.forEach((p, start) => push(`path %${start}: ${p.map((s) => `» %${s.input}[${cols(paths.arrangements[s.input]![s.arrangement]!)}]`).join(' ')}`, 1));
      } else {
        const plan = planJoin(r.inputs, r.equivalences);
        push(`Join::Linear on=(${r.equivalences.map((c) => c.map(scalarText).join(' = ')).join(' AND ')})`);
        plan.steps.forEach((s, i) => {
          push(s.leftKey.length === 0 ? `stage ${i + 1}: cross product with %${i + 1}` : `stage ${i + 1}: lookup ${keyText(s.leftKey)} in ${inputLine(i + 1, s.rightKey)}`, 1);
        });
      }
      r.inputs.forEach((i) => child(i));
      return;
    }
    case 'reduce': {
      const kind = r.aggregates.length === 0 ? 'Distinct'
        : r.aggregates.every((a) => ACCUMULABLE.has(a.func) && !a.distinct) ? 'Accumulable'
          : r.aggregates.every((a) => HIERARCHICAL.has(a.func)) ? 'Hierarchical' : 'Basic';
      push(`Reduce::${kind} group_by=[${r.groupKey.map(scalarText).join(', ')}]${r.aggregates.length > 0 ? ` aggregates=[${aggText(r.aggregates)}]` : ''}`);
      child(r.input);
      return;
    }
    case 'get': {
      if (typeof r.id !== 'string') { push(`Get l${r.id.local}`); return; }
      const idx = indexes?.(r.id)[0];
      push(idx === undefined ? `Get::Collection ${getText(r, names)}` : `Get::Arrangement ${getText(r, names)} (index ${idx.name})`);
      return;
    }
    case 'topK': push(`${topKText(r).replace('TopK', 'TopK::Basic')}`); child(r.input); return;
    case 'threshold': push('Threshold::Basic'); child(r.input); return;
    case 'let': push(`With l${r.id} =`); child(r.value); push('Return'); child(r.body); return;
    case 'letRec': push(`With Mutually Recursive ${r.ids.map((i) => `l${i}`).join(', ')}`); r.values.forEach(child); push('Return'); child(r.body); return;
    case 'union': push('Union'); [r.base, ...r.inputs].forEach(child); return;
    case 'constant': case 'negate': case 'flatMap': case 'arrangeBy': {
      // Same as the logical rendering for these operators (they have one implementation).
      const tmp: string[] = [];
      lines(r.kind === 'constant' ? r : { ...r, input: Mir.constant([], []) } as MirRelationExpr, 0, tmp, names);
      push(tmp[0]!);
      if (r.kind !== 'constant') child(r.input);
      return;
    }
  }
}

export function explainPhysical(r: MirRelationExpr, finishing: RowSetFinishing | undefined, names?: NameOf, indexes?: IndexesOf): string {
  const out: string[] = [];
  const fin = finishLine(finishing);
  if (fin !== undefined) out.push(fin);
  physicalLines(r, fin === undefined ? 0 : 1, out, names, indexes);
  return out.join('\n') + '\n';
}

// --- planning EXPLAIN statements ------------------------------------------------------------------

const COLUMN: Record<ExplainStage, string> = {
  raw: 'Raw Plan', decorrelated: 'Decorrelated Plan', optimized: 'Optimized Plan', physical: 'Physical Plan',
};

function catalogNames(pc: PlanContext): NameOf {
  return (id) => {
    const it = pc.catalog.getItem(id);
    return it === undefined ? undefined : `${it.name.database}.${it.name.schema}.${it.name.item}`;
  };
}

function catalogIndexes(pc: PlanContext): IndexesOf {
  return (id) => pc.catalog.indexesOn(id).flatMap((i) => (i.indexKeys === undefined ? [] : [{ name: i.name.item, keys: i.indexKeys }]));
}

/** The text of `mir` at `stage`, under a header naming what is explained. */
export function explainStage(stage: ExplainStage, mir: MirRelationExpr, finishing: RowSetFinishing | undefined, pc: PlanContext, header = 'Explained Query:'): Plan {
  const names = catalogNames(pc);
  const indexes = catalogIndexes(pc);
  const optimized = (): MirRelationExpr => optimize(mir, { indexedKeys: (id) => indexes(id).map((i) => i.keys) });
  const body = stage === 'raw' || stage === 'decorrelated' ? explainText(mir, finishing, names)
    : stage === 'optimized' ? explainText(optimized(), finishing, names)
      : explainPhysical(optimized(), finishing, names, indexes);
  const text = `${header}\n${body.split('\n').map((l) => (l === '' ? l : `  ${l}`)).join('\n')}`;
  return { kind: 'constantRows', desc: relationDesc([{ name: COLUMN[stage], type: T.text, nullable: false }]), rows: [[text]], tag: 'EXPLAIN' };
}

/** EXPLAIN of a planned statement (SELECT, SUBSCRIBE, CREATE VIEW / MATERIALIZED VIEW / INDEX). */
export function explainPlanned(stage: ExplainStage, inner: Plan, pc: PlanContext): Plan | undefined {
  switch (inner.kind) {
    case 'select': return explainStage(stage, inner.plan, inner.finishing, pc);
    case 'subscribe': return explainStage(stage, inner.plan, undefined, pc);
    case 'createView': case 'createMaterializedView':
      return explainStage(stage, inner.plan, undefined, pc, `${inner.name.database}.${inner.name.schema}.${inner.name.item}:`);
    case 'createIndex': {
      const on = pc.catalog.getItem(inner.on);
      if (on?.desc === undefined) return undefined;
      const base = on.kind === 'view' && on.plan !== undefined ? on.plan : Mir.get(on.id, on.desc.columns.map((c) => c.type));
      return explainStage(stage, { kind: 'arrangeBy', input: base, keys: [inner.keys] }, undefined, pc, `${inner.name.database}.${inner.name.schema}.${inner.name.item}:`);
    }
    default: return undefined;
  }
}

/** EXPLAIN ... FOR VIEW | MATERIALIZED VIEW | INDEX name. */
export function explainObject(ast: Extract<MzStatement, { kind: 'explainObject' }>, pc: PlanContext): Plan {
  const item = pc.catalog.resolveItem(ast.name, pc.searchPath, pc.database);
  const label = ast.objectType === 'materialized-view' ? 'materialized view' : ast.objectType;
  if (item === undefined) throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${ast.name.join('.')}'`);
  const full = `${item.name.database}.${item.name.schema}.${item.name.item}`;
  if (item.kind !== ast.objectType) throw new SqlError(SqlState.wrongObjectType, `${full} is not a ${label}`);
  if (item.kind === 'index') {
    const on = item.indexOn === undefined ? undefined : pc.catalog.getItem(item.indexOn);
    if (on?.desc === undefined || item.indexKeys === undefined) throw new SqlError(SqlState.internalError, `internal error: index ${full} has no relation`);
    const base = on.kind === 'view' && on.plan !== undefined ? on.plan : Mir.get(on.id, on.desc.columns.map((c) => c.type));
    return explainStage(ast.stage, { kind: 'arrangeBy', input: base, keys: [item.indexKeys] }, undefined, pc, `${full}:`);
  }
  if (item.plan === undefined) throw new SqlError(SqlState.internalError, `internal error: ${full} has no plan`);
  return explainStage(ast.stage, item.plan, undefined, pc, `${full}:`);
}
