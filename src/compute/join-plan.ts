/**
 * Join planning shared by rendering and batch evaluation: a multi-way MIR join becomes a chain of
 * binary equi-joins (input 0 ⋈ input 1, then ⋈ input 2, ...). For each step, each equivalence class
 * contributes a key pair when some member is computable from the inputs joined so far and another
 * member reads only the new input. Members not enforced by a key become residual equality checks
 * on the joined row. No key at all = cross join (empty key).
 */
import { type MirRelationExpr, type MirScalarExpr, arity, columnTypes, columnsUsed, permuteColumns } from '../expr/index.ts';

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
  const offsets = columnOffsets(arities);
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

/** A delta join: every input arranged by the same key (one member per input of each key class). */
export interface DeltaJoinPlan {
  /** Per input: key expressions over that input's own columns (same length for all inputs). */
  readonly keys: readonly (readonly MirScalarExpr[])[];
  /** As in JoinPlan: groups of expressions over the joined row that must be equal and non-NULL. */
  readonly residual: readonly (readonly MirScalarExpr[])[];
}

/**
 * Plans a join of 3+ inputs as a delta join when some equivalence classes have, for every input, a
 * member reading only that input: all inputs are then arranged by those members and each input's
 * changes look up all the others by the same key, with no intermediate arrangements. Undefined when
 * no class connects every input (the binary chain is used).
 */
export function planDeltaJoin(inputs: readonly MirRelationExpr[], equivalences: readonly (readonly MirScalarExpr[])[]): DeltaJoinPlan | undefined {
  if (inputs.length < 3) return undefined;
  const arities = inputs.map(arity);
  const offsets = columnOffsets(arities);
  const onlyInput = (e: MirScalarExpr): number => {
    const cols = [...columnsUsed(e)];
    if (cols.length === 0) return -1;
    const ins = cols.map((c) => {
      let i = offsets.length - 1;
      while (i > 0 && offsets[i]! > c) i--;
      return i;
    });
    return ins.every((x) => x === ins[0]) ? ins[0]! : -1;
  };
  const keys: MirScalarExpr[][] = inputs.map(() => []);
  const residual: MirScalarExpr[][] = [];
  for (const cls of equivalences) {
    const pick = inputs.map((_, i) => cls.findIndex((e) => onlyInput(e) === i));
    if (pick.every((p) => p >= 0)) {
      pick.forEach((p, i) => keys[i]!.push(permuteColumns(cls[p]!, (col) => col - offsets[i]!)));
      const rest = cls.filter((_, j) => !pick.includes(j));
      if (rest.length > 0) residual.push([cls[pick[0]!]!, ...rest]);
    } else if (cls.length > 1) residual.push([...cls]);
  }
  if (keys[0]!.length === 0) return undefined;
  return { keys, residual };
}

/** A general delta join: per input, the column sets it is arranged by, and each input's lookup path. */
export interface DeltaPathsPlan {
  /** Per input: key column sets (over the input's own columns); the first is the primary. */
  readonly arrangements: readonly (readonly number[])[][];
  /** paths[i]: stages visiting every other input; `arrangement` indexes arrangements[input]. */
  readonly paths: readonly (readonly { readonly input: number; readonly arrangement: number; readonly key: readonly MirScalarExpr[] }[])[];
  /** Every equivalence class, re-checked on the output (keys enforce only some members per path). */
  readonly residual: readonly (readonly MirScalarExpr[])[];
}

/**
 * Plans a join of 3+ inputs connected by column equalities as a general delta join: from each
 * input, repeatedly visit the least unvisited input sharing a class with a column of a visited one,
 * keyed by all such classes. Undefined when some step finds no connected input (a cross product)
 * or a class has a member that is not a plain column.
 */
export function planDeltaPaths(inputs: readonly MirRelationExpr[], equivalences: readonly (readonly MirScalarExpr[])[]): DeltaPathsPlan | undefined {
  const n = inputs.length;
  // Only plain column equalities: nothing can fail, so errors match the chain's exactly.
  if (n < 3 || equivalences.some((cls) => cls.some((e) => e.kind !== 'column'))) return undefined;
  const arities = inputs.map(arity);
  const offsets = columnOffsets(arities);
  const inputOf = (c: number): number => {
    let i = n - 1;
    while (i > 0 && offsets[i]! > c) i--;
    return i;
  };
  // Per class: the first column of each input that appears as a plain column member.
  const classCols = equivalences.map((cls) => {
    const m = new Map<number, number>();
    for (const e of cls) if (e.kind === 'column' && !m.has(inputOf(e.index))) m.set(inputOf(e.index), e.index);
    return m;
  });
  const arrangements: number[][][] = inputs.map(() => []);
  const paths = inputs.map((_, start) => {
    const visited = [start];
    const gatheredAt = new Map<number, number>([[start, 0]]);
    let width = arities[start]!;
    const stages: { input: number; arrangement: number; key: MirScalarExpr[] }[] = [];
    while (visited.length < n) {
      let found: { input: number; local: number[]; key: MirScalarExpr[] } | undefined;
      for (let j = 0; j < n && found === undefined; j++) {
        if (visited.includes(j)) continue;
        const local: number[] = [];
        const key: MirScalarExpr[] = [];
        for (const cols of classCols) {
          const mine = cols.get(j);
          const theirs = visited.find((v) => cols.has(v));
          if (mine === undefined || theirs === undefined) continue;
          const src = cols.get(theirs)!;
          local.push(mine - offsets[j]!);
          key.push({ kind: 'column', index: gatheredAt.get(theirs)! + src - offsets[theirs]!, type: columnTypeAt(inputs[theirs]!, src - offsets[theirs]!) });
        }
        if (local.length > 0) found = { input: j, local, key };
      }
      if (found === undefined) return undefined;
      const sets = arrangements[found.input]!;
      let a = sets.findIndex((s) => s.length === found.local.length && s.every((c, k) => c === found.local[k]));
      if (a < 0) a = sets.push(found.local) - 1;
      stages.push({ input: found.input, arrangement: a, key: found.key });
      visited.push(found.input);
      gatheredAt.set(found.input, width);
      width += arities[found.input]!;
    }
    return stages;
  });
  if (paths.some((p) => p === undefined)) return undefined;
  const residual = equivalences.filter((cls) => cls.length > 1).map((cls) => [...cls]);
  return { arrangements, paths: paths as NonNullable<(typeof paths)[number]>[], residual };
}

function columnTypeAt(e: MirRelationExpr, c: number): MirScalarExpr['type'] {
  return columnTypes(e)[c]!;
}

/** The first column of each input in the join's concatenated columns. */
function columnOffsets(arities: readonly number[]): number[] {
  const offsets: number[] = [];
  let off = 0;
  for (const a of arities) {
    offsets.push(off);
    off += a;
  }
  return offsets;
}
