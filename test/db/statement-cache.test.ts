// Prepared statements are reused: Kysely's SQLite driver used to prepare every
// statement it ran, which cost more than running the queue's and the
// key-value store's statements.
import SQLite from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StatementCache } from "../../src/db/statement-cache.ts";
import { createTestDatabase, type TestDatabase } from "./databases.ts";

describe("SQLite prepared statements", () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase("sqlite");
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await database.dispose();
  });

  it("are prepared once per connection and reused for the same SQL", async () => {
    const prepare = vi.spyOn(SQLite.prototype, "prepare");
    const { db } = database;
    for (let i = 0; i < 5; i++) {
      await db.insertInto("fedify_kv").values({ key: `k${i}`, value: String(i), expires_at: null }).execute();
      expect((await db.selectFrom("fedify_kv").select("value").where("key", "=", `k${i}`).executeTakeFirstOrThrow()).value).toBe(String(i));
    }
    // Once per connection at most (the driver keeps a reader and a writer), not once per run.
    const texts = prepare.mock.calls.map(([text]) => text);
    expect(texts.filter((t) => t.startsWith('insert into "fedify_kv"')).length).toBeLessThanOrEqual(2);
    expect(texts.filter((t) => t.startsWith('select "value" from "fedify_kv"')).length).toBeLessThanOrEqual(2);
  });

  it("hand a statement that is still iterating to no second caller", () => {
    const raw = new SQLite(":memory:");
    try {
      raw.exec("create table t (n integer); insert into t values (1), (2), (3)");
      const cache = new StatementCache(raw);
      const text = "select n from t order by n";
      const iterating = cache.prepare(text).iterate() as IterableIterator<{ n: number }>;
      expect(iterating.next().value).toEqual({ n: 1 });
      // The cached statement is busy: the second caller gets its own.
      expect(cache.prepare(text).all()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect([...iterating]).toEqual([{ n: 2 }, { n: 3 }]);
    } finally {
      raw.close();
    }
  });

  it("keeps at most its size, the least recently used evicted first", () => {
    const raw = new SQLite(":memory:");
    try {
      const cache = new StatementCache(raw, 2);
      const a = cache.prepare("select 1");
      cache.prepare("select 2");
      expect(cache.prepare("select 1")).toBe(a);
      cache.prepare("select 3");
      expect(cache.size).toBe(2);
      expect(cache.prepare("select 1")).toBe(a);
    } finally {
      raw.close();
    }
  });
});
