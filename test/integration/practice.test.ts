// Practice statuses over real signed HTTP: a child community on server 1
// linked to a parent on server 2, a Fedify peer whose users follow both.
// A best practice marked in the child is offered to the parent (and
// promotable there); a parent's best practice reaches the child, which
// lists it as inherited; Mastodon followers see the status as a hashtag.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/operations/accounts.ts";
import { promotePost } from "../../src/operations/links.ts";
import { listPractice, markPractice, practiceOffers } from "../../src/operations/practice.ts";
import { addResource } from "../../src/operations/resources.ts";
import { waitFor } from "../support/net.ts";
import { boostsOf, community, link, objectIdOf, type Place, TEST_ACTOR } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const NS = "https://w3id.org/praxis/ns#";
const servers: TestPraxis[] = [];
let peer: Peer;
let lyon: Place, france: Place;

const tagNames = (o: any) => (Array.isArray(o?.tag) ? o.tag : o?.tag ? [o.tag] : []).map((t: any) => t.name);
const statusOf = (o: any) => o?.[`${NS}practiceStatus`] ?? o?.practiceStatus;
const idOf = (v: any) => (typeof v === "string" ? v : v?.id ?? v?.["@id"] ?? null);
const practiceOf = (o: any) => idOf(o?.[`${NS}practiceOf`] ?? o?.practiceOf);

beforeAll(async () => {
  servers.push(await startPraxis(), await startPraxis());
  peer = await startPeer({ users: ["alice", "bob"] });
  lyon = await community(servers[0], "lyon");
  france = await community(servers[1], "france", { scale: "national" });
  await link(france, lyon, "request");
  await peer.follow("alice", lyon.uri);
  await peer.follow("bob", france.uri);
  await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === lyon.uri).length > 0, "alice's Accept");
  await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === france.uri).length > 0, "bob's Accept");
}, 60_000);

afterAll(async () => {
  await peer?.stop();
  for (const s of servers) await s.stop();
});

describe("a best practice in the child", () => {
  it("on its own resource: Update with the status and hashtag, offered to the parent, promotable there", async () => {
    const r = await addResource(servers[0], "lyon", { title: "Onboarding kit", url: "https://example.org/kit", kind: "tool" }, TEST_ACTOR);
    await waitFor(async () => {
      const c = await servers[1].services.repos.communities.findBySlug("france");
      return servers[1].services.repos.networkPosts.find(c!.id, r.uri);
    }, "France to roll up the resource");
    await expect(markPractice(servers[0], "lyon", r.uri, { status: "best-practice" }, TEST_ACTOR)).rejects.toThrow(/^status: .*evaluated/);
    await markPractice(servers[0], "lyon", r.uri, { status: "evaluated" }, TEST_ACTOR);
    await markPractice(servers[0], "lyon", r.uri, { status: "best-practice" }, TEST_ACTOR);
    const update = await waitFor(() => peer.receivedOf("Update", (u) => u.actor === lyon.uri && objectIdOf(u.json) === r.uri)
      .find((u) => statusOf(u.json.object) === "best-practice"), "the Update carrying best-practice");
    expect(tagNames(update.json.object)).toContain("#BestPractice");
    expect(update.json.object.content).toContain("#<span>BestPractice</span>");
    const served = await (await fetch(r.uri, { headers: { Accept: "application/activity+json" } })).json();
    expect(served.practiceStatus).toBe("best-practice");

    const offer = await waitFor(async () => (await practiceOffers(servers[1], "france")).find((o) => o.object === r.uri), "France's offer");
    expect(offer).toMatchObject({ status: "best-practice", origin: lyon.uri, source: "offered", promotable: true, promoted: false });
    await promotePost(servers[1], "france", r.uri, TEST_ACTOR);
    await waitFor(() => boostsOf(peer.received.filter((x) => x.recipient === null || x.recipient.includes("/bob")), r.uri).get(france.uri),
      "France's boost of the promoted best practice");
    expect((await practiceOffers(servers[1], "france")).find((o) => o.object === r.uri)?.promoted).toBe(true);
  });

  it("on a member's post: the Group's Note (Create, then Update), offered to the parent", async () => {
    const { noteId } = await peer.post("alice", { content: "We rotate facilitators every month", mention: [lyon.uri] });
    await waitFor(async () => {
      const c = await servers[1].services.repos.communities.findBySlug("france");
      return servers[1].services.repos.networkPosts.find(c!.id, noteId);
    }, "France to roll up Alice's post");
    await markPractice(servers[0], "lyon", noteId, { status: "proposed" }, TEST_ACTOR);
    const announce = await waitFor(() => peer.receivedOf("Announce", (a) => a.actor === lyon.uri && a.json.object?.type === "Create")
      .find((a) => practiceOf(a.json.object.object) === noteId), "the Announce(Create(Note)) of the mark");
    const note = announce.json.object.object;
    expect(note.type).toBe("Note");
    expect(note.attributedTo).toBe(lyon.uri);
    expect(note.content).toContain("Proposed as a practice");
    expect(note.content).toContain(noteId);
    expect(tagNames(note)).toContain("#ProposedPractice");

    await markPractice(servers[0], "lyon", noteId, { status: "evaluated" }, TEST_ACTOR);
    await markPractice(servers[0], "lyon", noteId, { status: "best-practice" }, TEST_ACTOR);
    await waitFor(() => peer.receivedOf("Update", (u) => u.actor === lyon.uri && objectIdOf(u.json) === note.id)
      .find((u) => statusOf(u.json.object) === "best-practice"), "the Update(Note) to best-practice");
    const offer = await waitFor(async () => (await practiceOffers(servers[1], "france"))
      .find((o) => o.object === noteId && o.status === "best-practice"), "France's offer of Alice's post");
    expect(offer).toMatchObject({ origin: lyon.uri, promotable: true, noteUri: note.id });
    const own = await listPractice(servers[0], "lyon", { status: "best-practice" });
    expect(own.map((m) => m.object)).toContain(noteId);

    // The parent's console lists the offer and promotes it through the same operation.
    const s2 = servers[1];
    await createAccount(s2, { username: "root", role: "operator", password: "a long enough password" }, "test");
    const login = await s2.web.request(new URL("/login", s2.origin).href, {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: s2.origin },
      body: new URLSearchParams({ username: "root", password: "a long enough password" }).toString(),
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const page = await (await s2.web.request(new URL("/console/c/france/resources", s2.origin).href, { headers: { Cookie: cookie } })).text();
    expect(page).toContain(noteId);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1];
    const promoted = await s2.web.request(new URL("/console/c/france/resources/promote", s2.origin).href, {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: s2.origin, Cookie: cookie },
      body: new URLSearchParams({ _csrf: csrf, object: noteId }).toString(),
    });
    expect(promoted.status).toBe(303);
    expect((await practiceOffers(s2, "france")).find((o) => o.object === noteId)?.promoted).toBe(true);
    await waitFor(() => boostsOf(peer.received.filter((x) => x.recipient === null || x.recipient.includes("/bob")), noteId).get(france.uri),
      "France's boost of Alice's best practice");
  });
});

