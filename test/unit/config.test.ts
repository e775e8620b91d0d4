import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import example from "../../config.example.json" with { type: "json" };

const dir = () => mkdtempSync(path.join(tmpdir(), "praxis-config-"));

describe("configuration", () => {
  it("works with no file at all", () => {
    const cwd = dir();
    const c = loadConfig({ env: {}, cwd });
    expect(c.origin).toBe("http://localhost:3000");
    expect(c.port).toBe(3000);
    expect(c.database.url).toBe(path.join(cwd, "data", "praxis.sqlite"));
  });

  it("applies environment overrides over the file", () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, "config.json"), JSON.stringify({ port: 4000, origin: "https://file.example" }));
    const c = loadConfig({ cwd, env: { PRAXIS_PORT: "5000", PRAXIS_ORIGIN: "https://cop.example", PRAXIS_ALLOW_PRIVATE_ADDRESS: "true", PRAXIS_DATA_DIR: "/tmp/x" } });
    expect(c.port).toBe(5000);
    expect(c.origin).toBe("https://cop.example");
    expect(c.allowPrivateAddress).toBe(true);
    expect(c.dataDir).toBe("/tmp/x");
  });

  it("names the bad key and what is expected", () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, "c.json"), JSON.stringify({ port: "eighty", queue: { concurrency: 0 }, colour: "blue" }));
    let message = "";
    try {
      loadConfig({ cwd, env: { PRAXIS_CONFIG: "c.json" } });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/port: .*expected number/);
    expect(message).toMatch(/queue\.concurrency/);
    expect(message).toMatch(/unknown key.*"colour"/);
  });

  it("rejects an origin with a path and bad environment values", () => {
    expect(() => loadConfig({ env: { PRAXIS_ORIGIN: "https://cop.example/sub" }, cwd: dir() })).toThrow(/origin/);
    expect(() => loadConfig({ env: { PRAXIS_PORT: "http" }, cwd: dir() })).toThrow(/PRAXIS_PORT/);
    expect(() => loadConfig({ env: { PRAXIS_ALLOW_PRIVATE_ADDRESS: "maybe" }, cwd: dir() })).toThrow(/PRAXIS_ALLOW_PRIVATE_ADDRESS/);
    expect(() => loadConfig({ env: { PRAXIS_CONFIG: "missing.json" }, cwd: dir() })).toThrow(/does not exist/);
  });

  it("reads the database fault bounds, with short defaults", () => {
    const defaults = loadConfig({ env: {}, cwd: dir() });
    expect(defaults.database.busyTimeoutMs).toBe(20);
    expect(defaults.database.retryMs).toBe(5000);
    expect(loadConfig({ env: { PRAXIS_DATABASE_RETRY_MS: "2000" }, cwd: dir() }).database.retryMs).toBe(2000);
    expect(() => loadConfig({ env: { PRAXIS_DATABASE_RETRY_MS: "5" }, cwd: dir() })).toThrow(/database\.retryMs/);
  });

  it("handles 8 incoming activities at once on SQLite and 32 on PostgreSQL, unless told otherwise", () => {
    expect(loadConfig({ env: {}, cwd: dir() }).queue.inboxConcurrency).toBe(8);
    const postgres = { PRAXIS_DATABASE_DRIVER: "postgres", PRAXIS_DATABASE_URL: "postgres://praxis@127.0.0.1:5432/praxis" };
    expect(loadConfig({ env: postgres, cwd: dir() }).queue.inboxConcurrency).toBe(32);
    expect(loadConfig({ env: { ...postgres, PRAXIS_QUEUE_INBOX_CONCURRENCY: "12" }, cwd: dir() }).queue.inboxConcurrency).toBe(12);
  });

  it("accepts config.example.json as it is", () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, "config.json"), JSON.stringify(example));
    expect(() => loadConfig({ cwd, env: {} })).not.toThrow();
  });
});
