// Groups the calls made within one turn of the event loop into one batch,
// written by a single flush: the queue's enqueues (Fedify enqueues the
// deliveries of a fan-out one call each, all at once) and its
// acknowledgements become one statement each instead of one per message.
//
// Every caller's promise settles with its batch: resolved once the flush
// has succeeded (so an enqueue still resolves only once its message is
// stored), rejected with the flush's error otherwise. Flushes run one at a
// time, in order, so batches are written in the order their calls were made.

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class Coalescer<T> {
  readonly #flush: (items: T[]) => Promise<void>;
  #pending: Pending<T>[] = [];
  #scheduled = false;
  /** The flush in progress, if any: the next one waits for it. */
  #running: Promise<void> = Promise.resolve();

  constructor(flush: (items: T[]) => Promise<void>) {
    this.#flush = flush;
  }

  /** Adds `item` to the next batch; settles once that batch is flushed. */
  add(item: T): Promise<void> {
    return this.addAll([item]);
  }

  /** Adds `items` to the next batch, in order; settles once that batch is flushed. */
  addAll(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // One caller's items settle together: only the last one resolves it.
      let left = items.length;
      let failed = false;
      for (const item of items) {
        this.#pending.push({
          item,
          resolve: () => { if (--left === 0 && !failed) resolve(); },
          reject: (error) => {
            if (failed) return;
            failed = true;
            reject(error);
          },
        });
      }
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#running = this.#running.then(() => this.#run());
        });
      }
    });
  }

  async #run(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    try {
      await this.#flush(batch.map((p) => p.item));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (const p of batch) p.resolve();
  }
}
