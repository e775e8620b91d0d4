// The admin API over real HTTP: bearer tokens, scope (operator everywhere,
// moderators in their own communities), validation errors naming the field,
// and the operator's and moderators' everyday actions, with a Fedify peer
// playing the members' server.
import { Follow } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createToken, revokeToken } from "../../src/operations/accounts.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { waitFor } from "../support/net.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

let praxis: TestPraxis;
let peer: Peer;
const tokens: Record<string, string> = {};
const BY = "test";

beforeAll(async () => {
  praxis = await startPraxis();
  peer = await startPeer({ users: ["alice", "bob", "carol"] });
  await createCommunity(praxis, "gardeners", { name: "Gardeners", closed: true });
  await createCommunity(praxis, "beekeepers", { name: "Beekeepers" });
  await createAccount(praxis, { username: "root", role: "operator", password: "operator password 1" }, BY);
  await createAccount(praxis, { username: "gmod", actor: peer.userUri("alice") }, BY);
  await createAccount(praxis, { username: "bmod" }, BY);
  await addModerator(praxis, "gardeners", "gmod", BY);
  await addModerator(praxis, "beekeepers", "bmod", BY);
  for (const u of ["root", "gmod", "bmod"]) tokens[u] = (await createToken(praxis, u, `${u} test`, BY)).token;
});

afterAll(async () => {
  await peer?.stop();
  await praxis?.stop();
});

