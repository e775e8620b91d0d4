// Queries built and compiled once (src/db/reusable-query.ts) run with each
// call's values, on both dialects, and refuse a value Kysely would not pass
// as a parameter.
import { sql } from "kysely";
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

  it("numbers its varying values in a given order and writes its fixed ones inline, for EXECUTE … USING", async (t) => {
    if (dialect !== "postgres" || postgresUnavailable) t.skip();
    const { db } = database;
    const query = new ReusableQuery({ at: "number", key: "string" }, (p) => db.selectFrom("fedify_kv").select(["key", "value"])
      .where((eb) => eb.or([eb("key", "=", p.key), eb("key", "=", "c"), eb("expires_at", "=", p.at)]))
      .where("value", "!=", "9").orderBy("key").limit(10));
    const text = query.numberedSql(["key", "at"]);
    expect(text).toContain(`"key" = $1`);
    expect(text).toContain(`"expires_at" = $2`);
    expect(text).toContain(`"key" = 'c'`);
    expect(text).toContain("limit 10");
    // As a function runs it: the text and the values, apart.
    await sql`create or replace function reusable_test(q text, k text, a bigint) returns table (key text, value text)
      language plpgsql as $$ begin return query execute q using k, a; end $$`.execute(db);
    const result = await sql<{ key: string; value: string }>`select * from reusable_test(${text}, ${"a"}, ${100})`.execute(db);
    expect(result.rows).toEqual([{ key: "a", value: "1" }, { key: "b", value: "2" }, { key: "c", value: "3" }]);
    // A fixed value that is not a plain word is refused rather than written inline.
    const unsafe = new ReusableQuery({ at: "number" }, (p) => db.selectFrom("fedify_kv").select("key").where("key", "=", "it's").where("expires_at", "=", p.at));
    expect(() => unsafe.numberedSql(["at"])).toThrow(/cannot be written inline/);
  });
});
