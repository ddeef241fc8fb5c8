/**
 * A PersistClient over two stores: shards whose id starts with `ephemeral/` live in an in-memory
 * store (contents derived from other durable state and rebuilt at every start, e.g. the builtin
 * catalog relations: writing them costs no fsync), everything else in the durable store.
 */
import type { PersistClient, Shard } from './api.ts';

export const EPHEMERAL_PREFIX = 'ephemeral/';

export class RoutingPersistClient implements PersistClient {
  readonly #durable: PersistClient;
  readonly #ephemeral: PersistClient;

  constructor(durable: PersistClient, ephemeral: PersistClient) {
    this.#durable = durable;
    this.#ephemeral = ephemeral;
  }

  get epoch(): number {
    return this.#durable.epoch;
  }

  open(shardId: string): Promise<Shard> {
    return (shardId.startsWith(EPHEMERAL_PREFIX) ? this.#ephemeral : this.#durable).open(shardId);
  }

  async list(): Promise<string[]> {
    return [...(await this.#durable.list()), ...(await this.#ephemeral.list())];
  }

  verify(): ReturnType<PersistClient['verify']> {
    return this.#durable.verify();
  }

  async close(): Promise<void> {
    await this.#ephemeral.close();
    await this.#durable.close();
  }
}
