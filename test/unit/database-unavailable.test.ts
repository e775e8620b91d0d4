import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { isDatabaseUnavailable } from "../../src/db/unavailable.ts";

describe("telling an unavailable database from other errors", () => {
  it("recognises real SQLite errors: locked, and closed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "praxis-unavailable-"));
    const file = path.join(dir, "db.sqlite");
    try {
      const { db, close } = openDatabase({ driver: "sqlite", url: file });
      await db.schema.createTable("t").addColumn("x", "integer").execute();
      const other = new Database(file);
      other.exec("BEGIN EXCLUSIVE");
      const busy = new Database(file);
      busy.pragma("busy_timeout = 0");
      let locked: unknown;
      try {
        busy.prepare("insert into t values (1)").run();
      } catch (e) {
        locked = e;
      }
      expect(isDatabaseUnavailable(locked)).toBe(true);
      other.exec("ROLLBACK");
      other.close();
      busy.close();
      await close();
      const closed = await db.selectFrom("t" as never).selectAll().execute().catch((e: unknown) => e);
      expect(isDatabaseUnavailable(closed)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("recognises a PostgreSQL server that cannot be reached", async () => {
    const { db, close } = openDatabase({ driver: "postgres", url: "postgres://praxis@127.0.0.1:1/praxis" });
    const error = await db.selectFrom("t" as never).selectAll().execute().catch((e: unknown) => e);
    await close();
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it("looks through causes, and does not mistake other errors", () => {
    expect(isDatabaseUnavailable(new Error("enqueue failed", { cause: Object.assign(new Error("x"), { code: "57P01" }) }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isDatabaseUnavailable(new TypeError("Invalid type: Lock"))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("UNIQUE constraint failed"), { code: "SQLITE_CONSTRAINT_UNIQUE" }))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
