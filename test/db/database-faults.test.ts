// The SQLite driver under a lock held by another process, the queue under
// an unavailable database, and which errors count as "the database is
// unavailable" (503 and a retry) rather than a bug.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type PraxisDatabase } from "../../src/db/database.ts";
import { DatabaseBusyError, DatabaseUnavailableError, isDatabaseUnavailable } from "../../src/db/faults.ts";
import { KyselyMessageQueue } from "../../src/db/message-queue.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Another process holding BEGIN EXCLUSIVE on `file` until it is killed; resolves once it holds it. */
async function holdLock(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", `
    import Database from "better-sqlite3";
    const db = new Database(${JSON.stringify(file)});
    db.exec("BEGIN EXCLUSIVE");
    process.stdout.write("locked\\n");
    setInterval(() => {}, 1000);
  `], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
  await once(child.stdout!, "data");
  return child;
}

async function release(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await once(child, "exit");
}

describe("SQLite locked by another process", () => {
  let database: TestDatabase;
  let locked: PraxisDatabase;
  let child: ChildProcess | null;

  beforeEach(async () => {
    database = await createTestDatabase("sqlite");
    locked = openDatabase({ ...database.options, retryMs: 400, busyTimeoutMs: 20 });
    child = null;
  });
  afterEach(async () => {
    if (child) await release(child);
    await locked.close();
    await database.dispose();
  });

  const insert = (db: PraxisDatabase, key: string) =>
    db.db.insertInto("fedify_kv").values({ key, value: "1", expires_at: null }).execute();

  it("reads while the lock is held, and a write gives up with DatabaseBusyError after its bound", async () => {
    await insert(locked, "before");
    child = await holdLock(database.options.url);
    const rows = await locked.db.selectFrom("fedify_kv").select("key").execute();
    expect(rows.map((r) => r.key)).toEqual(["before"]);
    const error = await insert(locked, "during").catch((e) => e);
    expect(error).toBeInstanceOf(DatabaseBusyError);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it("waits for the lock without blocking the event loop, then writes", async () => {
    const patient = openDatabase({ ...database.options, retryMs: 10_000, busyTimeoutMs: 20 });
    try {
      child = await holdLock(database.options.url);
      const events: string[] = [];
      const write = insert(patient, "after").then(() => events.push("write"));
      // Timers fire while the write waits: the thread is not blocked.
      for (let i = 0; i < 5; i++) {
        await sleep(50);
        events.push("tick");
      }
      await release(child);
      child = null;
      await write;
      expect(events.slice(0, 5)).toEqual(["tick", "tick", "tick", "tick", "tick"]);
      expect(events).toContain("write");
      const rows = await patient.db.selectFrom("fedify_kv").select("key").where("key", "=", "after").execute();
      expect(rows).toHaveLength(1);
    } finally {
      await patient.close();
    }
  });

  it("begins transactions with the write lock, retried the same way", async () => {
    child = await holdLock(database.options.url);
    const error = await locked.db.transaction().execute((trx) => trx.insertInto("fedify_kv")
      .values({ key: "tx", value: "1", expires_at: null }).execute()).catch((e) => e);
    expect(error).toBeInstanceOf(DatabaseBusyError);
    await release(child);
    child = null;
    await locked.db.transaction().execute(async (trx) => {
      await trx.insertInto("fedify_kv").values({ key: "tx", value: "1", expires_at: null }).execute();
      await trx.updateTable("fedify_kv").set({ value: "2" }).where("key", "=", "tx").execute();
    });
    const row = await locked.db.selectFrom("fedify_kv").select("value").where("key", "=", "tx").executeTakeFirst();
    expect(row?.value).toBe("2");
    // A failed transaction rolls back and frees the write lock for the next writer.
    await expect(locked.db.transaction().execute(async (trx) => {
      await trx.insertInto("fedify_kv").values({ key: "rolled-back", value: "1", expires_at: null }).execute();
      throw new Error("changed my mind");
    })).rejects.toThrow("changed my mind");
    await insert(locked, "next");
    const keys = (await locked.db.selectFrom("fedify_kv").select("key").execute()).map((r) => r.key).sort();
    expect(keys).toEqual(["next", "tx"]);
  });
});

for (const dialect of DIALECTS) {
  describe.skipIf(dialect === "postgres" && postgresUnavailable !== undefined)(`the queue on ${dialect}, database unavailable`, () => {
    let database: TestDatabase;
    beforeEach(async () => {
      database = await createTestDatabase(dialect);
    });
    afterEach(() => database.dispose());

    it("retries a handler that met an unavailable database without spending attempts, never dead-lettering it", async () => {
      const queue = new KyselyMessageQueue(database.db, { dialect, maxAttempts: 2, backoff: () => 20, pollIntervalMs: 20 });
      let calls = 0;
      const controller = new AbortController();
      const listening = queue.listen(() => {
        calls++;
        if (calls <= 4) throw new DatabaseBusyError("locked");
      }, { signal: controller.signal });
      try {
        await queue.enqueue({ type: "inbox", id: "x" });
        for (let i = 0; i < 200 && calls < 5; i++) await sleep(20);
        for (let i = 0; i < 100 && (await queue.stats()).leased + (await queue.stats()).ready > 0; i++) await sleep(20);
        expect(calls).toBe(5);
        expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, leased: 0, dead: 0 });
      } finally {
        controller.abort();
        await listening;
      }
    });
  });
}

describe("what counts as the database being unavailable", () => {
  it("recognises SQLite's busy codes, PostgreSQL's connection failures and wrapped causes", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("x"), { code: "SQLITE_BUSY_SNAPSHOT" }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("terminating connection"), { code: "57P01" }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("too many clients"), { code: "53300" }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("x"), { code: "08006" }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(new DatabaseUnavailableError("down"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("outer", { cause: new DatabaseBusyError("locked") }))).toBe(true);
  });

  it("leaves bugs, bad data and remote fetch failures alone", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("UNIQUE constraint failed"), { code: "SQLITE_CONSTRAINT_UNIQUE" }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("fetch failed", { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("broken pipe"), { code: "EPIPE" }))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
