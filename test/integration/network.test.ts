// The fractal network over real signed HTTP: DESIGN.md's reference scenario
// on four Praxis servers, the attacks the protocol must withstand, and relay
// counts on a diamond.
import { Add, Announce, PUBLIC_COLLECTION } from "@fedify/vocab";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveMember } from "../../src/operations/members.ts";
import { removePost } from "../../src/operations/moderation.ts";
import { inviteChild, listLinks, listRequests, networkTree, promotePost, requestParent } from "../../src/operations/links.ts";
import { sleep, waitFor } from "../support/net.ts";
import { boostsOf, community, link, objectIdOf, type Place, TEST_ACTOR } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const servers: TestPraxis[] = [];
/** What the servers' inboxes logged as ignored (with the reason's values). */
const ignored: LogRecord[] = [];
const start = async (overrides: Record<string, unknown> = {}) => {
  const s = await startPraxis({ network: { maxDepth: 3 }, ...overrides });
  servers.push(s);
  return s;
};

async function networkPost(p: Place, objectUri: string) {
  const c = await p.server.services.repos.communities.findBySlug(p.slug);
  return p.server.services.repos.networkPosts.find(c!.id, objectUri);
}

async function treeUris(p: Place) {
  const t = await networkTree(p.server, p.slug);
  const flat = (nodes: typeof t.ancestors): string[] => nodes.flatMap((n) => [n.node.uri, ...flat(n.next)]);
  return { up: flat(t.ancestors), down: flat(t.descendants), tree: t };
}

