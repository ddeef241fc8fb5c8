/**
 * What every measured system implements, and the registry of systems (each adapter is loaded
 * lazily, so a peer whose package is missing is skipped without touching the others).
 */
import type { RegionTotals, Workload } from './workload.ts';

export interface EngineSystem {
  /** Versions, threads and anything else a reader needs to judge the figures. */
  readonly info: string;
  /** Loads all orders and customers as one timestamp and computes the view. */
  load(w: Workload): void | Promise<void>;
  /** Applies updates [from, to) of the chain as one timestamp and brings the view up to date. */
  apply(w: Workload, from: number, to: number): void | Promise<void>;
  /** The view's current contents. */
  totals(): RegionTotals | Promise<RegionTotals>;
  close?(): void | Promise<void>;
}

export interface SystemEntry {
  readonly name: string;
  readonly label: string;
  /**
   * Peers much slower than the targets run a scaled-down number of updates (reported as such,
   * never extrapolated): at most this many in each phase, and once instead of --runs times.
   */
  readonly scaledTo?: { readonly batched: number; readonly single: number };
  create(): Promise<EngineSystem>;
}

export const SYSTEMS: readonly SystemEntry[] = [
  { name: 'handloop', label: 'hand-written TS loop (ceiling)', create: async () => new (await import('./handloop.ts')).HandLoop() },
  { name: 'tributary', label: 'Tributary engine', create: async () => new (await import('./tributary.ts')).TributarySystem() },
  { name: 'duckdb', label: 'DuckDB recompute per batch', scaledTo: { batched: 100_000, single: 500 }, create: async () => (await import('./duckdb.ts')).createDuckDb() },
  { name: 'db-ivm', label: '@tanstack/db-ivm', scaledTo: { batched: 20_000, single: 3000 }, create: async () => new (await import('./db-ivm.ts')).DbIvmSystem() },
  { name: 'd2ts', label: '@electric-sql/d2ts', scaledTo: { batched: 5000, single: 500 }, create: async () => new (await import('./d2ts.ts')).D2tsSystem() },
];

export function findSystem(name: string): SystemEntry | undefined {
  return SYSTEMS.find((s) => s.name === name);
}
