/**
 * The engine suite (reference/peers-and-performance.md §3): 1e6 orders joined to 1e4 customers,
 * grouped into 1000 regions with count and sum, then 1e5 updates in batches of 1000 (one timestamp
 * each) and single updates (one per timestamp). Measures, in one run and each in its own child
 * process: the hand-written loop (the ceiling), Tributary, DuckDB recomputing per batch,
 * @tanstack/db-ivm and @electric-sql/d2ts. Every system's final view must equal a from-scratch
 * evaluation (and the hand loop's, where they applied the same updates); a mismatch fails the suite.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChildOptions, ChildResult, ProfilePhase } from '../engine/child.ts';
import { SYSTEMS, findSystem } from '../engine/system.ts';
import { DEFAULT_SPEC } from '../engine/workload.ts';
import type { Suite } from '../main.ts';
import { formatTop, topFunctions } from '../profile.ts';
import { formatTable, machineLine, median, recordResults } from '../results.ts';

const TARGETS = { batched: 250_000, single: 50_000, loadS: 2, heapMb: 600 };
/**
 * The hand loop measured on a quiet machine (reference/peers-and-performance.md §3.3). On a busy
 * machine absolute rates sink, so the suite also prints Tributary's same-run ratio to the hand loop
 * times these figures: a noise-normalised reading, labelled as such, never used for the verdicts.
 */
const HANDLOOP_REFERENCE = { batched: 724_846, single: 578_408 };

type Measured = Extract<ChildResult, { info: string }>;

interface Summary {
  readonly system: string;
  readonly runs: Measured[];
  readonly loadS: number;
  readonly batched: number;
  readonly single: number;
  readonly heapMb: number;
  readonly rssMb: number;
}

const CHILD = new URL('../engine/child.ts', import.meta.url).pathname;
const PROFILES = new URL('../out/profiles/', import.meta.url).pathname;
const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const fmtRatio = (x: number): string => (!Number.isFinite(x) ? '-' : x >= 0.1 ? x.toFixed(3) : x.toPrecision(2));
const say = (msg: string): void => void process.stderr.write(`${msg}\n`);

function runChild(system: string, opts: ChildOptions): Promise<ChildResult | { system: string; failed: string }> {
  const flags = ['--expose-gc', '--max-old-space-size=12000'];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...flags, CHILD, system, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code, signal) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as ChildResult);
      else resolve({ system, failed: `child exited with ${signal ?? `code ${code}`}` });
    });
  });
}

