// The SQLite database holds the communities' private keys: Praxis creates
// its data directory 0700 and the database, -wal and -shm files 0600, and
// warns at start about existing ones that other users can read.
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrator.ts";
import { prepareSqliteFiles } from "../../src/db/sqlite-files.ts";
import { startPraxis } from "../support/praxis.ts";

const modeOf = (file: string) => statSync(file).mode & 0o777;

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "praxis-perms-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("a new data directory", () => {
  it("is created 0700, with the database and its -wal and -shm files 0600", async () => {
    const dataDir = path.join(root, "fresh", "data");
    const praxis = await startPraxis({ dataDir });
    try {
      const file = praxis.config.database.url;
      expect(path.dirname(file)).toBe(dataDir);
      // Something was written, so the WAL is in use.
      await praxis.services.repos.communities.create({ slug: "keys", name: "Keys" });
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(path.join(root, "fresh"))).toBe(0o700);
      expect(modeOf(file)).toBe(0o600);
      for (const sidecar of ["-wal", "-shm"]) {
        expect(existsSync(file + sidecar)).toBe(true);
        expect(modeOf(file + sidecar)).toBe(0o600);
      }
    } finally {
      await praxis.stop();
    }
  });

  it("is created 0700 by the CLI's way in as well (openDatabase)", async () => {
    const file = path.join(root, "cli", "praxis.sqlite");
    const database = openDatabase({ driver: "sqlite", url: file });
    try {
      await migrateToLatest(database.db);
      expect(modeOf(path.dirname(file))).toBe(0o700);
      expect(modeOf(file)).toBe(0o600);
      expect(modeOf(`${file}-wal`)).toBe(0o600);
    } finally {
      await database.close();
    }
  });
});

describe("existing files", () => {
  it("are left as they are, with a warning saying how to fix them", () => {
    const dir = path.join(root, "old");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const file = path.join(dir, "praxis.sqlite");
    closeSync(openSync(file, "w", 0o644));
    chmodSync(file, 0o644);
    closeSync(openSync(`${file}-wal`, "w", 0o640));
    chmodSync(`${file}-wal`, 0o640);
    const warnings = prepareSqliteFiles(file);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain(`chmod 700 ${dir}`);
    expect(warnings[1]).toContain(`chmod 600 ${file}`);
    expect(warnings[1]).toContain("mode 644");
    expect(warnings[2]).toContain(`chmod 600 ${file}-wal`);
    expect(modeOf(file)).toBe(0o644);
  });

  it("raise no warning when private", () => {
    const dir = path.join(root, "private");
    mkdirSync(dir, { mode: 0o700 });
    const file = path.join(dir, "praxis.sqlite");
    closeSync(openSync(file, "w", 0o600));
    expect(prepareSqliteFiles(file)).toEqual([]);
  });
});
