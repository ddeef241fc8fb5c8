/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time.
 * Usage: npm exec -- node bench/profile.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
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

export function formatTop(fns: readonly FunctionTime[]): string {
  return fns.map((f) => `${f.percent.toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`).join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2];
  if (path === undefined) {
    process.stderr.write('usage: node bench/profile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatTop(topFunctions(path, Number(process.argv[3] ?? 15)))}\n`);
}
