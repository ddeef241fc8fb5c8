/**
 * Join ordering: rendering joins inputs left to right (input 0 ⋈ input 1, then ⋈ input 2, ...), so
 * the order of a join's inputs decides whether each step is keyed or a cross product, and how big the
 * intermediate arrangements get. This rule reorders inputs greedily: start with the input estimated
 * smallest, then repeatedly take an input joined to those already taken by an equivalence (preferring
 * one whose key is covered by an existing index, then the smallest), and only when none is connected,
 * the smallest remaining one (a cross product). A projection on top restores the original column
 * order, so the plan's meaning is unchanged.
 *
 * Ties break by original position, which makes the rule idempotent: on its own output it picks the
 * identity order and changes nothing.
 */
import { type MirRelationExpr, type MirScalarExpr, arity, columnsUsed, permuteColumns } from '../../expr/index.ts';
import { estimateRows, inputOfColumn, inputOfExpr, inputOffsets, localize } from '../analysis.ts';
import type { IndexedKeys, TransformRule } from '../rule.ts';
import { rewriteBottomUp } from '../rule.ts';
import { exprKey } from '../scalar-util.ts';

/** The order to join `inputs` in (a permutation of their positions). */
export function chooseJoinOrder(
  inputs: readonly MirRelationExpr[], equivalences: readonly (readonly MirScalarExpr[])[], indexed?: IndexedKeys,
): number[] {
  const n = inputs.length;
  const offsets = inputOffsets(inputs);
  const sizes = inputs.map(estimateRows);
  const members = equivalences.map((cls) => cls.map((e) => ({ e, only: inputOfExpr(offsets, e), reads: [...columnsUsed(e)].map((c) => inputOfColumn(offsets, c)) })));
  const taken: number[] = [];
  const isTaken = new Set<number>();
  const better = (a: number, b: number, score: (i: number) => number): number => {
    const sa = score(a);
    const sb = score(b);
    return sa < sb || (sa === sb && a < b) ? a : b;
  };
  // The key expressions (over input i's columns) joining i to the taken inputs.
  const keyTo = (i: number): MirScalarExpr[] => {
    const key: MirScalarExpr[] = [];
    for (const cls of members) {
      const mine = cls.find((m) => m.only === i);
      const theirs = cls.find((m) => m.only !== i && m.reads.every((r) => isTaken.has(r)));
      if (mine !== undefined && theirs !== undefined) key.push(localize(offsets, i, mine.e));
    }
    return key;
  };
  const hasIndex = (i: number, key: readonly MirScalarExpr[]): boolean => {
    const inp = inputs[i]!;
    if (indexed === undefined || inp.kind !== 'get' || typeof inp.id !== 'string') return false;
    const want = new Set(key.map(exprKey));
    return indexed(inp.id).some((k) => k.length > 0 && k.length === want.size && k.every((x) => want.has(exprKey(x))));
  };
  while (taken.length < n) {
    let pick: number | undefined;
    if (taken.length > 0) {
      const scores = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        if (isTaken.has(i)) continue;
        const key = keyTo(i);
        if (key.length === 0) continue;
        scores.set(i, (hasIndex(i, key) ? 0 : 1) * 1e15 + sizes[i]!);
        pick = pick === undefined ? i : better(pick, i, (j) => scores.get(j)!);
      }
    }
    if (pick === undefined) {
      for (let i = 0; i < n; i++) {
        if (isTaken.has(i)) continue;
        pick = pick === undefined ? i : better(pick, i, (j) => sizes[j]!);
      }
    }
    taken.push(pick!);
    isTaken.add(pick!);
  }
  return taken;
}

/** Reorders one join's inputs; the same object when the chosen order is the current one. */
export function reorderJoin(j: Extract<MirRelationExpr, { kind: 'join' }>, indexed?: IndexedKeys): MirRelationExpr {
  if (j.inputs.length < 2) return j;
  const order = chooseJoinOrder(j.inputs, j.equivalences, indexed);
  if (order.every((o, i) => o === i)) return j;
  const offsets = inputOffsets(j.inputs);
  const inputs = order.map((o) => j.inputs[o]!);
  const newOffsets = inputOffsets(inputs);
  // Old column c of input o moves to newOffsets[position of o] + (c - offsets[o]).
  const position = new Map(order.map((o, p) => [o, p]));
  const moved = (c: number): number => {
    const o = inputOfColumn(offsets, c);
    return newOffsets[position.get(o)!]! + (c - offsets[o]!);
  };
  const width = arity(j);
  const equivalences = j.equivalences.map((cls) => cls.map((e) => permuteColumns(e, moved)));
  const outputs = Array.from({ length: width }, (_, c) => moved(c));
  return { kind: 'project', input: { kind: 'join', inputs, equivalences }, outputs };
}

export const joinOrder: TransformRule = {
  name: 'join_order',
  apply: (plan, ctx) => rewriteBottomUp(plan, (node) => (node.kind === 'join' ? reorderJoin(node, ctx?.indexedKeys) : node)),
};
