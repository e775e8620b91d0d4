// Queries built and compiled once (src/db/reusable-query.ts) run with each
// call's values, on both dialects, and refuse a value Kysely would not pass
// as a parameter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReusableQuery } from "../../src/db/reusable-query.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

describe.each(DIALECTS)("ReusableQuery on %s", (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    if (dialect === "postgres" && postgresUnavailable) return;
    database = await createTestDatabase(dialect);
    await database.db.insertInto("fedify_kv").values([
      { key: "a", value: "1", expires_at: null },
      { key: "b", value: "2", expires_at: 100 },
      { key: "c", value: "3", expires_at: 200 },
    ]).execute();
  });
  afterAll(async () => database?.dispose());

  it("runs the statement compiled once with each call's values, the same value in several places too", async (t) => {
    if (dialect === "postgres" && postgresUnavailable) t.skip();
    const { db } = database;
    const query = new ReusableQuery({ key: "string", at: "number" }, (p) => db.selectFrom("fedify_kv").select(["key", "value"])
      .where((eb) => eb.or([eb("key", "=", p.key), eb("expires_at", "=", p.at), eb("expires_at", ">", p.at)]))
      .orderBy("key"));
    expect(await query.execute(db, { key: "a", at: 200 })).toEqual([{ key: "a", value: "1" }, { key: "c", value: "3" }]);
    expect(await query.execute(db, { key: "zz", at: 100 })).toEqual([{ key: "b", value: "2" }, { key: "c", value: "3" }]);
    expect(await query.execute(db, { key: "b", at: 1000 })).toEqual([{ key: "b", value: "2" }]);
    // Each execution has its own query id, as Kysely gives each compiled query.
    expect(query.compiled({ key: "a", at: 1 }).queryId).not.toBe(query.compiled({ key: "a", at: 1 }).queryId);
  });

  it("refuses a value that is read but not passed as a parameter as read", (t) => {
    if (dialect === "postgres" && postgresUnavailable) t.skip();
    const { db } = database;
    expect(() => new ReusableQuery({ at: "number" }, (p) => db.selectFrom("fedify_kv").select("key").where("expires_at", "=", p.at + 1)))
      .toThrow(/at not compiled as parameters/);
    // A variant may leave a declared value unread.
    expect(() => new ReusableQuery({ at: "number", key: "string" }, (p) => db.selectFrom("fedify_kv").select("key").where("expires_at", "=", p.at)))
      .not.toThrow();
  });
});
