// What an operator does to a queue (the CLI's and the admin API's `queue`
// commands): dead letters delivered again or deleted, delayed messages made
// due now.
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** Makes one dead letter (or all of them) deliverable again with fresh attempts; returns how many. */
export async function retryDead(db: Kysely<Database>, queue: string, id?: string): Promise<number> {
  const result = await db.updateTable("fedify_message")
    .set({ dead: 0, attempts: 0, available_at: Date.now() })
    .where("queue", "=", queue).where("dead", "=", 1)
    .$if(id !== undefined, (qb) => qb.where("id", "=", id!))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes every dead letter of `queue`; returns how many. */
export async function purgeDead(db: Kysely<Database>, queue: string): Promise<number> {
  const result = await db.deleteFrom("fedify_message")
    .where("queue", "=", queue).where("dead", "=", 1)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Makes the delayed messages (retries, held deliveries) due now: those for
 * `host` only, or all of them. Ordering keys still apply. Returns how many.
 * `madeDue` is told each time some are (to wake the listeners).
 *
 * A delivery being handled at that moment may be re-enqueued by its handler
 * for later (Fedify holds it while the host's circuit is open, as it read it
 * before the retry): this waits, up to `settleMs`, for the deliveries leased
 * now to finish and makes what they re-enqueued due too.
 */
export async function retryNow(db: Kysely<Database>, queue: string, madeDue: () => void, options: { host?: string; settleMs?: number } = {}): Promise<number> {
  const host = options.host;
  const makeDue = async () => {
    const now = Date.now();
    const result = await db.updateTable("fedify_message")
      .set({ available_at: now })
      .where("queue", "=", queue).where("dead", "=", 0).where("available_at", ">", now)
      .$if(host !== undefined, (qb) => qb.where("host", "=", host!))
      .executeTakeFirst();
    madeDue();
    return Number(result.numUpdatedRows);
  };
  const leasedNow = () => db.selectFrom("fedify_message").select("id")
    .where("queue", "=", queue).where("dead", "=", 0)
    .where("lease_token", "is not", null).where("locked_until", ">", Date.now())
    .$if(host !== undefined, (qb) => qb.where("host", "=", host!));
  const made = await makeDue();
  const leased = (await leasedNow().execute()).map((row) => row.id);
  if (leased.length === 0) return made;
  const deadline = Date.now() + (options.settleMs ?? 5_000);
  while (Date.now() < deadline) {
    const still = await leasedNow().where("id", "in", leased).execute();
    if (still.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return made + await makeDue();
}