async function api(method: string, path: string, token: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${praxis.origin}/api/v1/admin${path}`, {
    method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

describe("authentication", () => {
  it("answers 401 with WWW-Authenticate without a token", async () => {
    const r = await api("GET", "/me", null);
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer realm="praxis-admin"/);
    expect(r.json.error).toBe("unauthorized");
  });

  it("answers 401 to unknown or malformed tokens", async () => {
    for (const t of ["praxis_" + "A".repeat(43), "not-a-token"]) {
      const r = await api("GET", "/me", t);
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
    const basic = await fetch(`${praxis.origin}/api/v1/admin/me`, { headers: { Authorization: "Basic cm9vdDpwdw==" } });
    expect(basic.status).toBe(401);
  });

  it("answers 401 to a revoked token", async () => {
    const { token, info } = await createToken(praxis, "bmod", "short-lived", BY);
    expect((await api("GET", "/me", token)).status).toBe(200);
    await revokeToken(praxis, info.id, BY);
    const r = await api("GET", "/me", token);
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("tells who the caller is and records when the token was used", async () => {
    const me = await api("GET", "/me", tokens.gmod);
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ username: "gmod", role: "moderator", actorUri: peer.userUri("alice"), communities: ["gardeners"] });
    const list = await api("GET", "/tokens", tokens.gmod);
    expect(list.json.tokens).toHaveLength(1);
    expect(list.json.tokens[0].lastUsedAt).toMatch(/^\d{4}-/);
    expect(JSON.stringify(list.json)).not.toContain(tokens.gmod);
  });
});

describe("scope", () => {
  it("refuses a moderator another community's members and moderators (403)", async () => {
    for (const [method, path, body] of [
      ["GET", "/communities/gardeners/members"],
      ["GET", "/communities/gardeners/moderators"],
      ["POST", "/communities/gardeners/members/approve", { actor: peer.userUri("carol") }],
      ["POST", "/communities/gardeners/moderators", { username: "bmod" }],
      ["GET", "/audit?community=gardeners"],
    ] as const) {
      const r = await api(method, path, tokens.bmod, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.json.error).toBe("forbidden");
    }
  });

  it("refuses a moderator instance-wide actions (403)", async () => {
    expect((await api("GET", "/accounts", tokens.bmod)).status).toBe(403);
    expect((await api("POST", "/accounts", tokens.bmod, { username: "sneaky" })).status).toBe(403);
    expect((await api("GET", "/domain-blocks", tokens.bmod)).status).toBe(403);
    expect((await api("POST", "/domain-blocks", tokens.bmod, { host: "x.example" })).status).toBe(403);
    expect((await api("GET", "/domain-allows", tokens.bmod)).status).toBe(403);
    expect((await api("GET", "/audit", tokens.bmod)).status).toBe(403);
    expect((await api("POST", "/tokens", tokens.bmod, { username: "root" })).status).toBe(403);
  });

  it("lists only a moderator's own communities", async () => {
    const r = await api("GET", "/communities", tokens.bmod);
    expect(r.json.communities.map((c: { slug: string }) => c.slug)).toEqual(["beekeepers"]);
    const all = await api("GET", "/communities", tokens.root);
    expect(all.json.communities.map((c: { slug: string }) => c.slug).sort()).toEqual(["beekeepers", "gardeners"]);
  });
});

describe("validation", () => {
  it("answers 400 naming the field", async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ["POST", "/accounts", { username: 5 }, "username"],
      ["POST", "/accounts", { username: "newbie", role: "king" }, "role"],
      ["POST", "/accounts", { username: "Not Valid" }, "username"],
      ["POST", "/accounts", { username: "newbie", password: "short" }, "password"],
      ["POST", "/accounts", { username: "newbie", colour: "red" }, "colour"],
      ["POST", "/accounts", { username: "newbie", actor: "nobody" }, "actor"],
      ["POST", "/accounts", { username: "newbie", actor: "@ghost@127.0.0.1:1" }, "actor"],
      ["POST", "/accounts", "{not json", "body"],
      ["POST", "/domain-blocks", { host: "https://spam.example/" }, "host"],
      ["POST", "/domain-blocks", {}, "host"],
      ["POST", "/domain-allows", { host: "a b" }, "host"],
      ["GET", "/audit?limit=many", undefined, "limit"],
      ["GET", "/communities/gardeners/members?status=banned", undefined, "status"],
      ["POST", "/communities/gardeners/members/approve", {}, "actor"],
      ["POST", "/communities/gardeners/members/approve", { actor: "not an actor" }, "actor"],
      ["POST", "/communities/gardeners/moderators", { username: "" }, "username"],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await api(method, path, tokens.root, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json.field, `${method} ${path} ${JSON.stringify(body)}`).toBe(field);
      expect(r.json.message).toContain(field);
    }
  });

  it("answers 404 for unknown things", async () => {
    expect((await api("GET", "/communities/nowhere/members", tokens.root)).status).toBe(404);
    expect((await api("DELETE", "/accounts/nobody", tokens.root)).status).toBe(404);
    expect((await api("DELETE", "/domain-blocks/never.example", tokens.root)).status).toBe(404);
    expect((await api("GET", "/no-such-endpoint", tokens.root)).status).toBe(404);
  });
});

describe("operator and moderator actions", () => {
  it("creates, lists and deletes accounts", async () => {
    const created = await api("POST", "/accounts", tokens.root, { username: "helper", role: "moderator", actor: peer.userUri("bob") });
    expect(created.status).toBe(201);
    expect(created.json.account).toMatchObject({ username: "helper", role: "moderator", actorUri: peer.userUri("bob") });
    expect(created.json.password).toMatch(/^\S{20,}$/);
    const list = await api("GET", "/accounts", tokens.root);
    expect(list.json.accounts.map((a: { username: string }) => a.username)).toEqual(["bmod", "gmod", "helper", "root"]);
    const token = (await createToken(praxis, "helper", null, BY)).token;
    expect((await api("DELETE", "/accounts/helper", tokens.root)).status).toBe(204);
    expect((await api("GET", "/me", token)).status).toBe(401);
    expect((await api("DELETE", "/accounts/root", tokens.root)).status).toBe(409);
  });

  it("adds and removes moderators, lists their actors in the moderators collection and federates Update(Group)", async () => {
    const beekeepers = `${praxis.origin}/c/beekeepers`;
    await peer.follow("bob", beekeepers);
    await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === beekeepers)[0], "bob joins beekeepers");
    const added = await api("POST", "/communities/beekeepers/moderators", tokens.bmod, { username: "gmod" });
    expect(added.status).toBe(201);
    const collection = await (await fetch(`${beekeepers}/moderators`, { headers: { Accept: "application/activity+json" } })).json();
    expect(collection.type).toBe("OrderedCollection");
    // The instance's moderation actor, which signs moderation activities, comes first.
    expect(collection.totalItems).toBe(2);
    expect(collection.orderedItems).toEqual([`${praxis.origin}/actor/moderation`, peer.userUri("alice")]);
    await waitFor(() => peer.receivedOf("Update", (r) => r.actor === beekeepers && r.json.object?.type === "Group")[0], "Update(Group)");
    const mods = await api("GET", "/communities/beekeepers/moderators", tokens.root);
    expect(mods.json.moderators.map((m: { username: string }) => m.username)).toEqual(["bmod", "gmod"]);
    expect((await api("POST", "/communities/beekeepers/moderators", tokens.root, { username: "gmod" })).status).toBe(400);
    expect((await api("DELETE", "/communities/beekeepers/moderators/gmod", tokens.root)).status).toBe(204);
    const after = await (await fetch(`${beekeepers}/moderators`, { headers: { Accept: "application/activity+json" } })).json();
    expect(after.totalItems).toBe(1);
  });

  it("lists pending requests with their message and date, approves and rejects them", async () => {
    const gardeners = `${praxis.origin}/c/gardeners`;
    const follow = new Follow({
      id: new URL(`${peer.origin}/users/carol/follows/${crypto.randomUUID()}`),
      actor: new URL(peer.userUri("carol")), object: new URL(gardeners), content: "I grow tomatoes on my balcony.",
    });
    await peer.send("carol", follow, [gardeners]);
    await peer.follow("bob", gardeners);
    const pending = await waitFor(async () => {
      const r = await api("GET", "/communities/gardeners/members?status=pending", tokens.gmod);
      return r.json.members.length === 2 ? r.json.members : null;
    }, "two pending requests");
    const carol = pending.find((m: { actorUri: string }) => m.actorUri === peer.userUri("carol"));
    expect(carol).toMatchObject({ status: "pending", message: "I grow tomatoes on my balcony.", joinedAt: null });
    expect(carol.requestedAt).toMatch(/^\d{4}-/);

    const approved = await api("POST", "/communities/gardeners/members/approve", tokens.gmod, { actor: peer.userUri("carol") });
    expect(approved.status).toBe(200);
    await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === gardeners && r.json.object?.id === follow.id!.href)[0], "Accept");
    const rejected = await api("POST", "/communities/gardeners/members/reject", tokens.gmod, { actor: peer.userUri("bob") });
    expect(rejected.status).toBe(200);
    await waitFor(() => peer.receivedOf("Reject", (r) => r.actor === gardeners)[0], "Reject");
    const members = await api("GET", "/communities/gardeners/members", tokens.gmod);
    expect(members.json.members).toHaveLength(1);
    expect(members.json.members[0]).toMatchObject({ actorUri: peer.userUri("carol"), status: "accepted" });
    expect(members.json.members[0].joinedAt).toMatch(/^\d{4}-/);
  });

  it("manages domain blocks and the allow-list", async () => {
    const blocked = await api("POST", "/domain-blocks", tokens.root, { host: "Spam.Example", reason: "spam waves" });
    expect(blocked.status).toBe(201);
    expect(blocked.json).toMatchObject({ host: "spam.example", created: true, removedMembers: 0 });
    const list = await api("GET", "/domain-blocks", tokens.root);
    expect(list.json.blocks).toEqual([expect.objectContaining({ host: "spam.example", reason: "spam waves", createdBy: "account:root" })]);
    expect((await api("DELETE", "/domain-blocks/spam.example", tokens.root)).status).toBe(204);
    expect((await api("GET", "/domain-blocks", tokens.root)).json.blocks).toEqual([]);

    expect((await api("POST", "/domain-allows", tokens.root, { host: "friends.example" })).status).toBe(201);
    expect((await api("POST", "/domain-allows", tokens.root, { host: "friends.example" })).status).toBe(200);
    const allows = await api("GET", "/domain-allows", tokens.root);
    expect(allows.json).toMatchObject({ mode: "open", allows: [expect.objectContaining({ host: "friends.example" })] });
    expect((await api("DELETE", "/domain-allows/friends.example", tokens.root)).status).toBe(204);
  });

  it("keeps an audit log, filtered by community, readable by the community's moderators", async () => {
    const mine = await api("GET", "/audit?community=gardeners", tokens.gmod);
    expect(mine.status).toBe(200);
    const actions = mine.json.entries.map((e: { action: string; actor: string }) => `${e.actor} ${e.action}`);
    expect(actions).toContain("account:gmod member.approve");
    expect(actions).toContain("account:gmod member.reject");
    expect(mine.json.entries.every((e: { community: string }) => e.community === "gardeners")).toBe(true);
    const all = await api("GET", "/audit?limit=500", tokens.root);
    const everything = all.json.entries.map((e: { action: string }) => e.action);
    for (const a of ["account.create", "account.delete", "moderator.add", "moderator.remove", "domain.block", "domain.unblock", "domain.allow", "domain.disallow", "token.create", "token.revoke"]) {
      expect(everything).toContain(a);
    }
    const limited = await api("GET", "/audit?limit=2", tokens.root);
    expect(limited.json.entries).toHaveLength(2);
  });

  it("lets a moderator create and revoke its own tokens", async () => {
    const created = await api("POST", "/tokens", tokens.bmod, { name: "phone" });
    expect(created.status).toBe(201);
    expect(created.json.token).toMatch(/^praxis_/);
    expect((await api("GET", "/me", created.json.token)).json.username).toBe("bmod");
    const rootTokenId = (await api("GET", "/me", tokens.root)).json.tokenId;
    expect((await api("DELETE", `/tokens/${rootTokenId}`, tokens.bmod)).status).toBe(403);
    expect((await api("DELETE", `/tokens/${created.json.id}`, tokens.bmod)).status).toBe(204);
    expect((await api("GET", "/me", created.json.token)).status).toBe(401);
  });
});
