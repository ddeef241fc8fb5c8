/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time.
 * Usage: npm exec -- node bench/profile.ts <file.cpuprofile> [top] [--inclusive]
 * (`--inclusive`: time spent in a function and everything it called, each sample counted once per function).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

export interface FunctionTime {
  readonly name: string;
  readonly where: string;
  readonly percent: number;
}

export function topFunctions(path: string, top = 15): FunctionTime[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[] };
  const self = new Map<string, { name: string; where: string; hits: number }>();
  let total = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const f = n.callFrame;
    const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(src|bench|node_modules)\//, '$1/');
    const where = file === '' ? '' : `${file}:${f.lineNumber + 1}`;
    const key = `${f.functionName}@${where}`;
    const cur = self.get(key);
    if (cur === undefined) self.set(key, { name: f.functionName === '' ? '(anonymous)' : f.functionName, where, hits });
    else cur.hits += hits;
  }
  return [...self.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, percent: (100 * e.hits) / total }));
}

/** Like topFunctions, with each function's time including its callees (recursion counted once). */
export function inclusiveFunctions(path: string, top = 15): FunctionTime[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, { name: string; where: string; hits: number }>();
  let total = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(src|bench|node_modules)\//, '$1/');
      const where = file === '' ? '' : `${file}:${f.lineNumber + 1}`;
      const key = `${f.functionName}@${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const cur = totals.get(key);
      if (cur === undefined) totals.set(key, { name: f.functionName === '' ? '(anonymous)' : f.functionName, where, hits });
      else cur.hits += hits;
    }
  }
  return [...totals.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, percent: (100 * e.hits) / total }));
}

export function formatTop(fns: readonly FunctionTime[]): string {
  return fns.map((f) => `${f.percent.toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`).join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2];
  if (path === undefined) {
    process.stderr.write('usage: node bench/profile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const args = process.argv.slice(3);
  const top = Number(args.find((a) => !a.startsWith('--')) ?? 15);
  const fns = args.includes('--inclusive') ? inclusiveFunctions(path, top) : topFunctions(path, top);
  process.stdout.write(`${formatTop(fns)}\n`);
}
