/**
 * bench/RESULTS.md: one section per suite, replaced by the suite's latest recorded run. A section
 * holds the date, the machine (cores, CPU model, Node version, load average at the start, since
 * the machine is shared), the suite's table and its JSON figures.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { availableParallelism } from 'node:os';

const RESULTS = new URL('./RESULTS.md', import.meta.url).pathname;

const HEADER = `# Benchmark results

Written by \`npm run bench -- <suite>\` (bench/main.ts); each suite's section is replaced by its
latest run. Figures are medians of several timed segments and runs on a shared machine; compare
ratios measured in the same run rather than absolute numbers across runs.
`;

export function machineLine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${availableParallelism()} × ${model}, Node ${process.version}, load average ${load}`;
}

/** Replaces (or appends) the suite's section of bench/RESULTS.md. */
export function recordResults(suite: string, machine: string, table: string, json: unknown, notes = ''): void {
  const begin = `<!-- suite:${suite} -->`;
  const end = `<!-- /suite:${suite} -->`;
  const section = [
    begin,
    `## ${suite}`,
    '',
    `Recorded ${new Date().toISOString()} on ${machine}.`,
    '',
    ...(notes === '' ? [] : [notes, '']),
    '```text',
    table,
    '```',
    '',
    '```json',
    JSON.stringify(json, null, 2),
    '```',
    end,
  ].join('\n');
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : HEADER;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) text = text.slice(0, i) + section + text.slice(j + end.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(RESULTS, text);
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
