// Groups the writes that concurrent callers make within one turn of the
// event loop into one statement, each caller getting its own answer: the
// inbox handlers of a burst of posts (src/db/repositories/posts.ts,
// community-activities.ts) reach the same write together, and on
// PostgreSQL each statement is a round trip. The answering counterpart of
// src/db/coalescer.ts (which only reports that a batch was written), the
// writing counterpart of src/db/batch-loader.ts.
//
// A batch of one runs as the single write. A batch the database refuses is
// written again item by item, so that one item it refuses (a row a
// constraint rejects) fails only its own caller, not the others that
// happened to share its turn; but when the database is unreachable every
// caller of the batch gets that error at once, rather than each waiting for
// it again. `many` should be the write alone: whatever a caller does with
// its answer (reading back a row that was there before) is its own, so that
// a failure there is not taken for the batch's.
//
// A batch holds at most `max` items, so that a statement's text (a
// multi-row VALUES list, one text per length) takes one of a bounded number
// of prepared statements (src/db/pg-named-statements.ts).
import { isDatabaseUnavailable } from "./faults.ts";

interface Pending<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions<T, R> {
  /** Writes several items in one statement; answers in the items' order, one answer each. */
  many(items: T[]): Promise<R[]>;
  /** Writes one item alone. */
  one(item: T): Promise<R>;
  /** Items per batch at most; the rest of a turn's go in further batches (default 32). */
  max?: number;
}

export class Batcher<T, R> {
  readonly #options: Required<BatcherOptions<T, R>>;
  #pending: Pending<T, R>[] = [];

  constructor(options: BatcherOptions<T, R>) {
    this.#options = { max: 32, ...options };
  }

  /** Writes `item` with the others asked in this turn; settles with its own answer. */
  run(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (let i = 0; i < pending.length; i += this.#options.max) void this.#write(pending.slice(i, i + this.#options.max));
  }

  async #write(batch: Pending<T, R>[]): Promise<void> {
    if (batch.length > 1) {
      let answers: R[];
      try {
        answers = await Promise.resolve().then(() => this.#options.many(batch.map((p) => p.item)));
        if (answers.length !== batch.length) throw new Error(`A batch of ${batch.length} writes was answered ${answers.length} times`);
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          for (const p of batch) p.reject(error);
          return;
        }
        // Written again one by one below: each caller gets its own outcome.
        answers = [];
      }
      if (answers.length === batch.length) {
        for (const [i, p] of batch.entries()) p.resolve(answers[i]);
        return;
      }
    }
    await Promise.all(batch.map((p) => Promise.resolve().then(() => this.#options.one(p.item)).then(p.resolve, p.reject)));
  }
}

/**
 * A write of one caller's item, from the write of several (`many`): the
 * callers of one turn share a statement (a Batcher), on both databases. On
 * PostgreSQL that saves round trips. On SQLite it saves statements (the
 * inbox benchmark's worker ran 12,500–12,800 for a burst of 3,000 posts
 * instead of 18,900–19,200) but, measured, not time: its statements took
 * 3.7–4.3 s against 3.7–4.9 s, in three interleaved pairs.
 */
export function writePerTurn<T, R>(many: (items: T[]) => Promise<R[]>): (item: T) => Promise<R> {
  const one = async (item: T): Promise<R> => (await many([item]))[0];
  const batcher = new Batcher({ many, one });
  return (item) => batcher.run(item);
}
