/**
 * `npm run bench -- <suite> [options]`: runs bench/suites/<suite>.ts. Every suite prints progress,
 * a table, and as its last line one JSON object with its figures; with --record (the default) it
 * also replaces its section of bench/RESULTS.md.
 */
import { readdirSync } from 'node:fs';

export interface Suite {
  readonly description: string;
  run(args: readonly string[]): Promise<number>;
}

const dir = new URL('./suites/', import.meta.url);
const available = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.slice(0, -3)).sort();
const [name, ...args] = process.argv.slice(2);

if (name === undefined || !available.includes(name)) {
  if (name !== undefined) process.stderr.write(`unknown suite "${name}"\n`);
  process.stderr.write('usage: npm run bench -- <suite> [options]\n\navailable suites:\n');
  for (const s of available) {
    const mod = (await import(new URL(`${s}.ts`, dir).href)) as { suite: Suite };
    process.stderr.write(`  ${s.padEnd(12)} ${mod.suite.description}\n`);
  }
  process.exit(name === undefined ? 0 : 2);
}
const mod = (await import(new URL(`${name}.ts`, dir).href)) as { suite: Suite };
process.exitCode = await mod.suite.run(args);
