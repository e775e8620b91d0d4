// A closed community's content goes to its members only, over real signed
// HTTP: its announces, boosts, Updates, Deletes and Undos are addressed to
// its followers collection, never Public; its outbox, featured collection,
// member list pages and activities answer only requests signed by a member,
// a moderator, or the server actor of a member's server; its page shows the
// profile and a notice, not the posts. The Group actor itself stays public.
import { signRequest } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/operations/accounts.ts";
import { createCommunity, updateCommunity } from "../../src/operations/communities.ts";
import { approveMember } from "../../src/operations/members.ts";
import { setPinned } from "../../src/operations/moderation.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { waitFor } from "../support/net.ts";
import { community, link, objectIdOf } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC_FORMS = ["https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"];
const AP = "application/activity+json";

let praxis: TestPraxis;
let parentServer: TestPraxis;
let peer: Peer;
let memberHost: RawHost;
let strangerHost: RawHost;
let mia: RawActor;          // a member, on memberHost
let tom: RawActor;          // not a member, on memberHost
let memberServer: RawActor; // memberHost's own (Application) actor
let strangerServer: RawActor;
let moderator: RawActor;    // linked to a moderator account, not a member
let closed: string;
let open: string;
let post: { noteId: string; createId: string };

type Signer = RawActor | null;

/** GETs `url` as ActivityPub, signed by `signer`'s key (or unsigned). */
async function get(url: string, signer: Signer): Promise<Response> {
  let request = new Request(url, { headers: { Accept: AP } });
  if (signer) request = await signRequest(request, signer.privateKey, new URL(signer.keyId), { spec: "draft-cavage-http-signatures-12" });
  return fetch(request);
}

const addressing = (json: any): string[] => [json.to, json.cc].flat().filter((x) => typeof x === "string");
const isPublic = (json: any) => addressing(json).some((x) => PUBLIC_FORMS.includes(x));
const fromGroup = (type: string, group: string) => peer.receivedOf(type, (r) => r.actor === group);

beforeAll(async () => {
  praxis = await startPraxis();
  parentServer = await startPraxis();
  peer = await startPeer({ users: ["alice", "bob"] });
  memberHost = await startRawHost("127.0.0.3");
  strangerHost = await startRawHost("127.0.0.4");
  mia = await memberHost.actor("mia");
  tom = await memberHost.actor("tom");
  memberServer = await memberHost.actor("instance", { type: "Application" });
  strangerServer = await strangerHost.actor("instance", { type: "Application" });
  moderator = await strangerHost.actor("mod");
  await createCommunity(praxis, "council", { name: "Council", summary: "Where the council meets.", closed: true });
  await createCommunity(praxis, "gardeners", { name: "Gardeners" });
  closed = `${praxis.origin}/c/council`;
  open = `${praxis.origin}/c/gardeners`;
  await createAccount(praxis, { username: "moderator", actor: moderator.id }, "test");
  await addModerator(praxis, "council", "moderator", "test");

  await peer.follow("alice", closed);
  const follow = { "@context": AS_CONTEXT, id: memberHost.newId("follows"), type: "Follow", actor: mia.id, object: closed };
  expect((await memberHost.send(`${closed}/inbox`, follow, mia)).status).toBe(202);
  await waitFor(async () => (await praxis.services.repos.memberships.list(
    (await praxis.services.repos.communities.findBySlug("council"))!.id, "pending")).length === 2, "two join requests");
  await approveMember(praxis, "council", peer.userUri("alice"));
  await approveMember(praxis, "council", mia.id);
  await waitFor(() => fromGroup("Accept", closed)[0], "Alice's Accept");

  post = await peer.post("alice", { content: "<p>minutes of the council</p>", mention: [closed] });
  await waitFor(() => fromGroup("Announce", closed).filter((r) => [post.noteId, post.createId].includes(objectIdOf(r.json)!)).length === 2,
    "both announces of Alice's post");
});

afterAll(async () => {
  await peer?.stop();
  await memberHost?.stop();
  await strangerHost?.stop();
  await praxis?.stop();
  await parentServer?.stop();
});

describe("what a closed community sends", () => {
  it("addresses its announces and boosts to its followers, never Public", () => {
    const announces = fromGroup("Announce", closed);
    expect(announces.length).toBeGreaterThanOrEqual(2);
    for (const a of announces) {
      expect(isPublic(a.json)).toBe(false);
      expect([a.json.to].flat()).toContain(`${closed}/followers`);
    }
  });

  it("addresses its Group Updates, moderation announces, Deletes and Undos to its followers", async () => {
    await updateCommunity(praxis, "council", { summary: "Where the council meets, weekly." }, "test");
    const update = await waitFor(() => fromGroup("Update", closed)[0], "Update(Group)");
    expect(isPublic(update.json)).toBe(false);

    await setPinned(praxis, "council", post.noteId, true, "test");
    const pin = await waitFor(() => fromGroup("Announce", closed).find((r) => r.json.object?.type === "Add"), "Announce(Add)");
    expect(isPublic(pin.json)).toBe(false);
    expect(isPublic(pin.json.object)).toBe(false);

    await peer.remove("alice", post.noteId, [closed]);
    const undo = await waitFor(() => fromGroup("Undo", closed).find((r) => objectIdOf(r.json.object) === post.noteId), "Undo(Announce)");
    expect(isPublic(undo.json)).toBe(false);
    expect(isPublic(undo.json.object)).toBe(false);
    const del = await waitFor(() => fromGroup("Announce", closed).find((r) => r.json.object?.type === "Delete"), "Announce(Delete)");
    expect(isPublic(del.json)).toBe(false);
    // A fresh post for the reads below.
    post = await peer.post("alice", { content: "<p>agenda for next week</p>", mention: [closed] });
    await waitFor(() => fromGroup("Announce", closed).find((r) => objectIdOf(r.json) === post.noteId), "the new post's boost");
    await setPinned(praxis, "council", post.noteId, true, "test");
  });

  it("still addresses an open community's announces to Public", async () => {
    await peer.follow("bob", open);
    await waitFor(() => fromGroup("Accept", open)[0], "Bob's Accept");
    const { noteId } = await peer.post("bob", { content: "<p>open tip</p>", mention: [open] });
    const boost = await waitFor(() => fromGroup("Announce", open).find((r) => objectIdOf(r.json) === noteId), "the open boost");
    expect(isPublic(boost.json)).toBe(true);
  });
});