describe("reference scenario: international ⊃ national ⊃ two locals, on four servers", () => {
  let world: Place, france: Place, lyon: Place, lille: Place;
  let peer: Peer;

  beforeAll(async () => {
    await configure({
      reset: true,
      sinks: { memory: (record) => { if (String(record.message[0]).startsWith("Ignoring ")) ignored.push(record); } },
      loggers: [
        { category: ["praxis", "federation", "inbox"], lowestLevel: "info", sinks: ["memory"] },
        { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      ],
    });
    const [s1, s2, s3, s4] = [await start(), await start(), await start(), await start()];
    peer = await startPeer({ users: ["alice", "bob", "mallory", "dana"] });
    world = await community(s1, "world", { scale: "international" });
    france = await community(s2, "france", { scale: "national" });
    lyon = await community(s3, "lyon");
    lille = await community(s4, "lille");
    // Child-initiated, parent-initiated, and auto-approved by host.
    await link(world, france, "request");
    await link(france, lyon, "invite");
    const { updateNetworkSettings } = await import("../../src/operations/links.ts");
    await updateNetworkSettings(s2, "france", { autoApprove: [new URL(s4.origin).host] }, TEST_ACTOR);
    await requestParent(s4, "lille", france.uri, TEST_ACTOR);
    const { waitLinked } = await import("../support/network.ts");
    await waitLinked(france, lille);
    expect(await listRequests(s2, "france")).toEqual([]);
  });

  afterAll(async () => {
    await peer?.stop();
    await reset();
  });

  it("publishes both link collections and a verified tree across servers", async () => {
    const group = await (await fetch(france.uri, { headers: { Accept: "application/activity+json" } })).json();
    expect(group.parentCommunities).toBe(`${france.uri}/parents`);
    expect(group.subcommunities).toBe(`${france.uri}/subcommunities`);
    expect(JSON.stringify(group["@context"])).toContain("https://w3id.org/praxis/ns#");
    const partOf = group.attachment.find((f: any) => f.name === "Part of");
    expect(partOf.value).toContain(world.uri);
    const subs = await (await fetch(group.subcommunities, { headers: { Accept: "application/activity+json" } })).json();
    const ids = subs.orderedItems.map((i: any) => (typeof i === "string" ? i : i.id));
    expect(ids.sort()).toEqual([lille.uri, lyon.uri].sort());

    // Lyon approved France's invitation: its profile names France once France's side is verified.
    const lyonGroup = await (await fetch(lyon.uri, { headers: { Accept: "application/activity+json" } })).json();
    expect(lyonGroup.attachment.find((f: any) => f.name === "Part of")?.value).toContain(france.uri);

    const fromLyon = await treeUris(lyon);
    expect(fromLyon.up).toEqual([france.uri, world.uri]);
    const fromWorld = await treeUris(world);
    expect(fromWorld.down.sort()).toEqual([france.uri, lille.uri, lyon.uri].sort());
    expect(fromWorld.tree.descendants[0].node.name).toBe("France");
  });

  it("rolls a post up, and after promotion a follower of the other local sees exactly one boost, then its undo", async () => {
    await peer.follow("alice", lyon.uri);
    await peer.follow("bob", lille.uri);
    await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === lille.uri).length > 0, "bob's Accept");
    await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === lyon.uri).length > 0, "alice's Accept");

    const { noteId } = await peer.post("alice", { content: "Our method for peer reviews", mention: [lyon.uri] });
    const rolled = await waitFor(() => networkPost(france, noteId), "France to roll up Lyon's post");
    expect(rolled.direction).toBe("up");
    expect(rolled.via_uri).toBe(lyon.uri);
    // Rolled up, not re-announced: Lille's follower has seen nothing.
    await sleep(500);
    expect(boostsOf(peer.received, noteId).get(lille.uri)).toBeUndefined();

    const getsBefore = peer.signedGets.length;
    await promotePost(france.server, "france", noteId, TEST_ACTOR);
    await waitFor(() => boostsOf(peer.received, noteId).get(lille.uri), "Lille to cascade France's promotion");
    await waitFor(() => networkPost(world, noteId), "World to roll up France's promotion");
    await sleep(1000);
    // Lille fetched the post from its author's server to cascade it, once
    // and signed (ahead of its handler, which took that answer); Lyon,
    // whose own post came back, did not fetch it again; nor did France,
    // to which Lille's boost is not sent back.
    const notePath = new URL(noteId).pathname;
    const fetchedBy = (p: Place) => peer.signedGets.slice(getsBefore).filter((g) => g.path === notePath && g.keyId?.startsWith(`${p.server.origin}/`));
    expect(fetchedBy(lille)).toHaveLength(1);
    expect(peer.signedGets.slice(getsBefore).filter((g) => g.path === notePath && g.keyId === null)).toEqual([]);
    expect(fetchedBy(lyon)).toEqual([]);
    expect(fetchedBy(france)).toEqual([]);
    // Nor was France's boost sent back to Lyon, whose own post it is: Lyon
    // would only have ignored it.
    expect(ignored.filter((r) => r.properties.object === noteId && r.properties.actor === france.uri)).toEqual([]);
    const boosts = boostsOf(peer.received.filter((r) => r.recipient === null || r.recipient.includes("/bob")), noteId);
    expect(boosts.get(lille.uri)).toBe(1);
    // Promoting twice is refused: a community announces an object at most once.
    await expect(promotePost(france.server, "france", noteId, TEST_ACTOR)).rejects.toThrow(/at most once/);

    await peer.remove("alice", noteId, [lyon.uri]);
    const undo = await waitFor(() => peer.receivedOf("Undo", (r) => r.actor === lille.uri && objectIdOf(r.json.object) === noteId)[0],
      "Lille's Undo(Announce) after the author deleted the post");
    expect(undo.json.object.type).toBe("Announce");
    await waitFor(async () => (await networkPost(world, noteId))?.withdrawn_at, "World to withdraw the post");
    expect((await networkPost(france, noteId))?.withdrawn_at).toBeTruthy();
    await sleep(500);
    expect(peer.receivedOf("Undo", (r) => r.actor === lille.uri && objectIdOf(r.json.object) === noteId)).toHaveLength(1);
  });

  it("withdraws every announce along the chain when a moderator removes the post in its home community", async () => {
    const { noteId } = await peer.post("alice", { content: "An off-topic advert", mention: [lyon.uri] });
    await waitFor(() => networkPost(france, noteId), "France to roll it up");
    await promotePost(france.server, "france", noteId, TEST_ACTOR);
    await waitFor(() => boostsOf(peer.received, noteId).get(lille.uri), "Lille to cascade it");
    await removePost(lyon.server, "lyon", noteId, TEST_ACTOR, { reason: "Advertising" });
    await waitFor(() => peer.receivedOf("Undo", (r) => r.actor === lille.uri && objectIdOf(r.json.object) === noteId)[0],
      "Lille to withdraw its boost after Lyon's removal");
    expect((await networkPost(france, noteId))?.withdrawn_at).toBeTruthy();
    await waitFor(async () => (await networkPost(world, noteId))?.withdrawn_at, "World to withdraw it");
  });

  it("promotes a rolled-up post automatically when it carries a promotion tag", async () => {
    const { updateNetworkSettings } = await import("../../src/operations/links.ts");
    await updateNetworkSettings(france.server, "france", { promoteTags: ["BestPractice"] }, TEST_ACTOR);
    const { noteId } = await peer.post("alice", { content: "Checklist #bestpractice", mention: [lyon.uri], hashtags: ["bestpractice"] });
    await waitFor(() => boostsOf(peer.received, noteId).get(lille.uri), "Lille to cascade France's automatic promotion");
    expect((await networkPost(france, noteId))?.promoted_at).toBeTruthy();
    const { noteId: plain } = await peer.post("alice", { content: "Just a note", mention: [lyon.uri] });
    await waitFor(() => networkPost(france, plain), "France to roll up the untagged post");
    await sleep(500);
    expect(boostsOf(peer.received, plain).get(lille.uri)).toBeUndefined();
    await updateNetworkSettings(france.server, "france", { promoteTags: [] }, TEST_ACTOR);
  });

  it("ignores a forged one-sided parent claim everywhere", async () => {
    const s5 = await start();
    const evil = await community(s5, "evil");
    // Evil's server claims World as parent without any handshake.
    const repos = s5.services.repos;
    const evilRow = await repos.communities.findBySlug("evil");
    await repos.links.put({ communityId: evilRow!.id, peerUri: world.uri, relation: "parent", status: "accepted", initiator: "local", requestUri: null });
    const claim = await (await fetch(`${evil.uri}/parents`, { headers: { Accept: "application/activity+json" } })).json();
    expect(JSON.stringify(claim)).toContain(world.uri);

    expect((await treeUris(evil)).up).toEqual([]);
    expect((await treeUris(world)).down).not.toContain(evil.uri);
    // It pushes an announce straight into World's inbox: not rolled up.
    const { noteId } = await peer.post("mallory", { content: "spam", mention: [evil.uri], deliverTo: [] });
    const ctx = s5.federation.createContext(new URL(s5.origin), s5.services);
    const worldActor = await ctx.lookupObject(world.uri);
    await ctx.sendActivity({ identifier: "evil" }, worldActor as any, new Announce({
      id: new URL(`${evil.uri}/activities/${crypto.randomUUID()}`), actor: new URL(evil.uri), object: new URL(noteId), to: PUBLIC_COLLECTION,
    }), { immediate: true });
    await sleep(800);
    expect(await networkPost(world, noteId)).toBeNull();
    expect((await listLinks(world.server, "world")).map((l) => l.peer)).not.toContain(evil.uri);
  });

  it("rejects a cycle across three servers, on the asking side and on the receiving side", async () => {
    // Lyon (server 3) inviting World (server 1) as its sub-community would close World ⊃ France ⊃ Lyon ⊃ World.
    await expect(inviteChild(lyon.server, "lyon", world.uri, TEST_ACTOR)).rejects.toThrow(/cycle/);
    // A server that skips the check: World must refuse by itself.
    const ctx = lyon.server.federation.createContext(new URL(lyon.server.origin), lyon.server.services);
    const worldActor = await ctx.lookupObject(world.uri);
    await ctx.sendActivity({ identifier: "lyon" }, worldActor as any, new Add({
      id: new URL(`${lyon.uri}/links/${crypto.randomUUID()}`), actor: new URL(lyon.uri), object: new URL(lyon.uri),
      target: new URL(`${world.uri}/parents`),
    }), { immediate: true });
    const refused = await waitFor(async () => (await world.server.services.repos.audit.list())
      .find((e) => e.action === "link.refused" && e.target === lyon.uri), "World to refuse the cycle");
    expect(JSON.parse(refused.details).reason).toBe("cycle");
    expect((await listLinks(world.server, "world")).map((l) => l.peer)).not.toContain(lyon.uri);
  });

  it("caps the depth of the network", async () => {
    // World ⊃ France ⊃ Lyon is three levels, the cap in these servers.
    await community(lyon.server, "croix-rousse");
    await expect(requestParent(lyon.server, "croix-rousse", lyon.uri, TEST_ACTOR)).rejects.toThrow(/4 levels deep; the limit is 3/);
    // A community with a child of its own asks, skipping the check, to join under Lyon: Lyon refuses.
    const s6 = await start();
    const top = await community(s6, "top");
    const bottom = await community(s6, "bottom");
    await link(top, bottom);
    const ctx = s6.federation.createContext(new URL(s6.origin), s6.services);
    await ctx.sendActivity({ identifier: "top" }, (await ctx.lookupObject(lyon.uri)) as any, new Add({
      id: new URL(`${top.uri}/links/${crypto.randomUUID()}`), actor: new URL(top.uri), object: new URL(top.uri),
      target: new URL(`${lyon.uri}/subcommunities`),
    }), { immediate: true });
    await waitFor(async () => (await lyon.server.services.repos.audit.list())
      .find((e) => e.action === "link.refused" && e.target === top.uri && JSON.parse(e.details).reason === "too-deep"), "Lyon to refuse a too deep link");
    expect((await listLinks(lyon.server, "lyon")).map((l) => l.peer)).not.toContain(top.uri);
  });

  it("never rolls a closed child's posts up into a public parent", async () => {
    const secret = await community(lyon.server, "secret", { closed: true });
    await link(france, secret);
    await peer.follow("dana", secret.uri);
    await waitFor(async () => (await lyon.server.services.repos.memberships.list(
      (await lyon.server.services.repos.communities.findBySlug("secret"))!.id, "pending")).length > 0, "Dana's join request");
    await approveMember(lyon.server, "secret", peer.userUri("dana"));
    await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === secret.uri).length > 0, "Dana's Accept");
    const { noteId } = await peer.post("dana", { content: "inside the closed circle", mention: [secret.uri] });
    // The post is relayed inside Secret (Dana receives the boost)…
    await waitFor(() => boostsOf(peer.received, noteId).get(secret.uri), "Secret to relay Dana's post");
    // …but France does not follow a closed child, and refuses it if pushed.
    const ctx = lyon.server.federation.createContext(new URL(lyon.server.origin), lyon.server.services);
    await ctx.sendActivity({ identifier: "secret" }, (await ctx.lookupObject(france.uri)) as any, new Announce({
      id: new URL(`${secret.uri}/activities/${crypto.randomUUID()}`), actor: new URL(secret.uri), object: new URL(noteId), to: PUBLIC_COLLECTION,
    }), { immediate: true });
    await sleep(800);
    expect(await networkPost(france, noteId)).toBeNull();
  });

  it("refuses a link request from an actor that is not the Group", async () => {
    await peer.send("mallory", new Add({
      id: new URL(`${peer.userUri("mallory")}/adds/${crypto.randomUUID()}`), actor: new URL(peer.userUri("mallory")),
      object: new URL(lyon.uri), target: new URL(`${france.uri}/subcommunities`),
    }), [france.uri]);
    await peer.send("mallory", new Add({
      id: new URL(`${peer.userUri("mallory")}/adds/${crypto.randomUUID()}`), actor: new URL(peer.userUri("mallory")),
      object: new URL(peer.userUri("mallory")), target: new URL(`${france.uri}/subcommunities`),
    }), [france.uri]);
    await sleep(800);
    expect(await listRequests(france.server, "france")).toEqual([]);
    expect((await listLinks(france.server, "france")).map((l) => l.peer)).not.toContain(peer.userUri("mallory"));
  });
});