async function run(args: readonly string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: [...args],
    options: {
      systems: { type: 'string', default: SYSTEMS.map((s) => s.name).join(',') },
      runs: { type: 'string', default: '3' },
      orders: { type: 'string', default: String(DEFAULT_SPEC.orders) },
      customers: { type: 'string', default: String(DEFAULT_SPEC.customers) },
      regions: { type: 'string', default: String(DEFAULT_SPEC.regions) },
      updates: { type: 'string', default: '100000' },
      single: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '1000' },
      'max-phase-seconds': { type: 'string', default: '30' },
      segments: { type: 'string', default: '5' },
      quick: { type: 'boolean', default: false },
      record: { type: 'boolean', default: true },
      'no-record': { type: 'boolean', default: false },
      profile: { type: 'string' },
    },
  });
  const quick = v.quick;
  const int = (s: string): number => Number.parseInt(s, 10);
  const batchSize = int(v.batch);
  const scale = quick ? 0.1 : 1;
  const spec = { ...DEFAULT_SPEC, orders: Math.round(int(v.orders) * scale), customers: Math.round(int(v.customers) * scale), regions: Math.round(int(v.regions) * scale) };
  const batchedUpdates = Math.floor((int(v.updates) * scale) / batchSize) * batchSize;
  const singleUpdates = Math.round(int(v.single) * scale);
  const runs = quick ? 1 : int(v.runs);
  const atReferenceScale = spec.orders === DEFAULT_SPEC.orders && spec.customers === DEFAULT_SPEC.customers && spec.regions === DEFAULT_SPEC.regions && batchSize === 1000;
  // Quick and profiled runs are for diagnosis: their figures are not recorded.
  const record = v.record && !v['no-record'] && !quick && v.profile === undefined;
  const names = v.systems.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) if (findSystem(n) === undefined) throw new Error(`unknown system "${n}" (available: ${SYSTEMS.map((s) => s.name).join(', ')})`);
  // --profile <system>[:load|batched|single] profiles one phase of that system's first run.
  const [profSystem, profPhase = 'batched'] = (v.profile ?? '').split(':');
  if (v.profile !== undefined && !['load', 'batched', 'single'].includes(profPhase)) throw new Error(`--profile: unknown phase "${profPhase}"`);
  const profileFile = join(PROFILES, `${profSystem}-${profPhase}.cpuprofile`);
  if (v.profile !== undefined) mkdirSync(PROFILES, { recursive: true });

  const machine = machineLine();
  say(`engine benchmark on ${machine}`);
  say(`workload: ${fmt(spec.orders)} orders ⋈ ${fmt(spec.customers)} customers → ${fmt(spec.regions)} regions (count, sum); ` +
    `${fmt(batchedUpdates)} updates in batches of ${batchSize}, then ${fmt(singleUpdates)} single updates; seed ${spec.seed}`);

  const summaries: Summary[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  for (const name of names) {
    const entry = findSystem(name)!;
    const scaled = entry.scaledTo;
    const base: ChildOptions = {
      spec, batchSize, segments: int(v.segments), maxPhaseSeconds: Number(v['max-phase-seconds']),
      batchedUpdates: scaled === undefined ? batchedUpdates : Math.min(batchedUpdates, Math.floor(scaled.batched / batchSize) * batchSize),
      singleUpdates: scaled === undefined ? singleUpdates : Math.min(singleUpdates, scaled.single),
    };
    const profiled: ChildOptions = { ...base, profile: { phase: profPhase as ProfilePhase, file: profileFile } };
    const n = scaled === undefined ? runs : 1;
    const results: Measured[] = [];
    for (let r = 0; r < n; r++) {
      say(`\n${entry.label}${n > 1 ? ` (run ${r + 1}/${n})` : ''}`);
      const res = await runChild(name, profSystem === name && r === 0 ? profiled : base);
      if ('failed' in res) {
        // A peer that crashes (say, out of memory) is reported; Tributary or the ceiling crashing fails the suite.
        if (scaled === undefined) problems.push(`${name}: ${res.failed}`);
        else notes.push(`${name}: failed (${res.failed}); no figures`);
        break;
      }
      if ('skipped' in res) {
        say(`  skipped: ${res.skipped}`);
        notes.push(`${name}: skipped (${res.skipped})`);
        break;
      }
      if (!res.correct) problems.push(`${name}: WRONG RESULT after ${res.updatesApplied} updates: ${res.mismatch}`);
      results.push(res);
    }
    if (results.length === 0) continue;
    const r0 = results[0]!;
    const scaledDown = base.batchedUpdates < batchedUpdates || base.singleUpdates < singleUpdates;
    const capped = r0.batched.stoppedEarly || r0.single.stoppedEarly;
    if (scaledDown || capped) {
      notes.push(`${name}: measured ${fmt(r0.batched.updates)} batched + ${fmt(r0.single.updates)} single updates` +
        `${scaledDown ? ' (scaled down: a much slower peer)' : ''}${capped ? ', a phase hit the time cap' : ''}; rates are as measured, not extrapolated`);
    }
    summaries.push({
      system: name, runs: results,
      loadS: median(results.map((x) => x.loadS)),
      batched: median(results.map((x) => x.batched.medianPerS)),
      single: median(results.map((x) => x.single.updates > 0 ? x.single.medianPerS : NaN).filter((x) => !Number.isNaN(x))),
      heapMb: median(results.map((x) => x.heapMb)),
      rssMb: median(results.map((x) => x.maxRssMb)),
    });
  }

  // Systems that applied exactly the hand loop's updates must hold exactly its view.
  const hand = summaries.find((s) => s.system === 'handloop')?.runs[0];
  for (const s of summaries) {
    for (const r of s.runs) {
      if (hand !== undefined && r.updatesApplied === hand.updatesApplied && r.digest !== hand.digest) {
        problems.push(`${s.system}: view differs from the hand loop's after the same ${r.updatesApplied} updates (${r.digest} vs ${hand.digest})`);
      }
    }
  }

  const get = (name: string): Summary | undefined => summaries.find((s) => s.system === name);
  const handS = get('handloop');
  const ratio = (x: number, base: Summary | undefined, key: 'batched' | 'single'): number => (base === undefined ? NaN : x / base[key]);
  const table = formatTable(
    ['system', 'load s', `batch ${batchSize} upd/s`, '× hand', 'single upd/s', '× hand', 'heap MB', 'max RSS MB', 'runs', 'correct'],
    summaries.map((s) => [
      s.system, s.loadS.toFixed(2), fmt(s.batched), fmtRatio(ratio(s.batched, handS, 'batched')),
      fmt(s.single), fmtRatio(ratio(s.single, handS, 'single')), fmt(s.heapMb), fmt(s.rssMb), String(s.runs.length),
      s.runs.every((r) => r.correct) ? 'yes' : 'NO',
    ]),
  );

  const trib = get('tributary');
  const targetLines: string[] = [];
  const targets: Record<string, { target: number; measured: number; met: boolean }> = {};
  if (trib !== undefined) {
    const check = (key: string, label: string, measured: number, target: number, atLeast: boolean, unit: string): void => {
      const met = atLeast ? measured >= target : measured <= target;
      targets[key] = { target, measured: round(measured, 3) ?? measured, met };
      const gap = atLeast ? `${(measured / target).toFixed(2)}× of target` : `${(measured / target).toFixed(2)}× the limit`;
      targetLines.push(`  ${met ? 'met   ' : 'MISSED'} ${label}: ${unit === 'upd/s' ? fmt(measured) : measured.toFixed(2)} ${unit} (target ${atLeast ? '≥' : '≤'} ${fmt(target)} ${unit}; ${gap})`);
    };
    check('batched_updates_per_s', `batches of ${batchSize}`, trib.batched, TARGETS.batched, true, 'upd/s');
    check('single_updates_per_s', 'one update per timestamp', trib.single, TARGETS.single, true, 'upd/s');
    check('load_s', 'load', trib.loadS, TARGETS.loadS, false, 's');
    check('heap_mb', 'heap', trib.heapMb, TARGETS.heapMb, false, 'MB');
    if (handS !== undefined && atReferenceScale) {
      targetLines.push(`  (noise-normalised: same-run ratio to the hand loop × its quiet-machine reference rate → batches ` +
        `${fmt(ratio(trib.batched, handS, 'batched') * HANDLOOP_REFERENCE.batched)} upd/s, single ${fmt(ratio(trib.single, handS, 'single') * HANDLOOP_REFERENCE.single)} upd/s)`);
    }
  }

  const info = summaries.map((s) => `${s.system}: ${s.runs[0]!.info}`);
  const text = [
    table,
    '',
    ...(targetLines.length > 0 ? ['Tributary vs targets:', ...targetLines, ''] : []),
    ...(notes.length > 0 ? ['Notes:', ...notes.map((n) => `  ${n}`), ''] : []),
    'Systems:', ...info.map((n) => `  ${n}`),
  ].join('\n');
  process.stdout.write(`\n${text}\n`);

  let profileTop: string | undefined;
  if (v.profile !== undefined && existsSync(profileFile)) {
    profileTop = formatTop(topFunctions(profileFile, 20));
    process.stdout.write(`\nCPU profile of ${profSystem}, ${profPhase} phase (self time; ${profileFile}):\n${profileTop}\n`);
  }

  const sys = (s: Summary): Record<string, unknown> => ({
    load_s: round(s.loadS, 3), batched_updates_per_s: Math.round(s.batched), single_updates_per_s: Number.isNaN(s.single) ? null : Math.round(s.single),
    heap_mb: Math.round(s.heapMb), max_rss_mb: Math.round(s.rssMb),
    batched_updates: s.runs[0]!.batched.updates, single_updates: s.runs[0]!.single.updates, runs: s.runs.length,
    correct: s.runs.every((r) => r.correct),
  });
  const duck = get('duckdb');
  const json = {
    suite: 'engine',
    date: new Date().toISOString(),
    machine,
    workload: { ...spec, batch_size: batchSize, batched_updates: batchedUpdates, single_updates: singleUpdates },
    ...(trib === undefined ? {} : {
      batched_updates_per_s: Math.round(trib.batched),
      single_updates_per_s: Math.round(trib.single),
      load_s: round(trib.loadS, 3),
      heap_mb: Math.round(trib.heapMb),
      ratio_vs_handloop_batched: round(ratio(trib.batched, handS, 'batched'), 4),
      ratio_vs_handloop_single: round(ratio(trib.single, handS, 'single'), 4),
      ratio_vs_duckdb_batched: round(ratio(trib.batched, duck, 'batched'), 2),
      ...(atReferenceScale ? {
        normalised_batched_updates_per_s: round(ratio(trib.batched, handS, 'batched') * HANDLOOP_REFERENCE.batched, 0),
        normalised_single_updates_per_s: round(ratio(trib.single, handS, 'single') * HANDLOOP_REFERENCE.single, 0),
      } : {}),
      targets,
    }),
    systems: Object.fromEntries(summaries.map((s) => [s.system, sys(s)])),
    correct: problems.length === 0,
    problems,
  };

  if (problems.length > 0) {
    process.stdout.write(`\n${'!'.repeat(72)}\nENGINE BENCHMARK FAILED:\n${problems.map((p) => `  ${p}`).join('\n')}\n${'!'.repeat(72)}\n`);
  } else if (record) {
    recordResults('engine', machine, text, json);
    say('\nrecorded in bench/RESULTS.md');
  }
  process.stdout.write(`${JSON.stringify(json)}\n`);
  return problems.length > 0 ? 1 : 0;
}

function round(x: number, digits: number): number | null {
  if (!Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const suite: Suite = {
  description: 'orders ⋈ customers GROUP BY region under updates: Tributary vs hand loop, DuckDB, db-ivm, d2ts',
  run,
};
