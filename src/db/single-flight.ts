// Shares a read that is on its way: a caller asking for a key while a read
// of it has not answered yet gets that read's answer instead of starting
// another, as if it had come a moment earlier; once the read settles the key
// is forgotten, so a later caller reads afresh. Unlike src/db/batch-loader.ts
// (keys asked in one turn, read together) it spans the whole read, and
// nothing is kept once it is done (it is not a cache).

export class SingleFlight<K, V> {
  readonly #running = new Map<K, Promise<V>>();

  /** Whether a read of `key` is on its way. */
  has(key: K): boolean {
    return this.#running.has(key);
  }

  /** The answer of the read of `key` on its way, else of `read()`, started now. */
  run(key: K, read: () => Promise<V>): Promise<V> {
    let running = this.#running.get(key);
    if (!running) {
      running = read().finally(() => this.#running.delete(key));
      this.#running.set(key, running);
    }
    return running;
  }
}