describe("relay counts on a diamond: one local with two parents sharing a grandparent", () => {
  it("announces each object at most once per community, and withdraws every announce on delete", async () => {
    const [s1, s2, s3] = [await start(), await start(), await start()];
    const peer = await startPeer({ users: ["alice", "carol"] });
    try {
      const g = await community(s1, "europe", { scale: "international" });
      const r1 = await community(s2, "west", { scale: "regional" });
      const r2 = await community(s3, "east", { scale: "regional" });
      const l = await community(s3, "border");
      await link(g, r1);
      await link(g, r2, "invite");
      await link(r1, l);
      await link(r2, l);
      expect((await treeUris(l)).up.sort()).toEqual([g.uri, g.uri, r1.uri, r2.uri].sort());
      for (const c of [g, r1, r2, l]) await peer.follow("carol", c.uri);
      await peer.follow("alice", l.uri);
      await waitFor(() => peer.receivedOf("Accept").length >= 5, "all follows accepted");

      const { noteId } = await peer.post("alice", { content: "A practice worth spreading", mention: [l.uri] });
      await waitFor(async () => (await networkPost(r1, noteId)) && (await networkPost(r2, noteId)), "both parents to roll it up");
      await promotePost(s2, "west", noteId, TEST_ACTOR);
      await waitFor(() => networkPost(g, noteId), "the grandparent to roll up West's promotion");
      await promotePost(s1, "europe", noteId, TEST_ACTOR);
      // East cascades Europe's promotion, so its own promotion is refused.
      await waitFor(() => boostsOf(peer.received, noteId).get(r2.uri), "East to cascade Europe's promotion");
      await expect(promotePost(s3, "east", noteId, TEST_ACTOR)).rejects.toThrow(/at most once/);
      await sleep(1500);
      const boosts = boostsOf(peer.received.filter((r) => r.recipient === null || r.recipient.includes("/carol")), noteId);
      expect(Object.fromEntries(boosts)).toEqual({ [l.uri]: 1, [r1.uri]: 1, [r2.uri]: 1, [g.uri]: 1 });
      for (const s of [s1, s2, s3]) {
        const rows = await s.services.db.selectFrom("community_activities").select(["community_id"])
          .where("source_uri", "=", noteId).where("kind", "=", "boost").execute();
        expect(new Set(rows.map((r) => r.community_id)).size).toBe(rows.length);
      }

      await peer.remove("alice", noteId, [l.uri]);
      await waitFor(() => {
        const undone = new Set(peer.receivedOf("Undo", (r) => objectIdOf(r.json.object) === noteId).map((r) => r.actor));
        return [l.uri, r1.uri, r2.uri, g.uri].every((u) => undone.has(u));
      }, "every community to undo its announce");
    } finally {
      await peer.stop();
    }
  }, 150_000); // three servers and a dozen hops: ~11 s alone, several times that on a loaded machine
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});
