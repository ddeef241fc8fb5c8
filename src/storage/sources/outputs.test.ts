/** SourceOutputs recovery: interrupted first steps (per source kind) and interrupted closes. */
import { describe, expect, it } from 'vitest';
import { MemoryStore, openPersistWith } from '../../persist/index.ts';
import type { Timestamp } from '../../repr/index.ts';
import { silentLogger } from '../../util/index.ts';
import { SourceOutputs } from './outputs.ts';

const ids = { progress: 'p', errors: 'e', data: ['d1', 'd2'] };
const t = 1000 as Timestamp;

/** Outputs whose first step's binding (frontier 5 at t) is durable while no other shard has the step: a crash in between. */
async function interruptedFirstStep(): Promise<SourceOutputs> {
  const outputs = await SourceOutputs.open(await openPersistWith(new MemoryStore()), ids, silentLogger);
  await outputs.progress.compareAndAppend([[[5n], t, 1]], 0 as Timestamp, (t + 1) as Timestamp);
  return outputs;
}

describe('SourceOutputs.recover', () => {
  it('without an initial frontier (PostgreSQL) a bound first step means an interrupted snapshot', async () => {
    expect(await (await interruptedFirstStep()).recover()).toEqual({ kind: 'snapshotInterrupted' });
  });

  it('with one (load generators) the first step is replayed from it, at its time', async () => {
    const outputs = await interruptedFirstStep();
    const rec = await outputs.recover({ initialFrontier: 0n });
    expect(rec).toMatchObject({ kind: 'resume', frontier: 0n, replay: { until: 5n, time: t }, upper: t + 1 });
    await outputs.writeStep({ time: t, frontier: 5n, data: new Map([[0, [[[1n], 1]]]]), errors: [] }, 'replay');
    expect(outputs.minUpper()).toBe(t + 1);
    // The next step retracts the first binding: one live binding, so the next recovery resumes at 6.
    await outputs.writeStep({ time: (t + 5) as Timestamp, frontier: 6n, data: new Map(), errors: [] }, 'normal');
    expect(await outputs.recover({ initialFrontier: 0n })).toMatchObject({ kind: 'resume', frontier: 6n, replay: undefined });
    expect((await outputs.data[0]!.snapshot((t + 5) as Timestamp)).map(([r, , d]) => [r[0], d])).toEqual([[1n, 1]]);
  });

  it('completes a close that closed only the progress shard', async () => {
    const outputs = await SourceOutputs.open(await openPersistWith(new MemoryStore()), ids, silentLogger);
    await outputs.writeStep({ time: t, frontier: 1n, data: new Map(), errors: [] }, 'normal');
    await outputs.progress.compareAndAppend([], (t + 1) as Timestamp, 'closed');
    expect(await outputs.recover()).toEqual({ kind: 'closed' });
    expect([outputs.errors, ...outputs.data].map((s) => s.upper())).toEqual(['closed', 'closed', 'closed']);
  });
});
