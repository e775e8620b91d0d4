// PostgreSQL: the queue's table vacuumed and analysed by the queue itself.
//
// Every message a worker handles leaves dead row versions behind in
// `fedify_message` (its lease, its deletion) and in each of its indexes. Until
// VACUUM clears them, the claim's and the enqueue's index scans step through
// them and, the visibility map being unset, read the heap to check each
// entry; without ANALYZE the planner has no statistics for a table whose
// content turns over every few seconds, and chose for a lane's claim an index
// that does not lead with the lane. PostgreSQL's autovacuum comes back to a
// table at most once a minute (and not at all where it is turned off), so
// during a burst of thousands of messages the claims slowed as the burst went
// on. The worker therefore runs `VACUUM (ANALYZE, SKIP_LOCKED)` on the table
// after every `every` messages it has settled: one at a time, in the
// background (VACUUM takes no lock that blocks reads or writes), skipped if
// another session is vacuuming it already. A failure is logged and the next
// round tries again. SQLite needs nothing of the kind.
import { getLogger } from "@logtape/logtape";
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";

const logger = getLogger(["praxis", "db", "queue"]);

export class QueueVacuum {
  readonly #db: Kysely<Database>;
  readonly #every: number;
  #settled = 0;
  #running: Promise<void> | null = null;
  /** Rounds completed (for tests and diagnostics). */
  rounds = 0;

  /** `every`: messages settled between two rounds. */
  constructor(db: Kysely<Database>, every: number) {
    this.#db = db;
    this.#every = every;
  }

  /** Counts `n` messages settled (acknowledged, rescheduled or dead-lettered); starts a round when due. */
  settled(n: number): void {
    this.#settled += n;
    if (this.#settled < this.#every || this.#running) return;
    this.#settled = 0;
    this.#running = this.#vacuum().finally(() => {
      this.#running = null;
    });
  }

  /** Waits for a round under way, if any. */
  async idle(): Promise<void> {
    await this.#running;
  }

  async #vacuum(): Promise<void> {
    const started = performance.now();
    try {
      await sql`vacuum (analyze, skip_locked) fedify_message`.execute(this.#db);
      this.rounds++;
      logger.debug("Vacuumed and analysed the queue's table in {ms} ms", { ms: Math.round(performance.now() - started) });
    } catch (error) {
      logger.warn("Vacuuming the queue's table failed (tried again after the next {every} messages): {error}", { every: this.#every, error });
    }
  }
}