describe("a best practice in the parent", () => {
  it("reaches the child, which lists it as inherited with its origin", async () => {
    const { noteId } = await peer.post("bob", { content: "National charter for shared gardens", mention: [france.uri] });
    await waitFor(async () => {
      const c = await servers[1].services.repos.communities.findBySlug("france");
      return (await servers[1].services.repos.posts.findByObject(noteId)).some((p) => p.community_id === c!.id);
    }, "France to carry Bob's post");
    await markPractice(servers[1], "france", noteId, { status: "evaluated" }, TEST_ACTOR);
    await markPractice(servers[1], "france", noteId, { status: "best-practice" }, TEST_ACTOR);
    const inherited = await waitFor(async () => (await listPractice(servers[0], "lyon"))
      .find((m) => m.object === noteId && m.status === "best-practice"), "Lyon to inherit France's best practice");
    expect(inherited).toMatchObject({ source: "inherited", origin: france.uri });
    // Not offered upward: it came from a parent.
    expect((await practiceOffers(servers[0], "lyon")).map((o) => o.object)).not.toContain(noteId);
    // The child's practice page shows it with its origin.
    const page = await (await fetch(`${lyon.uri}/practice`, { headers: { Accept: "text/html" } })).text();
    expect(page).toContain(noteId);
    expect(page).toContain(france.uri);
  });

  it("going down needs a note, which travels with the mark", async () => {
    const { noteId } = await peer.post("bob", { content: "Monthly open days", mention: [france.uri] });
    await waitFor(async () => (await servers[1].services.repos.posts.findByObject(noteId)).length > 0, "France to carry the post");
    await markPractice(servers[1], "france", noteId, { status: "evaluated" }, TEST_ACTOR);
    await expect(markPractice(servers[1], "france", noteId, { status: "proposed" }, TEST_ACTOR)).rejects.toThrow(/^status: .*note/);
    await expect(markPractice(servers[1], "france", noteId, { status: "evaluated" }, TEST_ACTOR)).rejects.toThrow(/already/);
    const down = await markPractice(servers[1], "france", noteId, { status: "proposed", note: "Attendance dropped" }, TEST_ACTOR);
    expect(down.note).toBe("Attendance dropped");
    await waitFor(async () => (await listPractice(servers[0], "lyon")).find((m) => m.object === noteId && m.status === "proposed" && m.note === "Attendance dropped"),
      "Lyon to receive the downgrade with its note");
  });

  it("refuses unknown objects and statuses", async () => {
    await expect(markPractice(servers[1], "france", "https://elsewhere.example/notes/1", { status: "proposed" }, TEST_ACTOR)).rejects.toThrow(/carries no post/);
    await expect(markPractice(servers[1], "france", "not a uri", { status: "proposed" }, TEST_ACTOR)).rejects.toThrow(/^object-uri:/);
    await expect(markPractice(servers[1], "france", lyon.uri, { status: "great" }, TEST_ACTOR)).rejects.toThrow(/^status:/);
    await expect(listPractice(servers[1], "france", { status: "great" })).rejects.toThrow(/^status:/);
    await expect(markPractice(servers[1], "nowhere", lyon.uri, { status: "proposed" }, TEST_ACTOR)).rejects.toThrow(/No community/);
  });
});
