// PostgreSQL: the queue keeps its own table fast under churn. Messages are
// numbered by a sequence (migration 0017) rather than by MAX(seq), whose
// index scan per row walked the dead entries recently deleted messages leave
// at the index's end; listeners vacuum and analyse the table as they settle
// messages (src/db/queue-vacuum.ts); and a NOTIFY wakes only the lanes it names.
// On both databases, the lane of other kinds has a partial index of its own
// (migrations 0017 and 0018), which its claims and reads use.
import { CompiledQuery, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KyselyMessageQueue } from "../../src/db/message-queue.ts";
import { claimMessages, firstUnleased, inLane, nextDue, OWN_KINDS } from "../../src/db/queue-claim.ts";
import { capture, createTestDatabase, postgresUnavailable, type TestDatabase } from "./databases.ts";

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(postgresUnavailable !== undefined)("the queue's table on PostgreSQL", () => {
  let database: TestDatabase;
  let stops: (() => Promise<void>)[];
  beforeEach(async () => {
    database = await createTestDatabase("postgres");
    stops = [];
  });
  afterEach(async () => {
    for (const stop of stops) await stop();
    await database.dispose();
  });

  function listen(queue: KyselyMessageQueue, handler: (message: any) => void) {
    const controller = new AbortController();
    const listening = queue.listen(async (message) => handler(message), { signal: controller.signal });
    stops.push(async () => {
      controller.abort();
      await listening;
    });
  }

  const seqs = async () => (await database.db.selectFrom("fedify_message").select(["payload", "seq"]).orderBy("seq").execute())
    .map((row) => ({ n: (JSON.parse(row.payload) as { n: number }).n, seq: Number(row.seq) }));

  it("numbers messages from a sequence: in order within a batch, and after every message ever queued", async () => {
    const queue = new KyselyMessageQueue(database.db, { dialect: "postgres" });
    await queue.enqueueMany(Array.from({ length: 50 }, (_, n) => ({ n })));
    const first = await seqs();
    expect(first.map((row) => row.n)).toEqual(Array.from({ length: 50 }, (_, n) => n));
    // Every message handled and deleted: MAX(seq) would start again from 1.
    await database.db.deleteFrom("fedify_message").execute();
    await queue.enqueue({ n: 50 });
    const [next] = await seqs();
    expect(next.seq).toBeGreaterThan(first[first.length - 1].seq);
  });

  it("vacuums and analyses the table as its listeners settle messages, without shrinking it", async () => {
    const table = async () => (await sql<{ vacuums: string; analyses: string; bytes: string }>`
      select vacuum_count as vacuums, analyze_count as analyses, pg_relation_size(relid) as bytes from pg_stat_user_tables
      where relname = 'fedify_message' and schemaname = current_schema()`.execute(database.db)).rows[0];
    const before = await table();
    const queue = new KyselyMessageQueue(database.connect().db, { dialect: "postgres", pollIntervalMs: 50, vacuumEvery: 20 });
    let handled = 0;
    listen(queue, () => { handled++; });
    await queue.enqueueMany(Array.from({ length: 80 }, (_, n) => ({ n, padding: "x".repeat(2_000) })));
    const filled = Number((await table()).bytes);
    await waitFor(() => handled === 80);
    // Every 20 messages, plus a fifth of the rows left at the last round (at most 60 after the first).
    await waitFor(() => queue.vacuum!.rounds >= 2);
    await queue.vacuum!.idle();
    // The server's statistics are flushed a moment after the vacuum's transaction.
    await waitFor(async () => {
      const after = await table();
      const rounds = queue.vacuum!.rounds;
      return Number(after.vacuums) - Number(before.vacuums) === rounds && Number(after.analyses) - Number(before.analyses) === rounds;
    });
    // The empty pages at the end are kept: giving them back would take a lock that stops claims and enqueues.
    expect(await database.db.selectFrom("fedify_message").select("id").execute()).toEqual([]);
    expect(Number((await table()).bytes)).toBeGreaterThanOrEqual(filled);
  });

  it("has the lane of other kinds' partial index on exactly the kinds of the other lanes", async () => {
    const { rows } = await sql<{ def: string }>`select indexdef as def from pg_indexes
      where indexname = 'fedify_message_other_lane_idx' and schemaname = current_schema()`.execute(database.db);
    const listed = [...rows[0].def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]).sort();
    expect(listed).toEqual([...OWN_KINDS].sort());
  });

  it("lets the other lane's partial index serve the queries that share the lane's condition", async () => {
    const plan = await database.db.transaction().execute(async (tx) => {
      // The table is all but empty: the planner is asked not to prefer reading it whole.
      await sql`set local enable_seqscan = off`.execute(tx);
      const query = tx.selectFrom("fedify_message").select((eb) => eb.fn.min("available_at").as("next"))
        .where("queue", "=", "default").where(inLane("other", "kind")).where("dead", "=", 0).where("available_at", ">", 0)
        .compile();
      const { rows } = await tx.executeQuery<{ "QUERY PLAN": string }>(CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]));
      return rows.map((row) => row["QUERY PLAN"]).join("\n");
    });
    expect(plan).toContain("fedify_message_other_lane_idx");
  });

  it("wakes every lane for a lane it does not know (a newer version's), and only the lanes named otherwise", async () => {
    let wake: ((lanes: ReadonlySet<string> | null) => void) | undefined;
    const queue = new KyselyMessageQueue(database.connect().db, {
      dialect: "postgres", pollIntervalMs: 60_000, wake: (onWake) => { wake = onWake; return () => {}; },
    });
    const handled: string[] = [];
    listen(queue, (message: { id: string }) => { handled.push(message.id); });
    await waitFor(() => wake !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the lanes have looked once and sleep
    // Queued by "another process": no local announcement reaches the listener.
    const insert = (id: string) => database.db.insertInto("fedify_message").values({
      id, queue: "default", payload: JSON.stringify({ type: "inbox", id }), kind: "inbox", host: null, ordering_key: null,
      available_at: Date.now() - 1, created_at: Date.now(), seq: 1_000_000 + handled.length,
    }).execute();
    await insert("a");
    wake!(new Set(["outbox"]));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(handled).toEqual([]);
    wake!(new Set(["a-lane-of-a-newer-version"]));
    await waitFor(() => handled.length === 1, 5_000);
    expect(handled).toEqual(["a"]);
  });

  it("leaves the table to autovacuum with vacuumEvery 0, and SQLite to itself", () => {
    expect(new KyselyMessageQueue(database.db, { dialect: "postgres", vacuumEvery: 0 }).vacuum).toBeNull();
    expect(new KyselyMessageQueue(database.db, { dialect: "sqlite" }).vacuum).toBeNull();
  });
});

