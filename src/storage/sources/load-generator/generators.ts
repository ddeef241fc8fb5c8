/**
 * The load generators' data: pure functions from (seed, tick offset, tick time) to the updates of
 * each output, so a restart that replays a tick writes exactly what the first attempt did.
 * COUNTER emits 1, 2, 3, ... (retracting the oldest beyond MAX CARDINALITY); AUCTION emits the
 * schemas of Materialize's auction generator: organizations, users and accounts at tick 0, then
 * one auction with its bids per tick. AS OF n / UP TO n (Materialize's options) fast-forward ticks
 * 0..n into the first step and stop producing data at tick n.
 */
import { type Diff, type RelationDesc, type Row, T, relationDesc } from '../../../repr/index.ts';
import { mulberry32 } from '../../../util/index.ts';

export type GeneratorKind = 'counter' | 'auction';

export interface GeneratorOutput {
  readonly name: string;
  readonly desc: RelationDesc;
}

const nn = (name: string, type: (typeof T)[keyof typeof T]): { name: string; type: typeof type; nullable: false } => ({ name, type, nullable: false });

export const COUNTER_OUTPUTS: readonly GeneratorOutput[] = [
  { name: '', desc: relationDesc([nn('counter', T.int8)]) },
];

export const AUCTION_OUTPUTS: readonly GeneratorOutput[] = [
  { name: 'organizations', desc: relationDesc([nn('id', T.int8), nn('name', T.text)], [[0]]) },
  { name: 'users', desc: relationDesc([nn('id', T.int8), nn('org_id', T.int8), nn('name', T.text)], [[0]]) },
  { name: 'accounts', desc: relationDesc([nn('id', T.int8), nn('org_id', T.int8), nn('balance', T.int8)], [[0]]) },
  { name: 'auctions', desc: relationDesc([nn('id', T.int8), nn('seller', T.int8), nn('item', T.text), nn('end_time', T.timestamptz)], [[0]]) },
  { name: 'bids', desc: relationDesc([nn('id', T.int8), nn('buyer', T.int8), nn('auction_id', T.int8), nn('amount', T.int4), nn('bid_time', T.timestamptz)], [[0]]) },
];

export function generatorOutputs(kind: GeneratorKind): readonly GeneratorOutput[] {
  return kind === 'counter' ? COUNTER_OUTPUTS : AUCTION_OUTPUTS;
}

export interface GeneratorOptions {
  readonly seed: number;
  readonly maxCardinality?: number;
  /** AS OF n: the data of ticks 0..n appears at once, in the source's first step. */
  readonly asOf?: number;
  /** UP TO n: ticks n and later produce nothing (the data is final; time still passes). */
  readonly upTo?: number;
}

/**
 * The updates of ticks [from, until) merged into one step (ticks at or beyond UP TO dropped), all
 * stamped by the caller at `tickMs`. A pure function, so a replayed step writes what the first did.
 */
export function generateTicks(kind: GeneratorKind, opts: GeneratorOptions, from: bigint, until: bigint, tickMs: number): Map<number, (readonly [Row, Diff])[]> {
  const asOf = opts.asOf === undefined ? undefined : BigInt(opts.asOf);
  const upTo = opts.upTo === undefined ? undefined : BigInt(opts.upTo);
  const out = new Map<number, (readonly [Row, Diff])[]>();
  for (let o = from; o < until; o++) {
    // A tick before AS OF counts as happening at AS OF; at or beyond UP TO it never happens.
    const at = asOf !== undefined && o <= asOf ? asOf : o;
    if (upTo !== undefined && at >= upTo) continue;
    for (const [i, rows] of generateTick(kind, opts, o, tickMs)) {
      const list = out.get(i);
      if (list === undefined) out.set(i, rows);
      else for (const r of rows) list.push(r);
    }
  }
  return out;
}

/**
 * The tick offsets the next step covers, starting at `offset`: every tick up to AS OF at once (as
 * Materialize fast-forwards a generator's data before its AS OF), else one tick.
 */
export function nextStepUntil(opts: GeneratorOptions, offset: bigint): bigint {
  if (opts.asOf !== undefined && offset <= BigInt(opts.asOf)) return BigInt(opts.asOf) + 1n;
  return offset + 1n;
}


const ORGANIZATIONS = 20;
const USERS_PER_ORG = 10;
const ITEMS = ['Signed Memorabilia', 'City Bar Crawl', 'Best Pizza in Town', 'Gift Basket', 'Custom Art'];
const ORG_NAMES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Wonka', 'Tyrell', 'Cyberdyne'];

/** Updates per output index for tick `offset` (0-based), stamped by the caller at `tickMs`. */
export function generateTick(kind: GeneratorKind, opts: GeneratorOptions, offset: bigint, tickMs: number): Map<number, (readonly [Row, Diff])[]> {
  const out = new Map<number, (readonly [Row, Diff])[]>();
  const push = (i: number, row: Row, diff: Diff): void => {
    let list = out.get(i);
    if (list === undefined) out.set(i, (list = []));
    list.push([row, diff]);
  };
  if (kind === 'counter') {
    const value = offset + 1n;
    push(0, [value], 1);
    const max = opts.maxCardinality;
    if (max !== undefined && value > BigInt(max)) push(0, [value - BigInt(max)], -1);
    return out;
  }
  if (offset === 0n) {
    for (let org = 1; org <= ORGANIZATIONS; org++) {
      push(0, [BigInt(org), `${ORG_NAMES[(org - 1) % ORG_NAMES.length]} ${Math.ceil(org / ORG_NAMES.length)}`], 1);
      push(2, [BigInt(org + 42), BigInt(org), 10_000n], 1);
      for (let u = 0; u < USERS_PER_ORG; u++) {
        const id = (org - 1) * USERS_PER_ORG + u + 1;
        push(1, [BigInt(id), BigInt(org), `user ${id}`], 1);
      }
    }
    return out;
  }
  const random = mulberry32(opts.seed ^ Number(offset % 0x7fffffffn) * 2654435761);
  const users = ORGANIZATIONS * USERS_PER_ORG;
  const nowMicros = BigInt(tickMs) * 1000n;
  const auctionId = offset;
  push(3, [auctionId, BigInt(1 + Math.floor(random() * users)), ITEMS[Math.floor(random() * ITEMS.length)]!, nowMicros + 10_000_000n], 1);
  const bids = 2 + Math.floor(random() * 8);
  for (let i = 0; i < bids; i++) {
    push(4, [auctionId * 10n + BigInt(i), BigInt(1 + Math.floor(random() * users)), auctionId, 1 + Math.floor(random() * 99), nowMicros + BigInt(i) * 1_000_000n], 1);
  }
  return out;
}
