/**
 * The timestamp oracle of the user timeline (epoch milliseconds). Write timestamps are strictly
 * increasing and close to wall-clock time; the read timestamp is the latest write that completed,
 * so a read at readTs() sees every write acknowledged before it began (linearizability).
 */
import { type Timestamp, ts } from '../repr/index.ts';
import { invariant } from '../util/index.ts';

export class TimestampOracle {
  #lastWrite: Timestamp;
  #read: Timestamp;
  readonly #now: () => number;

  /** `initial`: a timestamp at or after every time already used by durable data (restarts never go back). */
  constructor(initial: Timestamp, now: () => number = Date.now) {
    this.#lastWrite = initial;
    this.#read = initial;
    this.#now = now;
  }

  /** A fresh write timestamp: > every earlier one, >= wall clock. */
  writeTs(): Timestamp {
    const next = Math.max(Math.floor(this.#now()), this.#lastWrite + 1);
    this.#lastWrite = ts(next);
    return this.#lastWrite;
  }

  /** The timestamp the next write would get, without taking it. */
  peekWriteTs(): Timestamp {
    return ts(Math.max(Math.floor(this.#now()), this.#lastWrite + 1));
  }

  /** The latest completed write: strict-serializable reads happen at or after it. */
  readTs(): Timestamp {
    return this.#read;
  }

  /** Marks a write at `t` complete (durable): later reads must see it. */
  applyWrite(t: Timestamp): void {
    invariant(t <= this.#lastWrite, `applied write ${t} was never handed out (last ${this.#lastWrite})`);
    if (t > this.#read) this.#read = t;
  }
}
