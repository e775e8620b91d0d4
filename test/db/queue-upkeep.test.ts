// PostgreSQL: the queue keeps its own table fast under churn. Messages are
// numbered by a sequence (migration 0017) rather than by MAX(seq), whose
// index scan per row walked the dead entries recently deleted messages leave
// at the index's end; and listeners vacuum and analyse the table after every
// `vacuumEvery` messages they settle (src/db/queue-vacuum.ts).
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KyselyMessageQueue } from "../../src/db/message-queue.ts";
import { createTestDatabase, postgresUnavailable, type TestDatabase } from "./databases.ts";

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

  it("vacuums and analyses the table after every `vacuumEvery` messages its listeners settle", async () => {
    const table = async () => (await sql<{ vacuums: string; analyses: string }>`
      select vacuum_count as vacuums, analyze_count as analyses from pg_stat_user_tables
      where relname = 'fedify_message' and schemaname = current_schema()`.execute(database.db)).rows[0];
    const before = await table();
    const queue = new KyselyMessageQueue(database.connect().db, { dialect: "postgres", pollIntervalMs: 50, vacuumEvery: 20 });
    let handled = 0;
    listen(queue, () => { handled++; });
    await queue.enqueueMany(Array.from({ length: 45 }, (_, n) => ({ n })));
    await waitFor(() => handled === 45);
    await waitFor(() => queue.vacuum!.rounds === 2);
    await queue.vacuum!.idle();
    // The server's statistics are flushed a moment after the vacuum's transaction.
    await waitFor(async () => {
      const after = await table();
      return Number(after.vacuums) - Number(before.vacuums) === 2 && Number(after.analyses) - Number(before.analyses) === 2;
    });
  });

  it("leaves the table to autovacuum with vacuumEvery 0, and SQLite to itself", () => {
    expect(new KyselyMessageQueue(database.db, { dialect: "postgres", vacuumEvery: 0 }).vacuum).toBeNull();
    expect(new KyselyMessageQueue(database.db, { dialect: "sqlite" }).vacuum).toBeNull();
  });
});
