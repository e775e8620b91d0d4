// Smoke tests of the account, moderator, token, domain and audit commands:
// `node bin/praxis.js` as an operator runs it, on a temporary data directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CliRun, runPraxis } from "../support/cli.ts";

const dataDirs: string[] = [];

/** A CLI on its own data directory, so that the tests below run at the same time. */
async function operator() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "praxis-cli-"));
  dataDirs.push(dataDir);
  const env = { ...process.env, PRAXIS_CONFIG: "", PRAXIS_DATA_DIR: dataDir, PRAXIS_ORIGIN: "https://cop.example", PRAXIS_LOG_LEVEL: "error" };
  const praxis = (args: string[], input?: string): Promise<CliRun> => runPraxis(env, args, input);
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await praxis(args, input);
    expect(r.stderr, args.join(" ")).toBe("");
    expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  return { praxis, ok };
}

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

// Each test runs a dozen CLI processes one after another, beside the rest of
// the suite: the first took 52 s of the 60 allowed in a whole-suite run and
// passed them once in CI, with each run still about 1.4 s alone.
describe.concurrent("praxis CLI", { timeout: 150_000 }, () => {
it("creates, lists, resets and deletes accounts and moderators", async () => {
  const { praxis, ok } = await operator();
  await ok(["community", "create", "gardeners", "--name", "Gardeners"]);
  const created = await ok(["account", "create", "root", "--role", "operator"]);
  expect(created).toMatch(/Created operator account root/);
  expect(created).toMatch(/Password \(shown once\): \S{20,}/);

  const withStdin = JSON.parse(await ok(["account", "create", "mod1", "--actor", "https://social.example/users/mod1", "--password-stdin", "--json"], "a long enough password\n"));
  expect(withStdin).toEqual({ account: expect.objectContaining({ username: "mod1", role: "moderator", actorUri: "https://social.example/users/mod1" }) });

  const bad = await praxis(["account", "create", "Bad Name"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/username: /);

  expect(await ok(["moderator", "add", "gardeners", "mod1"])).toMatch(/mod1 now moderates gardeners/);
  expect(JSON.parse(await ok(["moderator", "list", "gardeners", "--json"]))).toEqual([
    { username: "mod1", role: "moderator", actorUri: "https://social.example/users/mod1" },
  ]);
  const accounts = JSON.parse(await ok(["account", "list", "--json"]));
  expect(accounts.map((a: { username: string; communities: string[] }) => [a.username, a.communities])).toEqual([["mod1", ["gardeners"]], ["root", []]]);
  expect(await ok(["account", "reset-password", "mod1"])).toMatch(/New password for mod1 \(shown once\): \S{20,}/);
  expect(await ok(["moderator", "remove", "gardeners", "mod1"])).toMatch(/no longer moderates/);
  expect(await ok(["account", "delete", "mod1"])).toMatch(/Deleted account mod1/);
  const missing = await praxis(["account", "delete", "mod1"]);
  expect(missing.code).toBe(3);
  const audit = JSON.parse(await ok(["audit", "--community", "gardeners", "--json"]));
  expect(audit.map((e: { action: string }) => e.action).sort()).toEqual(["community.create", "moderator.add", "moderator.remove"]);
});

it("creates, lists and revokes tokens, showing the token once", async () => {
  const { ok } = await operator();
  await ok(["account", "create", "root", "--role", "operator"]);
  const created = JSON.parse(await ok(["token", "create", "root", "--name", "laptop", "--json"]));
  expect(created.token).toMatch(/^praxis_/);
  const list = await ok(["token", "list", "--json"]);
  expect(list).not.toContain(created.token);
  expect(JSON.parse(list)).toEqual([expect.objectContaining({ id: created.id, username: "root", name: "laptop", revokedAt: null })]);
  expect(await ok(["token", "revoke", created.id])).toMatch(/Revoked token/);
  expect(JSON.parse(await ok(["token", "list", "--json"]))[0].revokedAt).toMatch(/^\d{4}-/);
});

it("blocks, allows and lists domains, and shows the audit log", async () => {
  const { praxis, ok } = await operator();
  expect(await ok(["domain", "block", "Spam.Example", "--reason", "spam"])).toMatch(/Blocked spam.example/);
  expect(await ok(["domain", "allow", "friends.example"])).toMatch(/Allowed friends.example/);
  const policy = JSON.parse(await ok(["domain", "list", "--json"]));
  expect(policy).toMatchObject({
    mode: "open",
    blocks: [expect.objectContaining({ host: "spam.example", reason: "spam" })],
    allows: [expect.objectContaining({ host: "friends.example" })],
  });
  const badHost = await praxis(["domain", "block", "https://spam.example/"]);
  expect(badHost.code).toBe(2);
  expect(badHost.stderr).toMatch(/host: /);
  expect(await ok(["domain", "unblock", "spam.example"])).toMatch(/Unblocked spam.example/);
  expect(await ok(["domain", "disallow", "friends.example"])).toMatch(/Removed friends.example/);

  const audit = JSON.parse(await ok(["audit", "--json", "--limit", "100"]));
  expect(audit.map((e: { action: string }) => e.action)).toEqual(["domain.disallow", "domain.unblock", "domain.allow", "domain.block"]);
  expect(audit.every((e: { actor: string }) => e.actor.startsWith("cli:"))).toBe(true);
  expect(await ok(["audit", "--limit", "1"])).toMatch(/^WHEN\s+WHO\s+ACTION/);
  const badLimit = await praxis(["audit", "--limit", "lots"]);
  expect(badLimit.code).toBe(2);
});
});
