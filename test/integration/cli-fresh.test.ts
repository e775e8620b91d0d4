// The link commands on a fresh server, as an operator runs them: the real
// CLI (`node bin/praxis.js`) on a data directory whose instance keys do not
// exist yet. A link request from a community on another server (a Praxis in
// this process) is waiting, as it would be had its Add been received.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { freePort } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NODE = path.join(ROOT, "node_modules/.bin/node");
let dataDir: string;
let env: NodeJS.ProcessEnv;
let town: TestPraxis;

function praxis(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(NODE, [path.join(ROOT, "bin/praxis.js"), ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  town = await startPraxis({ host: "127.0.0.1" });
  await createCommunity(town, "town", { name: "Town" });
  dataDir = mkdtempSync(path.join(tmpdir(), "praxis-cli-fresh-"));
  env = {
    ...process.env, PRAXIS_CONFIG: "", PRAXIS_DATA_DIR: dataDir, PRAXIS_ORIGIN: `http://127.0.0.1:${await freePort()}`,
    PRAXIS_ALLOW_PRIVATE_ADDRESS: "true", PRAXIS_LOG_LEVEL: "error",
  };
});

afterAll(async () => {
  await town?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it("lists and approves a link request on a server whose instance keys do not exist yet", async () => {
  const created = await praxis("community", "create", "region", "--name", "Region", "--scale", "regional");
  expect(created.code, created.stderr).toBe(0);
  const db = new Database(path.join(dataDir, "praxis.sqlite"));
  try {
    expect(db.prepare("select count(*) as n from actor_keys where owner = 'instance'").get()).toEqual({ n: 0 });
    const region = db.prepare("select id from communities where slug = 'region'").get() as { id: string };
    const now = new Date().toISOString();
    db.prepare(`insert into community_links (id, community_id, peer_uri, relation, status, initiator, request_uri, verified_at, created_at, updated_at)
      values (?, ?, ?, 'child', 'incoming', 'remote', ?, null, ?, ?)`)
      .run("0b7f3c1e-5a4d-4c2b-9e8f-1a2b3c4d5e6f", region.id, `${town.origin}/c/town`, `${town.origin}/c/town/link-requests/1`, now, now);
  } finally {
    db.close();
  }

  const listed = await praxis("link", "requests", "region");
  expect(listed.stderr).toBe("");
  expect(listed.code).toBe(0);
  expect(listed.stdout).toContain(`${town.origin}/c/town`);

  const approved = await praxis("link", "approve", "region", "0b7f3c1e");
  expect(approved.stderr).toBe("");
  expect(approved.code).toBe(0);
  expect(approved.stdout).toContain("Approved the link");
});
