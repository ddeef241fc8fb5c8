/**
 * Join planning shared by rendering and batch evaluation: a multi-way MIR join becomes a chain of
 * binary equi-joins (input 0 ⋈ input 1, then ⋈ input 2, ...). For each step, each equivalence class
 * contributes a key pair when some member is computable from the inputs joined so far and another
 * member reads only the new input. Members not enforced by a key become residual equality checks
 * on the joined row. No key at all = cross join (empty key).
 */
import { type MirRelationExpr, type MirScalarExpr, arity, columnsUsed, permuteColumns } from '../expr/index.ts';

export interface JoinStep {
  /** Key expressions over the accumulated (prefix) row. */
  readonly leftKey: readonly MirScalarExpr[];
  /** Key expressions over the new input's own columns. */
  readonly rightKey: readonly MirScalarExpr[];
}

export interface JoinPlan {
  readonly arities: readonly number[];
  /** steps[i - 1] joins inputs [0, i) with input i. */
  readonly steps: readonly JoinStep[];
  /** Groups of expressions (over the full joined row) that must be equal and non-NULL. */
  readonly residual: readonly (readonly MirScalarExpr[])[];
}

export function planJoin(inputs: readonly MirRelationExpr[], equivalences: readonly (readonly MirScalarExpr[])[]): JoinPlan {
  const arities = inputs.map(arity);
  const offsets: number[] = [];
  let off = 0;
  for (const a of arities) {
    offsets.push(off);
    off += a;
  }
  const inputOf = (col: number): number => {
    let i = offsets.length - 1;
    while (i > 0 && offsets[i]! > col) i--;
    return i;
  };
  // For each member: the last input it needs, and the single input it reads (or -1 if several).
  const classes = equivalences.map((cls) =>
    cls.map((e) => {
      const used = [...columnsUsed(e)].map(inputOf);
      const last = used.length === 0 ? 0 : Math.max(...used);
      const only = used.length === 0 ? -2 : used.every((u) => u === used[0]) ? used[0]! : -1;
      return { e, last, only };
    }),
  );
  const connected = classes.map(() => new Set<number>());
  const steps: JoinStep[] = [];
  for (let i = 1; i < inputs.length; i++) {
    const leftKey: MirScalarExpr[] = [];
    const rightKey: MirScalarExpr[] = [];
    classes.forEach((members, c) => {
      const conn = connected[c]!;
      const rIdx = members.findIndex((m) => m.only === i);
      if (rIdx < 0) return;
      let lIdx = [...conn].find((j) => members[j]!.last < i);
      if (lIdx === undefined) lIdx = members.findIndex((m) => m.last < i);
      if (lIdx < 0) return;
      conn.add(lIdx);
      conn.add(rIdx);
      leftKey.push(members[lIdx]!.e);
      rightKey.push(permuteColumns(members[rIdx]!.e, (col) => col - offsets[i]!));
    });
    steps.push({ leftKey, rightKey });
  }
  const residual: MirScalarExpr[][] = [];
  classes.forEach((members, c) => {
    const conn = connected[c]!;
    const rest = members.filter((_, j) => !conn.has(j)).map((m) => m.e);
    if (rest.length === 0) return;
    const rep = [...conn][0];
    if (rep !== undefined) residual.push([members[rep]!.e, ...rest]);
    else if (rest.length > 1) residual.push(rest);
  });
  return { arities, steps, residual };
}
