/**
 * Timestamp selection: a pure function from the inputs' frontiers, the oracle's read timestamp, the
 * isolation level and an optional AS OF to the time a read is answered at, with the reasons for it
 * (EXPLAIN TIMESTAMP prints them). The reasons are built only when asked for (a getter re-running
 * the same decision with an explanation log): every SELECT decides, only EXPLAIN reads them.
 * `readFrontiers` first decides, per input, whether the read's
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
  /** Why `since`/`upper` are what they are (from `readFrontiers`), printed first; a thunk is called only when the reasons are read. */
  readonly inputReasons?: readonly string[] | (() => readonly string[]);
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
export function readFrontiers(inputs: readonly ReadInput[]): ReadFrontiers {
  let since: Frontier = ts(0);
  let upper: Frontier = 'closed';
  for (const input of inputs) {
    const f = throughIndex(input) ? input.index! : input.stored;
    since = maxFrontier(since, f.since);
    upper = minFrontier(upper, f.upper);
  }
  return new ReadFrontiers(since, upper, inputs);
}

/** readFrontiers' answer; `reasons` (a prototype getter: cheap to construct) is built when read. */
export class ReadFrontiers {
  readonly since: Frontier;
  readonly upper: Frontier;
  readonly #inputs: readonly ReadInput[];
  constructor(since: Frontier, upper: Frontier, inputs: readonly ReadInput[]) {
    this.since = since;
    this.upper = upper;
    this.#inputs = inputs;
  }

  get reasons(): string[] {
    return this.#inputs.filter(throughIndex).map((i) => `${i.name} is read through index ${i.index!.name}, which retains history from ${String(i.index!.since)}`);
  }
}

function throughIndex(input: ReadInput): boolean {
  const index = input.index;
  return index !== undefined && index.since !== 'closed' && compareFrontier(index.since, input.stored.since) < 0;
}

export type TimestampDecision =
  | { readonly ok: Timestamp; readonly reasons: readonly string[]; readonly respondImmediately: boolean; readonly since?: Frontier; readonly upper?: Frontier }
  | { readonly error: SqlError };

export function determineTimestamp(input: TimestampSelectionInput): TimestampDecision {
  const d = decide(input, undefined);
  return 'error' in d ? d : new Decision(d.ok, d.respondImmediately, input);
}

/** A successful decision; `reasons` re-runs the decision with a log when read (EXPLAIN TIMESTAMP). */
class Decision {
  readonly ok: Timestamp;
  readonly respondImmediately: boolean;
  readonly #input: TimestampSelectionInput;
  constructor(ok: Timestamp, respondImmediately: boolean, input: TimestampSelectionInput) {
    this.ok = ok;
    this.respondImmediately = respondImmediately;
    this.#input = input;
  }

  get reasons(): readonly string[] {
    const log: string[] = [];
    decide(this.#input, log);
    return log;
  }

  /** The inputs' frontiers the decision was made from (EXPLAIN TIMESTAMP prints them). */
  get since(): Frontier {
    return this.#input.since;
  }

  get upper(): Frontier {
    return this.#input.upper;
  }
}

/** The decision; with `log`, also why (appended to it). Both runs take the same path. */
function decide(input: TimestampSelectionInput, log: string[] | undefined): { readonly ok: Timestamp; readonly respondImmediately: boolean } | { readonly error: SqlError } {
  if (log !== undefined) {
    const r = input.inputReasons;
    if (r !== undefined) log.push(...(typeof r === 'function' ? r() : r));
  }
  const since = input.since;
  if (since === 'closed') return { error: new SqlError(SqlState.internalError, 'internal error: read of a dropped collection') };
  const upper = input.upper;
  const largestComplete = upper === 'closed' ? undefined : upper - 1;

  const finish = (t: number): { ok: Timestamp; respondImmediately: boolean } => ({ ok: ts(t), respondImmediately: upper === 'closed' || t < upper });

  if (input.pinned !== undefined) {
    log?.push(`the transaction already reads at ${input.pinned}`);
    return finish(input.pinned);
  }

  if (input.asOf !== undefined && !input.asOf.atLeast) {
    const t = input.asOf.ts;
    if (t < since) return { error: new SqlError(SqlState.invalidParameterValue, `Timestamp (${t}) is not valid for all inputs: [${since}]`) };
    log?.push(`AS OF ${t} was requested`);
    return finish(t);
  }

  let candidate: number = since;
  log?.push(`since of the inputs is ${since}`);
  if (input.asOf !== undefined) {
    candidate = Math.max(candidate, input.asOf.ts);
    log?.push(`AS OF AT LEAST ${input.asOf.ts} was requested`);
  }
  if (input.isolation === 'strict serializable' && input.oracleReadTs !== undefined) {
    if (input.oracleReadTs > candidate) log?.push(`strict serializable: the oracle read timestamp is ${input.oracleReadTs}`);
    candidate = Math.max(candidate, input.oracleReadTs);
  } else if (largestComplete !== undefined && largestComplete > candidate) {
    log?.push(`serializable: the largest time complete for all inputs is ${largestComplete}`);
    candidate = largestComplete;
  } else if (largestComplete === undefined && input.oracleReadTs !== undefined && input.oracleReadTs > candidate) {
    // Every input is closed (complete forever): any time answers at once, so read at the present
    // rather than at the oldest retained time.
    log?.push(`serializable: every input is closed; the oracle read timestamp is ${input.oracleReadTs}`);
    candidate = input.oracleReadTs;
  }
  return finish(candidate);
}
