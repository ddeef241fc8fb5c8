/**
 * Timestamp selection: a pure function from the inputs' frontiers, the oracle's read timestamp, the
 * isolation level and an optional AS OF to the time a read is answered at, with the reasons for it
 * (EXPLAIN TIMESTAMP prints them).
 */
import { type Frontier, type Timestamp, ts } from '../repr/index.ts';
import { SqlError, SqlState } from '../util/index.ts';

export type IsolationLevel = 'strict serializable' | 'serializable';

export interface TimestampSelectionInput {
  /** Greatest `since` of the inputs: the earliest time all of them can still answer exactly. */
  readonly since: Frontier;
  /** Least `upper` of the inputs: every input is complete for times < upper. */
  readonly upper: Frontier;
  /** The oracle's read timestamp (strict serializable only). */
  readonly oracleReadTs?: Timestamp;
  readonly isolation: IsolationLevel;
  readonly asOf?: { readonly ts: number; readonly atLeast: boolean };
  /** A transaction that already read at some time must read there again. */
  readonly pinned?: Timestamp;
}

export type TimestampDecision =
  | { readonly ok: Timestamp; readonly reasons: readonly string[]; readonly respondImmediately: boolean }
  | { readonly error: SqlError };

export function determineTimestamp(input: TimestampSelectionInput): TimestampDecision {
  const reasons: string[] = [];
  const since = input.since;
  if (since === 'closed') return { error: new SqlError(SqlState.internalError, 'internal error: read of a dropped collection') };
  const upper = input.upper;
  const largestComplete = upper === 'closed' ? undefined : upper - 1;

  const finish = (t: number): TimestampDecision => ({
    ok: ts(t),
    reasons,
    respondImmediately: upper === 'closed' || t < upper,
  });

  if (input.pinned !== undefined) {
    reasons.push(`the transaction already reads at ${input.pinned}`);
    return finish(input.pinned);
  }

  if (input.asOf !== undefined && !input.asOf.atLeast) {
    const t = input.asOf.ts;
    if (t < since) return { error: new SqlError(SqlState.invalidParameterValue, `Timestamp (${t}) is not valid for all inputs: [${since}]`) };
    reasons.push(`AS OF ${t} was requested`);
    return finish(t);
  }

  let candidate: number = since;
  reasons.push(`since of the inputs is ${since}`);
  if (input.asOf !== undefined) {
    candidate = Math.max(candidate, input.asOf.ts);
    reasons.push(`AS OF AT LEAST ${input.asOf.ts} was requested`);
  }
  if (input.isolation === 'strict serializable' && input.oracleReadTs !== undefined) {
    if (input.oracleReadTs > candidate) reasons.push(`strict serializable: the oracle read timestamp is ${input.oracleReadTs}`);
    candidate = Math.max(candidate, input.oracleReadTs);
  } else if (largestComplete !== undefined && largestComplete > candidate) {
    reasons.push(`serializable: the largest time complete for all inputs is ${largestComplete}`);
    candidate = largestComplete;
  }
  return finish(candidate);
}
