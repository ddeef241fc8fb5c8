/**
 * Timestamp selection: a pure function from the inputs' frontiers, the oracle's read timestamp, the
 * isolation level and an optional AS OF to the time a read is answered at, with the reasons for it
 * (EXPLAIN TIMESTAMP prints them). `readFrontiers` first decides, per input, whether the read's
 * frontiers are storage's or those of the index that serves it (an index's RETAIN HISTORY lets
 * reads through it go further back than its inputs' own history).
 */
import { type Frontier, type Timestamp, compareFrontier, maxFrontier, minFrontier, ts } from '../repr/index.ts';
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
  /** Why `since`/`upper` are what they are (from `readFrontiers`), printed first. */
  readonly inputReasons?: readonly string[];
}

/** One collection a read depends on, and the frontiers it can be read at. */
export interface ReadInput {
  readonly name: string;
  /** Read from storage (for an indexed view: its stored inputs, combined). */
  readonly stored: { readonly since: Frontier; readonly upper: Frontier };
  /** The index that can serve the read instead (index-use.ts decides), with its own frontiers. */
  readonly index?: { readonly name: string; readonly since: Frontier; readonly upper: Frontier };
}

/**
 * Since (greatest) and upper (least) over a read's inputs. An input with an index is read through
 * the index when that keeps older history than storage (the read then peeks or imports the index,
 * which it does whenever the index's since allows: coordinator.runQuery), else from storage.
 */
export function readFrontiers(inputs: readonly ReadInput[]): { since: Frontier; upper: Frontier; reasons: string[] } {
  let since: Frontier = ts(0);
  let upper: Frontier = 'closed';
  const reasons: string[] = [];
  for (const input of inputs) {
    let f = input.stored;
    const index = input.index;
    if (index !== undefined && index.since !== 'closed' && compareFrontier(index.since, input.stored.since) < 0) {
      f = index;
      reasons.push(`${input.name} is read through index ${index.name}, which retains history from ${index.since}`);
    }
    since = maxFrontier(since, f.since);
    upper = minFrontier(upper, f.upper);
  }
  return { since, upper, reasons };
}

export type TimestampDecision =
  | { readonly ok: Timestamp; readonly reasons: readonly string[]; readonly respondImmediately: boolean }
  | { readonly error: SqlError };

export function determineTimestamp(input: TimestampSelectionInput): TimestampDecision {
  const reasons: string[] = [...(input.inputReasons ?? [])];
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
  } else if (largestComplete === undefined && input.oracleReadTs !== undefined && input.oracleReadTs > candidate) {
    // Every input is closed (complete forever): any time answers at once, so read at the present
    // rather than at the oldest retained time.
    reasons.push(`serializable: every input is closed; the oracle read timestamp is ${input.oracleReadTs}`);
    candidate = input.oracleReadTs;
  }
  return finish(candidate);
}