describe("the queue's table on SQLite", () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase("sqlite");
  });
  afterEach(async () => {
    await database.dispose();
  });

  it("has the lane of other kinds' partial index on exactly the kinds of the other lanes", async () => {
    const { rows } = await sql<{ sql: string }>`select sql from sqlite_master where name = 'fedify_message_other_lane_idx'`.execute(database.db);
    const listed = [...rows[0].sql.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
    expect(listed).toEqual([...OWN_KINDS].sort());
  });

  it("lets the other lane's claim and its reads use the partial index, not a scan of the queue", async () => {
    const now = Date.now();
    const { db, queries } = capture(database.db);
    await claimMessages(db, "sqlite", { queue: "default", lane: "other", limit: 8, token: "t", now, leaseMs: 60_000, hostConcurrency: null });
    await firstUnleased(db, "sqlite", "default", "other", now);
    await nextDue(db, "sqlite", "default", "other", now);
    // The statements run, not the subqueries the claim is built from (each passes through the plugin too).
    const run = queries.filter((q) => !queries.some((other) => other !== q && other.sql.includes(q.sql)));
    expect(run.map((q) => q.sql.split(" ")[0])).toEqual(["update", "select", "select"]);
    for (const query of run) {
      const { rows } = await database.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]));
      const plan = rows.map((row) => row.detail).join("\n");
      expect(plan).toContain("fedify_message_other_lane_idx");
      expect(plan).not.toMatch(/SCAN (fedify_message|m)\b/);
    }
  });
});
