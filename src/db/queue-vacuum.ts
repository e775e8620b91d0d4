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
// on. The worker therefore runs `VACUUM (ANALYZE, SKIP_LOCKED, TRUNCATE
// false)` on the table after `every` messages it has settled, plus a fifth of
// the rows the table held at the last round (as autovacuum scales its own
// threshold, so that a large backlog is not read again every `every`
// messages): one round at a time, in the background. Without TRUNCATE, VACUUM
// takes no lock that blocks reads or writes (giving back the empty pages at
// the table's end would take an exclusive one, and the next burst would grow
// the table again); SKIP_LOCKED skips a round while another session vacuums
// the table. A table that is not the database user's own is never vacuumed
// by it (PostgreSQL only warns): that is checked once, and said once. A
// failure is logged and the next round tries again. SQLite needs nothing of
// the kind.
import { getLogger } from "@logtape/logtape";
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";

const logger = getLogger(["praxis", "db", "queue"]);

/** The share of the table's rows (at the last round) added to `every` between two rounds. */
const SCALE = 0.2;

export class QueueVacuum {
  readonly #db: Kysely<Database>;
  readonly #every: number;
  #settled = 0;
  /** Rows in the table at the last round (PostgreSQL's estimate). */
  #rows = 0;
  #running: Promise<void> | null = null;
  /** Whether the table is the database user's own; null until checked. */
  #owned: boolean | null = null;
  /** Rounds completed (for tests and diagnostics). */
  rounds = 0;

  /** `every`: messages settled between two rounds, for an empty table. */
  constructor(db: Kysely<Database>, every: number) {
    this.#db = db;
    this.#every = every;
  }

  /** Counts `n` messages settled (acknowledged, rescheduled or dead-lettered); starts a round when due. */
  settled(n: number): void {
    this.#settled += n;
    if (this.#settled < this.#every + SCALE * this.#rows || this.#running || this.#owned === false) return;
    this.#settled = 0;
    this.#running = this.#vacuum().finally(() => {
      this.#running = null;
      // Messages settled while it ran may have made the next round due.
      this.settled(0);
    });
  }

  /** Waits for a round under way, if any, for at most `timeoutMs`. */
  async idle(timeoutMs = Infinity): Promise<void> {
    if (!this.#running) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#running,
      new Promise<void>((resolve) => {
        if (Number.isFinite(timeoutMs)) timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async #vacuum(): Promise<void> {
    const started = performance.now();
    try {
      this.#owned ??= await this.#ownTable();
      if (!this.#owned) {
        logger.warn("The queue's table fedify_message belongs to another database user: it is left to autovacuum (queue.vacuumEvery)");
        return;
      }
      await sql`vacuum (analyze, skip_locked, truncate false) fedify_message`.execute(this.#db);
      this.rounds++;
      const { rows } = await sql<{ rows: number }>`select greatest(reltuples, 0)::float8 as rows from pg_class where oid = 'fedify_message'::regclass`.execute(this.#db);
      this.#rows = Number(rows[0]?.rows ?? 0);
      logger.debug("Vacuumed and analysed the queue's table ({rows} rows) in {ms} ms", { rows: this.#rows, ms: Math.round(performance.now() - started) });
    } catch (error) {
      logger.warn("Vacuuming the queue's table failed (tried again after the next {every} messages): {error}", { every: this.#every, error });
    }
  }

  /** Whether the database user may vacuum the table (its owner, or a member of the owning role). */
  async #ownTable(): Promise<boolean> {
    const { rows } = await sql<{ owned: boolean }>`select pg_has_role(relowner, 'MEMBER') as owned from pg_class where oid = 'fedify_message'::regclass`.execute(this.#db);
    return rows[0]?.owned === true;
  }
}
