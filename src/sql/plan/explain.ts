/** EXPLAIN output: an indented text rendering of MIR (one operator per line, children indented). */
import type { MirRelationExpr, MirScalarExpr, RowSetFinishing } from '../../expr/index.ts';
import { formatText, typeName } from '../../repr/index.ts';

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

function lines(r: MirRelationExpr, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const push = (s: string): void => {
    out.push(pad + s);
  };
  switch (r.kind) {
    case 'constant':
      push(r.rows.length === 0 ? 'Constant <empty>' : `Constant (${r.rows.length} row${r.rows.length === 1 ? '' : 's'}) types=(${r.types.map(typeName).join(', ')})`);
      return;
    case 'get': push(`Get ${typeof r.id === 'string' ? r.id : `l${r.id.local}`}`); return;
    case 'let': push(`With l${r.id} =`); lines(r.value, depth + 1, out); push('Return'); lines(r.body, depth + 1, out); return;
    case 'letRec': push(`With Mutually Recursive ${r.ids.map((i) => `l${i}`).join(', ')}`); r.values.forEach((v) => lines(v, depth + 1, out)); push('Return'); lines(r.body, depth + 1, out); return;
    case 'project': push(`Project (${r.outputs.map((o) => `#${o}`).join(', ')})`); break;
    case 'map': push(`Map (${r.scalars.map(scalarText).join(', ')})`); break;
    case 'flatMap': push(`FlatMap ${r.func}(${r.exprs.map(scalarText).join(', ')})`); break;
    case 'filter': push(`Filter ${r.predicates.map(scalarText).join(' AND ')}`); break;
    case 'join': push(`Join on=(${r.equivalences.map((c) => c.map(scalarText).join(' = ')).join(' AND ')})`); r.inputs.forEach((i) => lines(i, depth + 1, out)); return;
    case 'reduce': push(`Reduce group_by=[${r.groupKey.map(scalarText).join(', ')}] aggregates=[${r.aggregates.map((a) => `${a.func}(${a.distinct ? 'distinct ' : ''}${scalarText(a.expr)})`).join(', ')}]`); break;
    case 'topK': push(`TopK order_by=[${r.order.map((o) => `#${o.column}${o.desc ? ' desc' : ''}`).join(', ')}]${r.limit !== undefined ? ` limit=${r.limit}` : ''}${r.offset > 0 ? ` offset=${r.offset}` : ''}`); break;
    case 'negate': push('Negate'); break;
    case 'threshold': push('Threshold'); break;
    case 'union': push('Union'); [r.base, ...r.inputs].forEach((i) => lines(i, depth + 1, out)); return;
    case 'arrangeBy': push(`ArrangeBy keys=[${r.keys.map((k) => `[${k.map(scalarText).join(', ')}]`).join(', ')}]`); break;
  }
  lines(r.input, depth + 1, out);
}

export function explainText(r: MirRelationExpr, finishing?: RowSetFinishing): string {
  const out: string[] = [];
  if (finishing !== undefined && (finishing.order.length > 0 || finishing.limit !== undefined || finishing.offset > 0)) {
    out.push(`Finish order_by=[${finishing.order.map((o) => `#${o.column}${o.desc ? ' desc' : ''}`).join(', ')}]${finishing.limit !== undefined ? ` limit=${finishing.limit}` : ''}${finishing.offset > 0 ? ` offset=${finishing.offset}` : ''} output=[${finishing.project.map((p) => `#${p}`).join(', ')}]`);
    lines(r, 1, out);
  } else {
    lines(r, 0, out);
  }
  return out.join('\n') + '\n';
}
