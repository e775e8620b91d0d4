// The README's commands on a fresh copy of the project, with the machine's
// own Node.js first on PATH (these machines ship Node 20, which cannot run
// the TypeScript sources): `npm install` must bring the runtime Praxis needs,
// and `npm start`, `npx praxis` and `npm test` must use it. The install runs
// offline, from the npm cache the suite's own install filled: no test talks
// to the network.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, waitFor } from "../support/net.ts";

const root = path.resolve(import.meta.dirname, "../..");
/** PATH with the system's directories first, as on a fresh machine (no project runtime). */
const systemPath = ["/usr/local/bin", "/usr/bin", "/bin"].join(":");
let dir: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess | null = null;

function run(cmd: string, args: string[], timeoutMs = 180_000): string {
  return execFileSync(cmd, args, { cwd: dir, env, encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "praxis-readme-"));
  for (const entry of ["package.json", "package-lock.json", "bin", "src", "migrations", "config.example.json"]) {
    cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  mkdirSync(path.join(dir, "test/unit"), { recursive: true });
  cpSync(path.join(root, "test/unit/config.test.ts"), path.join(dir, "test/unit/config.test.ts"));
  cpSync(path.join(root, "vitest.config.ts"), path.join(dir, "vitest.config.ts"));
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|NODE_|VITEST|PRAXIS_)/i.test(k)));
  env = { ...clean, PATH: systemPath, HOME: process.env.HOME, npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false" };
}, 30_000);

afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("README commands on a machine whose Node.js is the system's", () => {
  it("npm install brings Node.js 24 for the project even though the system Node is older", () => {
    const systemNode = run("node", ["--version"]).trim();
    run("npm", ["install"], 240_000);
    expect(statSync(path.join(dir, "node_modules/.bin/node")).isFile()).toBe(true);
    // npm scripts and npx run with node_modules/.bin first: the project's runtime.
    const projectNode = run("npm", ["exec", "--", "node", "--version"]).trim();
    expect(projectNode).toMatch(/^v24\./);
    expect(run("node", ["--version"]).trim()).toBe(systemNode);
  }, 300_000);

  it("npm start serves, with no configuration", async () => {
    const port = await freePort();
    server = spawn("npm", ["start"], { cwd: dir, env: { ...env, PRAXIS_PORT: String(port), PRAXIS_HOST: "127.0.0.1" }, stdio: "ignore", detached: true });
    const health = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
      return res?.ok ? res.json() : null;
    }, "npm start to serve /healthz", 60_000);
    expect(health).toEqual({ ok: true });
    process.kill(-server.pid!, "SIGTERM");
    await waitFor(() => server!.exitCode !== null || server!.signalCode !== null, "the server to stop", 20_000);
  }, 90_000);

  it("npx praxis works, with the system Node first on PATH", () => {
    const out = run("npx", ["praxis", "community", "create", "readers", "--name", "Readers"]);
    expect(out).toMatch(/readers/);
    expect(run("npx", ["praxis", "community", "list"])).toMatch(/readers/);
  }, 60_000);

  it("npm test runs the suite with the project's runtime", () => {
    const out = run("npm", ["test", "--", "test/unit/config.test.ts"], 120_000);
    expect(out).toMatch(/passed/);
  }, 150_000);
});
