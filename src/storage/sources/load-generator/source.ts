/**
 * A load-generator source: every TICK INTERVAL it writes one tick's data to all its outputs at one
 * timestamp (a step of SourceOutputs), recording the tick offset as its progress (the first step
 * holds every tick up to AS OF; once past UP TO, every output is closed). A restart, or the tick
 * after a failed write, recovers from the shards and resumes at the next offset; a tick interrupted
 * mid-step (even the very first) is replayed identically on the outputs that missed it (the data is
 * a pure function of seed, offset and the step's time), so there are no gaps and no duplicates.
 */
import type { PersistClient } from '../../../persist/index.ts';
import type { Timestamp } from '../../../repr/index.ts';
import { type Logger, SqlError, SqlState, assertNever } from '../../../util/index.ts';
import { SourceOutputs, type SourceShardIds } from '../outputs.ts';
import { type GeneratorKind, type GeneratorOptions, generateTicks, nextStepUntil } from './generators.ts';

export interface LoadGeneratorConfig {
  readonly name: string;
  readonly generator: GeneratorKind;
  readonly tickMs: number;
  readonly options: GeneratorOptions;
  /** Data shards in the generator's output order. */
  readonly shards: SourceShardIds;
}

export interface LoadGeneratorHandle {
  status(): { readonly state: 'running' | 'stalled' | 'stopped'; readonly error: string | undefined; readonly offset: bigint };
  stop(): Promise<void>;
  /** Stops and drops the source's shards. */
  drop(): Promise<void>;
}

export async function startLoadGenerator(config: LoadGeneratorConfig, persist: PersistClient, logger: Logger): Promise<LoadGeneratorHandle> {
  const outputs = await SourceOutputs.open(persist, config.shards, logger);
  const upTo = config.options.upTo === undefined ? undefined : BigInt(config.options.upTo);
  /** The next tick offset to write; 'closed' once past UP TO and every output is closed. */
  let offset: bigint | 'closed' = await resume(config, outputs);
  logger.info({ source: config.name, generator: config.generator, offset: String(offset) }, 'load generator: resuming');
  let stopped = false;
  let error: string | undefined;
  /** False after a failed write, until recovery re-reads the shards (a step may be half written). */
  let consistent = true;
  let running: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    if (!consistent) {
      offset = await resume(config, outputs);
      consistent = true;
    }
    if (offset === 'closed') {
      clearInterval(timer);
      return;
    }
    if (upTo === undefined || offset < upTo) {
      const time = Math.max(Date.now(), outputs.upper()) as Timestamp;
      const until = nextStepUntil(config.options, offset);
      await outputs.writeStep({ time, frontier: until, data: generateTicks(config.generator, config.options, offset, until, time), errors: [] }, 'normal');
      offset = until;
    }
    if (upTo !== undefined && offset >= upTo) {
      // Past UP TO the data is final: close every output (as Materialize does), so reads answer at
      // any later time at once and a SUBSCRIBE to the source ends.
      await outputs.close();
      offset = 'closed';
      clearInterval(timer);
    }
    error = undefined;
  };
  const failed = (err: unknown): void => {
    consistent = false;
    error = err instanceof Error ? err.message : String(err);
    logger.warn({ err, source: config.name }, 'load generator: tick failed');
  };
  // A tick that is still being written when the next is due makes the next one wait: ticks never
  // queue up without bound when storage is slower than the tick interval.
  let busy = false;
  const timer = setInterval(() => {
    if (stopped || busy) return;
    busy = true;
    running = running.then(tick).catch(failed).finally(() => {
      busy = false;
    });
  }, config.tickMs);
  timer.unref();
  // The first tick right away, so a new source is readable without waiting a whole interval.
  running = running.then(tick).catch(failed);
  const stop = async (): Promise<void> => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
  return {
    status: () => ({ state: stopped ? 'stopped' : error !== undefined ? 'stalled' : 'running', error, offset: offset === 'closed' ? upTo ?? 0n : offset }),
    stop,
    async drop() {
      await stop();
      for (const shard of [outputs.progress, outputs.errors, ...outputs.data]) await shard.drop();
    },
  };
}

/**
 * Recovery: the next offset to write, after completing a step that was interrupted (on the shards
 * that missed it, exactly as it was first written), or 'closed' for a generator that finished.
 */
async function resume(config: LoadGeneratorConfig, outputs: SourceOutputs): Promise<bigint | 'closed'> {
  // Offset 0 precedes the first binding: an interrupted first step is replayed like any other.
  const recovery = await outputs.recover({ initialFrontier: 0n });
  switch (recovery.kind) {
    case 'fresh': return 0n;
    case 'closed': return 'closed';
    case 'snapshotInterrupted':
      throw new SqlError(SqlState.internalError, `internal error: load generator ${config.name} has data without a binding`);
    case 'resume': {
      if (recovery.replay === undefined) return recovery.frontier;
      const { until, time } = recovery.replay;
      const data = generateTicks(config.generator, config.options, recovery.frontier, until, time);
      await outputs.writeStep({ time, frontier: until, data, errors: [] }, 'replay');
      return until;
    }
    default: return assertNever(recovery);
  }
}
