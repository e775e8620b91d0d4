// The admin API's moderation and fractal-network endpoints over real HTTP:
// a moderator's token bans, removes posts and handles reports in its own
// community only, with a Fedify peer playing the members' server; and two
// Praxis servers linked through the API.
import { Flag } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createToken } from "../../src/operations/accounts.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { listMembers } from "../../src/operations/members.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { listReports } from "../../src/operations/moderation.ts";
import { waitFor } from "../support/net.ts";
import { community, type Place, waitLinked } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const BY = "test";
let praxis: TestPraxis;
let other: TestPraxis;
let peer: Peer;
let makers: string;
const tokens: Record<string, string> = {};
let otherRoot: string;

beforeAll(async () => {
  praxis = await startPraxis({ network: { maxDepth: 3 } });
  other = await startPraxis({ network: { maxDepth: 3 } });
  peer = await startPeer({ users: ["alice", "bob", "carol", "dave"] });
  await createCommunity(praxis, "makers", { name: "Makers" });
  await createCommunity(praxis, "news", { name: "News" });
  makers = `${praxis.origin}/c/makers`;
  await createAccount(praxis, { username: "root", role: "operator" }, BY);
  await createAccount(praxis, { username: "mmod" }, BY);
  await createAccount(praxis, { username: "nmod" }, BY);
  await addModerator(praxis, "makers", "mmod", BY);
  await addModerator(praxis, "news", "nmod", BY);
  for (const u of ["root", "mmod", "nmod"]) tokens[u] = (await createToken(praxis, u, null, BY)).token;
  await createAccount(other, { username: "root", role: "operator" }, BY);
  otherRoot = (await createToken(other, "root", null, BY)).token;
  for (const user of ["alice", "bob", "carol", "dave"]) await peer.follow(user, makers);
  await waitFor(async () => (await listMembers(praxis, "makers", false)).length === 4, "four members");
});

afterAll(async () => {
  await peer?.stop();
  await other?.stop();
  await praxis?.stop();
});

