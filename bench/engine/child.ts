/**
 * One measured system in its own process (fresh heap, its own GC): generates the workload, loads
 * it, runs the batched phase then the single-update phase, checks the final view against a
 * from-scratch evaluation, and prints one JSON line (a ChildResult) as its last stdout line.
 * Progress goes to stderr.
 *
 * Usage (the engine suite does this): node --expose-gc bench/engine/child.ts <system> '<ChildOptions JSON>'
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { findSystem } from './system.ts';
import { type RegionTotals, type WorkloadSpec, diffTotals, digestTotals, expectedTotals, generate } from './workload.ts';

export interface ChildOptions {
  readonly spec: WorkloadSpec;
  readonly batchSize: number;
  /** Updates to apply in the batched phase (a multiple of batchSize), then one per timestamp. */
  readonly batchedUpdates: number;
  readonly singleUpdates: number;
  /** A phase stops early after this long (its measured rate is still reported). */
  readonly maxPhaseSeconds: number;
  /** Each phase is timed in this many segments; the reported rate is their median. */
  readonly segments: number;
  /** Writes a V8 CPU profile of this phase to `file` (through the inspector, so it covers only that phase). */
  readonly profile?: { readonly phase: ProfilePhase; readonly file: string };
}

export type ProfilePhase = 'load' | 'batched' | 'single';

export interface PhaseResult {
  readonly updates: number;
  readonly seconds: number;
  /** Median over segments of updates/s. */
  readonly medianPerS: number;
  /** updates / seconds over the whole phase. */
  readonly overallPerS: number;
  readonly stoppedEarly: boolean;
}

export type ChildResult =
  | { readonly system: string; readonly skipped: string }
  | {
    readonly system: string;
    readonly info: string;
    readonly loadS: number;
    readonly batched: PhaseResult;
    readonly single: PhaseResult;
    readonly heapMb: number;
    readonly rssMb: number;
    readonly maxRssMb: number;
    readonly updatesApplied: number;
    readonly correct: boolean;
    readonly mismatch?: string;
    readonly digest: string;
  };

const log = (msg: string): void => void process.stderr.write(`  [${process.argv[2]}] ${msg}\n`);

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs `total` updates from `start` in steps of `step` (one timestamp each); times them in segments. */
async function phase(apply: (from: number, to: number) => void | Promise<void>, start: number, total: number, step: number, opts: ChildOptions, what: string): Promise<PhaseResult> {
  const steps = Math.floor(total / step);
  const perSegment = Math.max(1, Math.ceil(steps / opts.segments));
  const rates: number[] = [];
  const t0 = performance.now();
  let done = 0;
  let stoppedEarly = false;
  while (done < steps) {
    const n = Math.min(perSegment, steps - done);
    const s0 = performance.now();
    for (let i = 0; i < n; i++) {
      const from = start + (done + i) * step;
      const r = apply(from, from + step);
      if (r !== undefined) await r;
    }
    const s1 = performance.now();
    done += n;
    rates.push((n * step) / ((s1 - s0) / 1000));
    log(`${what}: ${done * step}/${steps * step} updates, segment ${Math.round(rates.at(-1)!).toLocaleString('en-US')} upd/s`);
    if (done < steps && (s1 - t0) / 1000 > opts.maxPhaseSeconds) {
      stoppedEarly = true;
      log(`${what}: stopped after ${opts.maxPhaseSeconds} s (time cap)`);
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { updates: done * step, seconds, medianPerS: median(rates), overallPerS: (done * step) / seconds, stoppedEarly };
}

/** Runs `body`, under the CPU profiler when `phase` is the one asked for. */
async function profiled<T>(opts: ChildOptions, phase: ProfilePhase, body: () => Promise<T>): Promise<T> {
  if (opts.profile?.phase !== phase) return body();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 100 µs sampling: a phase may last well under a second.
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const result = await body();
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(opts.profile.file, JSON.stringify(profile));
  session.disconnect();
  log(`CPU profile of the ${phase} phase written to ${opts.profile.file}`);
  return result;
}

async function main(): Promise<ChildResult> {
  const name = process.argv[2] ?? '';
  const opts = JSON.parse(process.argv[3] ?? '{}') as ChildOptions;
  const entry = findSystem(name);
  if (entry === undefined) throw new Error(`unknown system ${name}`);
  let sys;
  try {
    sys = await entry.create();
  } catch (err) {
    // A peer whose package is not installed (or cannot load here) is skipped, never faked.
    return { system: name, skipped: `cannot load: ${(err as Error).message.split('\n')[0]}` };
  }
  const w = generate({ ...opts.spec, updates: opts.batchedUpdates + opts.singleUpdates });
  gc();
  log(`loading ${w.spec.orders.toLocaleString('en-US')} orders + ${w.spec.customers.toLocaleString('en-US')} customers`);
  const loadS = await profiled(opts, 'load', async () => {
    const l0 = performance.now();
    const lr = sys.load(w);
    if (lr !== undefined) await lr;
    return (performance.now() - l0) / 1000;
  });
  log(`loaded in ${loadS.toFixed(2)} s`);

  const apply = (f: number, t: number): void | Promise<void> => sys.apply(w, f, t);
  const batched = await profiled(opts, 'batched', () => phase(apply, 0, opts.batchedUpdates, opts.batchSize, opts, `batches of ${opts.batchSize}`));
  const single = await profiled(opts, 'single', () => phase(apply, batched.updates, opts.singleUpdates, 1, opts, 'single updates'));
  const applied = batched.updates + single.updates;

  let got: RegionTotals = new Map();
  let mismatch: string | undefined;
  try {
    got = await sys.totals();
    mismatch = diffTotals(got, expectedTotals(w, applied));
  } catch (err) {
    mismatch = (err as Error).message;
  }
  gc();
  const mem = process.memoryUsage();
  const closed = sys.close?.();
  if (closed !== undefined) await closed;
  const result = {
    system: name, info: sys.info, loadS, batched, single,
    heapMb: mem.heapUsed / 2 ** 20, rssMb: mem.rss / 2 ** 20, maxRssMb: process.resourceUsage().maxRSS / 1024,
    updatesApplied: applied, correct: mismatch === undefined, digest: digestTotals(got),
  };
  return mismatch === undefined ? result : { ...result, mismatch };
}

main().then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
