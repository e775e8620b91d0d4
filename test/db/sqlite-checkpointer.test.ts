// The server's SQLite write-ahead log is checkpointed on a thread of its own
// (src/db/sqlite-checkpointer.ts): what is written reaches the database file
// without the writer checkpointing inside a commit, which it does only past
// FALLBACK_PAGES.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { createPraxis } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openDatabase, type PraxisDatabase } from "../../src/db/database.ts";
import { FALLBACK_PAGES } from "../../src/db/sqlite-checkpointer.ts";
import { waitFor } from "../support/net.ts";

describe("SQLite checkpoints in the background", () => {
  let dir: string;
  let database: PraxisDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("copy the log into the database file while the writer's own threshold is far off", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "praxis-checkpoint-"));
    const file = path.join(dir, "praxis.sqlite");
    database = openDatabase({ driver: "sqlite", url: file, checkpointInBackground: true });
    const { db } = database;
    await sql`create table pad (n integer primary key, text text not null)`.execute(db);
    const before = statSync(file).size;
    // About 1,500 pages of log: past SQLite's default threshold (1,000), far below the writer's now.
    await db.transaction().execute(async (tx) => {
      for (let n = 0; n < 1500; n++) await sql`insert into pad values (${n}, ${"x".repeat(4000)})`.execute(tx);
    });
    expect((await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)).rows[0].wal_autocheckpoint).toBe(FALLBACK_PAGES);
    await waitFor(() => statSync(file).size > before + 4_000_000 || undefined, "the checkpoint thread to copy the log", 10_000);
  });

  it("run for a server, and not for a one-shot command (the CLI), whose writer checkpoints by itself", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "praxis-checkpoint-"));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, logLevel: "error" } });
    const threshold = async (backgroundCheckpoints?: boolean) => {
      const praxis = await createPraxis(config, backgroundCheckpoints === undefined ? {} : { backgroundCheckpoints });
      try {
        return (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(praxis.services.db)).rows[0].wal_autocheckpoint;
      } finally {
        await praxis.close();
      }
    };
    expect(await threshold()).toBe(FALLBACK_PAGES);
    // SQLite's own default: the writer checkpoints every 1,000 pages.
    expect(await threshold(false)).toBe(1000);
  });
});