async function api(method: string, path: string, token: string, body?: unknown, server: TestPraxis = praxis) {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${server.origin}/api/v1/admin${path}`, {
    method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const objectId = (o: any): string | undefined => (typeof o === "string" ? o : o?.id);

async function boostedPost(user: string, content: string) {
  const post = await peer.post(user, { content, mention: [makers] });
  await waitFor(() => peer.receivedOf("Announce", (r) => r.actor === makers && r.json.object === post.noteId)[0], "boost");
  return post;
}

async function sendReport(objects: string[], comment: string) {
  const flag = new Flag({
    id: new URL(`${peer.origin}/${crypto.randomUUID()}`), actor: new URL(peer.userUri("alice")),
    objects: objects.map((o) => new URL(o)), content: comment,
  });
  await peer.send("alice", flag, [`${praxis.origin}/actor`], { sharedInbox: true });
  return waitFor(async () => (await listReports(praxis, { all: true })).find((r) => r.comment === comment), `report "${comment}"`);
}

describe("bans and members", () => {
  it("lets a moderator ban a member (201, listed, Block federated) and lift the ban", async () => {
    const bob = peer.userUri("bob");
    const banned = await api("POST", "/communities/makers/bans", tokens.mmod, { actor: bob, reason: "Spam", expires: "2099-01-01" });
    expect(banned.status).toBe(201);
    expect(banned.json).toMatchObject({ actorUri: bob, reason: "Spam", active: true, bannedBy: "account:mmod", expiresAt: "2099-01-01T00:00:00.000Z" });
    const list = await api("GET", "/communities/makers/bans", tokens.mmod);
    expect(list.status).toBe(200);
    expect(list.json.bans.map((b: { actorUri: string }) => b.actorUri)).toEqual([bob]);
    await waitFor(() => peer.receivedOf("Block", (r) => r.json.object === bob)[0], "the Block reaches bob");
    expect((await listMembers(praxis, "makers", false)).some((m) => m.actorUri === bob)).toBe(false);

    expect((await api("DELETE", `/communities/makers/bans/${encodeURIComponent(bob)}`, tokens.mmod)).status).toBe(204);
    expect((await api("GET", "/communities/makers/bans", tokens.mmod)).json.bans).toEqual([]);
    expect((await api("DELETE", `/communities/makers/bans/${encodeURIComponent(bob)}`, tokens.mmod)).status).toBe(404);
    const audit = await api("GET", "/audit?community=makers", tokens.mmod);
    const actions = audit.json.entries.map((e: { actor: string; action: string }) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(expect.arrayContaining(["account:mmod member.ban", "account:mmod member.unban"]));
  });

  it("removes a member, who receives Reject(Follow)", async () => {
    const dave = peer.userUri("dave");
    expect((await api("DELETE", `/communities/makers/members/${encodeURIComponent(dave)}`, tokens.mmod)).status).toBe(204);
    await waitFor(() => peer.receivedOf("Reject", (r) => r.actor === makers && JSON.stringify(r.json).includes(dave))[0], "Reject");
    expect((await listMembers(praxis, "makers", false)).some((m) => m.actorUri === dave)).toBe(false);
    expect((await api("DELETE", `/communities/makers/members/${encodeURIComponent(dave)}`, tokens.mmod)).status).toBe(404);
  });
});

describe("posts", () => {
  it("removes a post (gone from the page, Undo(Announce) federated), restores, pins and locks it", async () => {
    const post = await boostedPost("alice", "<p>Buy cheap watches</p>");
    const removed = await api("POST", "/communities/makers/posts/remove", tokens.mmod, { object: post.noteId, reason: "Advertising" });
    expect(removed.status).toBe(200);
    expect(removed.json).toMatchObject({ object: post.noteId, removalReason: "Advertising" });
    expect(removed.json.removedAt).toMatch(/^\d{4}-/);
    await waitFor(() => peer.receivedOf("Undo", (r) => r.actor === makers && r.json.object?.type === "Announce"
      && objectId(r.json.object.object) === post.noteId)[0], "Undo(Announce)");
    expect(await (await fetch(makers)).text()).not.toContain("cheap watches");
    expect((await api("POST", "/communities/makers/posts/remove", tokens.mmod, { object: post.noteId })).json.field).toBe("object");

    const restored = await api("POST", "/communities/makers/posts/restore", tokens.mmod, { object: post.noteId });
    expect(restored.json.removedAt).toBeNull();
    expect((await api("POST", "/communities/makers/posts/pin", tokens.mmod, { object: post.noteId })).json.pinnedAt).toMatch(/^\d{4}-/);
    expect((await api("POST", "/communities/makers/posts/unpin", tokens.mmod, { object: post.noteId })).json.pinnedAt).toBeNull();
    expect((await api("POST", "/communities/makers/posts/lock", tokens.mmod, { object: post.noteId, reason: "Heated" })).json.lockedAt).toMatch(/^\d{4}-/);
    expect((await api("POST", "/communities/makers/posts/unlock", tokens.mmod, { object: post.noteId })).json.lockedAt).toBeNull();
    expect((await api("POST", "/communities/makers/posts/pin", tokens.mmod, { object: "https://nowhere.example/1" })).status).toBe(404);
  });

  it("turns announcement-only on and off", async () => {
    const on = await api("PUT", "/communities/makers/settings/announcement-only", tokens.mmod, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.json).toEqual({ announcementOnly: true });
    expect((await api("GET", "/communities/makers", tokens.mmod)).json.announcementOnly).toBe(true);
    expect((await api("PUT", "/communities/makers/settings/announcement-only", tokens.mmod, { enabled: false })).json.announcementOnly).toBe(false);
  });
});

describe("reports", () => {
  it("shows a moderator only its communities' reports, and the instance's to operators", async () => {
    const post = await boostedPost("carol", "Dodgy wiring advice");
    const report = await sendReport([peer.userUri("carol"), post.noteId], "This is dangerous");
    expect(report.community).toBe("makers");
    const instanceReport = await sendReport([peer.userUri("bob")], "Impersonation");
    expect(instanceReport.community).toBeNull();

    const mine = await api("GET", "/reports", tokens.mmod);
    expect(mine.json.reports.map((r: { id: string }) => r.id)).toEqual([report.id]);
    expect((await api("GET", "/reports", tokens.nmod)).json.reports).toEqual([]);
    const all = await api("GET", "/reports", tokens.root);
    expect(all.json.reports.map((r: { id: string }) => r.id).sort()).toEqual([report.id, instanceReport.id].sort());

    // Another community's report, or one about no community, is not a moderator's.
    for (const [token, id] of [[tokens.nmod, report.id], [tokens.mmod, instanceReport.id]]) {
      for (const action of ["resolve", "dismiss", "forward"]) {
        const r = await api("POST", `/reports/${id}/${action}`, token, {});
        expect(r.status, `${action} ${id}`).toBe(403);
        expect(r.json.error).toBe("forbidden");
      }
    }
    expect((await api("GET", "/reports?community=makers", tokens.nmod)).status).toBe(403);

    expect((await api("POST", `/reports/${report.id}/resolve`, tokens.mmod, { removePost: "yes" })).json.field).toBe("removePost");
    const resolved = await api("POST", `/reports/${report.id}/resolve`, tokens.mmod, { removePost: true, forward: true });
    expect(resolved.status).toBe(200);
    expect(resolved.json).toMatchObject({ id: report.id, status: "resolved", resolvedBy: "account:mmod" });
    expect(resolved.json.forwardedAt).toBeTruthy();
    await waitFor(() => peer.receivedOf("Flag", (r) => r.actor === `${praxis.origin}/actor`)[0], "forwarded Flag");
    expect((await api("POST", `/reports/${report.id}/dismiss`, tokens.mmod, {})).json.field).toBe("id");
    const closed = await api("GET", "/reports?community=makers&status=resolved", tokens.mmod);
    expect(closed.json.reports.map((r: { id: string }) => r.id)).toEqual([report.id]);

    const dismissed = await api("POST", `/reports/${instanceReport.id}/dismiss`, tokens.root);
    expect(dismissed.json).toMatchObject({ status: "dismissed", resolvedBy: "account:root" });
    expect((await api("POST", `/reports/${crypto.randomUUID()}/dismiss`, tokens.root)).status).toBe(404);
  });
});

describe("scope and validation", () => {
  it("refuses a moderator another community's moderation and network (403)", async () => {
    const carol = encodeURIComponent(peer.userUri("carol"));
    for (const [method, path, body] of [
      ["GET", "/communities/makers/bans"],
      ["POST", "/communities/makers/bans", { actor: peer.userUri("carol") }],
      ["DELETE", `/communities/makers/bans/${carol}`],
      ["DELETE", `/communities/makers/members/${carol}`],
      ["POST", "/communities/makers/posts/remove", { object: "https://x.example/1" }],
      ["PUT", "/communities/makers/settings/announcement-only", { enabled: true }],
      ["GET", "/communities/makers/links"],
      ["POST", "/communities/makers/links", { parent: "@x@y.example" }],
      ["GET", "/communities/makers/network-settings"],
      ["PATCH", "/communities/makers/network-settings", { cascade: false }],
      ["GET", "/communities/makers/tree"],
    ] as const) {
      const r = await api(method, path, tokens.nmod, body);
      expect(r.status, `${method} ${path}`).toBe(403);
    }
  });

  it("answers 400 naming the field", async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ["POST", "/communities/makers/bans", {}, "actor"],
      ["POST", "/communities/makers/bans", { actor: "nobody" }, "actor"],
      ["POST", "/communities/makers/bans", { actor: peer.userUri("carol"), expires: "yesterday" }, "expires"],
      ["POST", "/communities/makers/bans", { actor: peer.userUri("carol"), until: "2099-01-01" }, "until"],
      ["POST", "/communities/makers/bans", { actor: peer.userUri("carol"), reason: "x".repeat(1001) }, "reason"],
      ["POST", "/communities/makers/posts/remove", { object: "not a uri" }, "object"],
      ["POST", "/communities/makers/posts/pin", {}, "object"],
      ["PUT", "/communities/makers/settings/announcement-only", { enabled: "yes" }, "enabled"],
      ["GET", "/reports?status=closed", undefined, "status"],
      ["POST", "/reports/not-an-id/dismiss", undefined, "id"],
      ["POST", "/communities/makers/links", {}, "parent"],
      ["POST", "/communities/makers/links", { parent: "@a@b.example", child: "@c@d.example" }, "child"],
      ["POST", "/communities/makers/links", { parent: "just words" }, "parent"],
      ["DELETE", "/communities/makers/links", undefined, "peer"],
      ["POST", "/communities/makers/promotions", { object: "https://x.example/1" }, "object"],
      ["PATCH", "/communities/makers/network-settings", {}, "body"],
      ["PATCH", "/communities/makers/network-settings", { cascade: "no" }, "cascade"],
      ["PATCH", "/communities/makers/network-settings", { autoApprove: ["not a host!"] }, "autoApprove"],
      ["PATCH", "/communities/makers/network-settings", { depth: 3 }, "depth"],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await api(method, path, tokens.root, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json.field, `${method} ${path} ${JSON.stringify(body)}`).toBe(field);
      expect(r.json.message).toContain(field);
    }
  });

  it("answers 502 when the other community's server cannot be reached", async () => {
    const r = await api("POST", "/communities/makers/links", tokens.root, { parent: "@nobody@127.0.0.1:1" });
    expect(r.status).toBe(502);
    expect(r.json.error).toBe("peer_unreachable");
    expect(r.json.message).toContain("@nobody@127.0.0.1:1");
  });
});

describe("the fractal network", () => {
  let region: Place;
  let town: Place;

  beforeAll(async () => {
    region = await community(other, "region", { scale: "national" });
    town = await community(praxis, "town");
  });

  it("links two communities on two servers: a request, then the parent's approval", async () => {
    const asked = await api("POST", "/communities/town/links", tokens.root, { parent: region.uri });
    expect(asked.status).toBe(201);
    expect(asked.json).toMatchObject({ peer: region.uri, relation: "parent", status: "outgoing", initiator: "local" });
    const request = await waitFor(async () => (await api("GET", "/communities/region/links/requests", otherRoot, undefined, other))
      .json.requests.find((r: { peer: string; status: string }) => r.peer === town.uri && r.status === "incoming"), "the request");
    expect(request.relation).toBe("child");
    const approved = await api("POST", `/communities/region/links/requests/${request.id}/approve`, otherRoot, undefined, other);
    expect(approved.status).toBe(200);
    await waitLinked(region, town);
    const links = await api("GET", "/communities/town/links", tokens.root);
    expect(links.json.links).toEqual([expect.objectContaining({ peer: region.uri, relation: "parent", status: "active" })]);
    const tree = await api("GET", "/communities/town/tree", tokens.root);
    expect(tree.status).toBe(200);
    expect(tree.json.community.uri).toBe(town.uri);
    expect(tree.json.ancestors.map((n: { node: { uri: string } }) => n.node.uri)).toEqual([region.uri]);
    const down = await api("GET", "/communities/region/tree", otherRoot, undefined, other);
    expect(down.json.descendants.map((n: { node: { uri: string } }) => n.node.uri)).toEqual([town.uri]);

    const audit = await api("GET", "/audit?community=region", otherRoot, undefined, other);
    expect(audit.json.entries.map((e: { actor: string; action: string }) => `${e.actor} ${e.action}`)).toContain("account:root link.approve");
  });

  it("declines and unlinks", async () => {
    const hamlet = await community(praxis, "hamlet");
    await api("POST", "/communities/hamlet/links", tokens.root, { parent: region.uri });
    const request = await waitFor(async () => (await api("GET", "/communities/region/links/requests", otherRoot, undefined, other))
      .json.requests.find((r: { peer: string }) => r.peer === hamlet.uri), "the second request");
    const declined = await api("POST", `/communities/region/links/requests/${request.id}/decline`, otherRoot, { reason: "Not ours" }, other);
    expect(declined.status).toBe(200);
    await waitFor(async () => (await api("GET", "/communities/hamlet/links/requests", tokens.root)).json.requests.length === 0, "the decline");
    expect((await api("POST", `/communities/region/links/requests/${request.id}/approve`, otherRoot, undefined, other)).status).toBe(404);

    const unlinked = await api("DELETE", `/communities/town/links?peer=${encodeURIComponent(region.uri)}`, tokens.root);
    expect(unlinked.status).toBe(200);
    expect((await api("GET", "/communities/town/links", tokens.root)).json.links).toEqual([]);
    expect((await api("DELETE", `/communities/town/links?peer=${encodeURIComponent(region.uri)}`, tokens.root)).status).toBe(404);
  });

  it("reads and updates the network settings", async () => {
    const before = await api("GET", "/communities/town/network-settings", tokens.root);
    expect(before.status).toBe(200);
    expect(Object.keys(before.json).sort()).toEqual(["autoApprove", "cascade", "promoteTags"]);
    const patched = await api("PATCH", "/communities/town/network-settings", tokens.root,
      { cascade: !before.json.cascade, autoApprove: ["cop.example"], promoteTags: ["#Gardening"] });
    expect(patched.status).toBe(200);
    expect(patched.json).toEqual({ cascade: !before.json.cascade, autoApprove: ["cop.example"], promoteTags: ["gardening"] });
    expect((await api("GET", "/communities/town/network-settings", tokens.root)).json).toEqual(patched.json);
    const partial = await api("PATCH", "/communities/town/network-settings", tokens.root, { promoteTags: [] });
    expect(partial.json).toEqual({ ...patched.json, promoteTags: [] });
  });
});