describe("who may read a closed community", () => {
  const paths = () => ({
    outbox: `${closed}/outbox`,
    outboxPage: `${closed}/outbox?cursor=0`,
    featured: `${closed}/featured`,
    members: `${closed}/followers?cursor=0`,
  });

  it("refuses unsigned requests, strangers, non-members on a member's server and their server's people", async () => {
    for (const url of Object.values(paths())) {
      for (const signer of [null, strangerServer, tom]) {
        const res = await get(url, signer);
        expect({ url, signer: signer?.id ?? null, status: res.status }).toEqual({ url, signer: signer?.id ?? null, status: 401 });
        expect(await res.text()).not.toContain("agenda for next week");
      }
    }
  });

  it("serves members, moderators and the server actor of a member's server", async () => {
    for (const signer of [mia, memberServer, moderator]) {
      const outbox = await (await get(paths().outboxPage, signer)).json();
      expect(JSON.stringify(outbox.orderedItems)).toContain(post.noteId);
      const featured = await (await get(paths().featured, signer)).json();
      expect(JSON.stringify(featured)).toContain("agenda for next week");
      const members = await (await get(paths().members, signer)).json();
      expect(JSON.stringify(members)).toContain(mia.id);
    }
  });

  it("keeps the Group actor and its member count public", async () => {
    const group = await get(closed, null);
    expect(group.status).toBe(200);
    expect((await group.json()).manuallyApprovesFollowers).toBe(true);
    const followers = await get(`${closed}/followers`, null);
    expect(followers.status).toBe(200);
    expect((await followers.json()).totalItems).toBe(2);
  });

  it("serves the activities it sent only to members", async () => {
    const boost = fromGroup("Announce", closed).find((r) => objectIdOf(r.json) === post.noteId)!;
    const unsigned = await get(boost.id!, null);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).not.toContain(post.noteId);
    expect((await get(boost.id!, tom)).status).toBe(401);
    const member = await get(boost.id!, mia);
    expect(member.status).toBe(200);
    expect(member.headers.get("cache-control")).toBe("private");
    expect((await member.json()).object).toBe(post.noteId);
  });

  it("shows its profile and a notice on its page, not the posts, in English and French", async () => {
    const en = await (await fetch(closed, { headers: { Accept: "text/html", "Accept-Language": "en" } })).text();
    expect(en).toContain("Council");
    expect(en).toContain("Where the council meets");
    expect(en).toContain("Posts for members only");
    expect(en).not.toContain("agenda for next week");
    const fr = await (await fetch(closed, { headers: { Accept: "text/html", "Accept-Language": "fr" } })).text();
    expect(fr).toContain("Publications réservées aux membres");
    expect(fr).not.toContain("agenda for next week");
  });
});

describe("an open community", () => {
  it("keeps its outbox public, without the answers to follow requests", async () => {
    const res = await get(`${open}/outbox?cursor=0`, null);
    expect(res.status).toBe(200);
    const page = await res.json();
    expect(JSON.stringify(page.orderedItems)).toContain("open tip");
    expect(page.orderedItems.map((i: any) => i.type)).not.toContain("Accept");
    const featured = await get(`${open}/featured`, null);
    expect(featured.status).toBe(200);
  });
});

describe("between closed communities", () => {
  it("a closed parent still rolls up its closed sub-community's followers-only announces", async () => {
    const board = await community(parentServer, "board", { scale: "regional", closed: true });
    await link(board, { server: praxis, slug: "council", uri: closed });
    const boardRow = (await parentServer.services.repos.communities.findBySlug("board"))!;
    const councilRow = (await praxis.services.repos.communities.findBySlug("council"))!;
    await waitFor(async () => (await praxis.services.repos.memberships.status(councilRow.id, board.uri)) === "accepted",
      "the board to follow the council");
    const { noteId } = await peer.post("alice", { content: "<p>for the board too</p>", mention: [closed] });
    const boost = await waitFor(() => fromGroup("Announce", closed).find((r) => objectIdOf(r.json) === noteId), "the council's boost");
    expect(isPublic(boost.json)).toBe(false);
    await waitFor(() => parentServer.services.repos.networkPosts.find(boardRow.id, noteId), "the board to roll the post up");
  });
});
