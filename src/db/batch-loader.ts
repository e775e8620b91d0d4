// Groups the reads asked within one turn of the event loop into one batch,
// read by a single call: concurrent handlers each reading one key (Fedify's
// idempotency check, say, by every inbox handler of a burst) cost one
// statement between them instead of one each. The reading counterpart of
// src/db/coalescer.ts.
//
// Every caller's promise settles with its batch: with the value read for its
// key (undefined when absent), or with the read's error. A key asked twice
// in one turn is read once.

export class BatchLoader<K, V> {
  readonly #read: (keys: K[]) => Promise<Map<K, V>>;
  #asked = new Map<K, PromiseWithResolvers<V | undefined>>();

  /** `read` returns the values found for the keys it is given (a key it leaves out reads as undefined). */
  constructor(read: (keys: K[]) => Promise<Map<K, V>>) {
    this.#read = read;
  }

  /** The value of `key`, read with the other keys asked in this turn. */
  load(key: K): Promise<V | undefined> {
    let asked = this.#asked.get(key);
    if (!asked) {
      asked = Promise.withResolvers<V | undefined>();
      this.#asked.set(key, asked);
      if (this.#asked.size === 1) setImmediate(() => void this.#run());
    }
    return asked.promise;
  }

  async #run(): Promise<void> {
    const batch = this.#asked;
    this.#asked = new Map();
    let found: Map<K, V>;
    try {
      found = await this.#read([...batch.keys()]);
    } catch (error) {
      for (const asked of batch.values()) asked.reject(error);
      return;
    }
    for (const [key, asked] of batch) asked.resolve(found.get(key));
  }
}
