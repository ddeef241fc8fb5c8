/**
 * A load-generator source: every TICK INTERVAL it writes one tick's data to all its outputs at one
 * timestamp (a step of SourceOutputs), recording the tick offset as its progress (the first step
 * holds every tick up to AS OF; from UP TO on, steps carry no data). A restart resumes
 * at the next offset; a tick interrupted mid-step is replayed identically (the data is a pure
 * function of seed, offset and the step's time), so there are no gaps and no duplicates.
 */
import type { PersistClient } from '../../../persist/index.ts';
import type { Timestamp } from '../../../repr/index.ts';
import type { Logger } from '../../../util/index.ts';
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
  const recovery = await outputs.recover();
  let offset = 0n;
  if (recovery.kind === 'resume') {
    offset = recovery.frontier;
    if (recovery.replay !== undefined) {
      // Finish the interrupted step on the shards that missed it, exactly as it was first written.
      const { until, time } = recovery.replay;
      await outputs.writeStep({ time, frontier: until, data: generateTicks(config.generator, config.options, recovery.frontier, until, time), errors: [] }, 'replay');
      offset = until;
    }
  }
  logger.info({ source: config.name, generator: config.generator, offset: String(offset) }, 'load generator: resuming');
  let stopped = false;
  let error: string | undefined;
  let running: Promise<void> = Promise.resolve();
  const upTo = config.options.upTo === undefined ? undefined : BigInt(config.options.upTo);
  const tick = async (): Promise<void> => {
    const time = Math.max(Date.now(), outputs.upper()) as Timestamp;
    if (upTo !== undefined && offset >= upTo) {
      // Past UP TO the data is final; the step only moves time on, so reads at later times complete.
      await outputs.writeStep({ time, frontier: undefined, data: new Map(), errors: [] }, 'normal');
    } else {
      const until = nextStepUntil(config.options, offset);
      await outputs.writeStep({ time, frontier: until, data: generateTicks(config.generator, config.options, offset, until, time), errors: [] }, 'normal');
      offset = until;
    }
    error = undefined;
  };
  // A tick that is still being written when the next is due makes the next one wait: ticks never
  // queue up without bound when storage is slower than the tick interval.
  let busy = false;
  const timer = setInterval(() => {
    if (stopped || busy) return;
    busy = true;
    running = running.then(tick).catch((err: unknown) => {
      error = err instanceof Error ? err.message : String(err);
      logger.warn({ err, source: config.name }, 'load generator: tick failed');
    }).finally(() => {
      busy = false;
    });
  }, config.tickMs);
  timer.unref();
  // The first tick right away, so a new source is readable without waiting a whole interval.
  running = running.then(tick).catch((err: unknown) => {
    error = err instanceof Error ? err.message : String(err);
  });
  const stop = async (): Promise<void> => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
  return {
    status: () => ({ state: stopped ? 'stopped' : error !== undefined ? 'stalled' : 'running', error, offset }),
    stop,
    async drop() {
      await stop();
      for (const shard of [outputs.progress, outputs.errors, ...outputs.data]) await shard.drop();
    },
  };
}
