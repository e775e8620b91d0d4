// The operator's `praxis link …` commands against a running server (a child
// process, as `npm start` runs it): two communities on one server link up
// through the same signed HTTP handshake as across servers.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort, waitFor } from "../support/net.ts";
import { type CliRun, ROOT, runPraxis } from "../support/cli.ts";

let env: NodeJS.ProcessEnv;
let origin: string;
let dataDir: string;
let server: ChildProcess;

function praxis(...args: string[]): Promise<CliRun> {
  return runPraxis(env, args);
}

beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(path.join(tmpdir(), "praxis-cli-links-"));
  env = {
    ...process.env, PRAXIS_CONFIG: "", PRAXIS_HOST: "127.0.0.1", PRAXIS_PORT: String(port), PRAXIS_ORIGIN: origin,
    PRAXIS_DATA_DIR: dataDir, PRAXIS_ALLOW_PRIVATE_ADDRESS: "true", PRAXIS_LOG_LEVEL: "warning",
  };
  expect((await praxis("community", "create", "region", "--name", "Région", "--scale", "regional")).code).toBe(0);
  expect((await praxis("community", "create", "town", "--name", "Town")).code).toBe(0);
  server = spawn(process.execPath, [path.join(ROOT, "src/main.ts")], { env, stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    server.stdout!.on("data", (c: Buffer) => { out += c; if (out.includes("Praxis is running at")) resolve(); });
    server.once("exit", (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
});

afterAll(async () => {
  server?.kill("SIGTERM");
  await new Promise((r) => (server?.exitCode !== null ? r(null) : server.once("exit", r)));
  rmSync(dataDir, { recursive: true, force: true });
});

it("requests, approves, lists, draws and removes a link", async () => {
  const req = await praxis("link", "request", "town", "--parent", `@region@127.0.0.1:${new URL(origin).port}`);
  expect(req.stderr).toBe("");
  expect(req.stdout).toMatch(/Asked @region@127\.0\.0\.1:\d+ to be the parent of town/);
  const pending = await waitFor(async () => {
    const rows = JSON.parse((await praxis("link", "requests", "region", "--json")).stdout);
    return rows.find((r: any) => r.status === "incoming");
  }, "the request to reach the region", 20_000);
  expect(pending.relation).toBe("child");
  const approved = await praxis("link", "approve", "region", pending.id.slice(0, 8));
  expect(approved.stdout).toContain("Approved the link");
  await waitFor(async () => JSON.parse((await praxis("link", "list", "town", "--json")).stdout)[0]?.status === "active",
    "the link to be verified on the town's side", 20_000);
  await waitFor(async () => JSON.parse((await praxis("link", "list", "region", "--json")).stdout)[0]?.status === "active",
    "the link to be verified on the region's side", 20_000);
  const tree = await praxis("community", "tree", "region");
  expect(tree.stdout).toContain("● Région");
  expect(tree.stdout).toContain("└─ Town");
  const settings = await praxis("link", "settings", "town", "--no-cascade", "--promote-tags", "#BestPractice,howto", "--json");
  expect(JSON.parse(settings.stdout)).toEqual({ cascade: false, autoApprove: [], promoteTags: ["bestpractice", "howto"] });

  const removed = await praxis("link", "remove", "town", `${origin}/c/region`);
  expect(removed.stdout).toContain("Unlinked town");
  await waitFor(async () => JSON.parse((await praxis("link", "list", "region", "--json")).stdout).length === 0,
    "the region to drop the link", 20_000);
});

it("explains what is wrong, on stderr with a non-zero exit", async () => {
  const bad = await praxis("link", "request", "town", "--parent", "not-a-handle");
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/neither a Group URI nor a handle/);
  const unknown = await praxis("promote", "region", "https://elsewhere.example/notes/1");
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/only rolled-up posts can be promoted/);
  const noRequest = await praxis("link", "approve", "region", "deadbeef");
  expect(noRequest.code).toBe(3);
});
