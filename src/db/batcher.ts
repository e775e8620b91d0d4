// Groups the writes that concurrent callers make within one turn of the
// event loop into one statement, each caller getting its own answer: the
// inbox handlers of a burst of posts (src/db/repositories/posts.ts,
// community-activities.ts) reach the same write together, and on
// PostgreSQL each statement is a round trip. The answering counterpart of
// src/db/coalescer.ts (which only reports that a batch was written), the
// writing counterpart of src/db/batch-loader.ts.
//
// A batch of one runs as the single write. When a batch fails, each of its
// items is written again alone, so that one item the database refuses (a
// row a constraint rejects) fails only its own caller, not the others that
// happened to share its turn.

interface Pending<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions<T, R> {
  /** Writes several items in one statement (or as few as it can); answers in the items' order. */
  many(items: T[]): Promise<R[]>;
  /** Writes one item alone. */
  one(item: T): Promise<R>;
  /** Items per batch at most; the rest of a turn's go in further batches. */
  max?: number;
}

export class Batcher<T, R> {
  readonly #options: Required<BatcherOptions<T, R>>;
  #pending: Pending<T, R>[] = [];

  constructor(options: BatcherOptions<T, R>) {
    this.#options = { max: 256, ...options };
  }

  /** Writes `item` with the others asked in this turn; settles with its own answer. */
  run(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    const batches: Pending<T, R>[][] = [];
    for (let i = 0; i < pending.length; i += this.#options.max) batches.push(pending.slice(i, i + this.#options.max));
    await Promise.all(batches.map((batch) => this.#write(batch)));
  }

  async #write(batch: Pending<T, R>[]): Promise<void> {
    if (batch.length > 1) {
      let answers: R[] | undefined;
      try {
        answers = await this.#options.many(batch.map((p) => p.item));
      } catch {
        // Written again one by one below: each caller gets its own outcome.
      }
      if (answers) {
        for (const [i, p] of batch.entries()) p.resolve(answers[i]);
        return;
      }
    }
    await Promise.all(batch.map((p) => this.#options.one(p.item).then(p.resolve, p.reject)));
  }
}
