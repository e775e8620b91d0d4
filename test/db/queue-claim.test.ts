// The queue's claim statement (src/db/queue-claim.ts) under concurrent
// claims, as several listeners or worker processes make them: a host's cap
// and an ordering key's one-at-a-time hold across claims that run at the
// same moment, not only one after another. On PostgreSQL that rests on the
// claim taking the queue's advisory lock before it reads (praxis_claim):
// the last test holds the lock in another transaction to show it.
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { claimMessages } from "../../src/db/queue-claim.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

describe.each(DIALECTS)("concurrent claims (%s)", (dialect) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  async function seed(rows: { kind: string; host: string | null; orderingKey: string | null }[]) {
    database = await createTestDatabase(dialect);
    const now = Date.now();
    await database.db.insertInto("fedify_message").values(rows.map((row, i) => ({
      id: randomUUID(), queue: "q", payload: "{}", kind: row.kind, host: row.host, ordering_key: row.orderingKey,
      available_at: now - 1_000, created_at: now - 1_000, seq: i + 1,
    }))).execute();
    return database;
  }

  /** Twelve claims at once, each on a connection of its own where the dialect has them. */
  async function claimAtOnce(db: TestDatabase, lane: "inbox" | "outbox", hostConcurrency: number | null) {
    const claims = await Promise.all(Array.from({ length: 12 }, () => claimMessages(db.db, dialect, {
      queue: "q", lane, limit: 8, token: randomUUID(), now: Date.now(), leaseMs: 30_000, hostConcurrency,
    })));
    return claims.flat();
  }

  it.skipIf(dialect === "postgres" && postgresUnavailable !== undefined)("never leases more than a host's cap in all", async () => {
    // More than a claim's window (64), so that claims running together find rows the others have not locked.
    const db = await seed(Array.from({ length: 400 }, () => ({ kind: "outbox", host: "slow.example", orderingKey: null })));
    for (let round = 0; round < 5; round++) {
      const leased = await claimAtOnce(db, "outbox", 2);
      const held = await db.db.selectFrom("fedify_message").select("id").where("lease_token", "is not", null).execute();
      expect(held.length).toBeLessThanOrEqual(2);
      expect(leased.length).toBeLessThanOrEqual(2);
      if (leased.length > 0) expect(held.length).toBe(2);
    }
  });

  it.skipIf(dialect === "postgres" && postgresUnavailable !== undefined)("leases one message of an ordering key at a time, the first", async () => {
    const db = await seed(Array.from({ length: 30 }, (_, i) => ({ kind: "inbox", host: null, orderingKey: `key-${i % 3}` })));
    const leased = await claimAtOnce(db, "inbox", null);
    expect(leased.map((row) => row.ordering_key).sort()).toEqual(["key-0", "key-1", "key-2"]);
    expect(leased.map((row) => row.seq).sort()).toEqual([1, 2, 3]);
  });

  it.skipIf(dialect !== "postgres" || postgresUnavailable !== undefined)("waits for a claim in progress elsewhere and sees its leases", async () => {
    const db = await seed(Array.from({ length: 10 }, () => ({ kind: "outbox", host: "slow.example", orderingKey: null })));
    const other = db.connect();
    let claimed: Awaited<ReturnType<typeof claimMessages>> | undefined;
    let claim: Promise<void> | undefined;
    // Another listener's claim, by hand: the queue's lock, then two leases, committed a moment later.
    await db.db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtext('fedify_message'), hashtext('q'))`.execute(tx);
      await tx.updateTable("fedify_message").set({ lease_token: "elsewhere", locked_until: Date.now() + 30_000 })
        .where("id", "in", (eb) => eb.selectFrom("fedify_message").select("id").orderBy("seq").limit(2)).execute();
      claim = claimMessages(other.db, dialect, {
        queue: "q", lane: "outbox", limit: 8, token: randomUUID(), now: Date.now(), leaseMs: 30_000, hostConcurrency: 2,
      }).then((rows) => { claimed = rows; });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Still waiting for the lock.
      expect(claimed).toBeUndefined();
    });
    await claim;
    // It read the queue once the lock was its own: the host's two slots were taken.
    expect(claimed).toEqual([]);
  });
});
