// Who may see a post is decided by the object's own addressing, the
// stricter of object and activity, over real signed HTTP: a followers-only
// Note wrapped in a Create (or an Update) addressed to Public is neither
// relayed nor shown, and along the network the object as its origin serves
// it decides, whatever the announce embeds.
import { Announce, Create, Note, PUBLIC_COLLECTION, Update } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/net.ts";
import { boostsOf, community, link, objectIdOf, type Place } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

let praxis: TestPraxis;
let parentServer: TestPraxis;
let peer: Peer;
let open: Place;

beforeAll(async () => {
  praxis = await startPraxis();
  parentServer = await startPraxis();
  peer = await startPeer({ users: ["alice", "bob"] });
  open = await community(praxis, "gardeners");
  for (const user of ["alice", "bob"]) await peer.follow(user, open.uri);
  await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === open.uri).length === 2, "both follows accepted");
});

afterAll(async () => {
  await peer?.stop();
  await praxis?.stop();
  await parentServer?.stop();
});

const announcesFrom = (group: string) => peer.receivedOf("Announce", (r) => r.actor === group);
const page = async (p: Place) => (await fetch(p.uri)).text();

/** A public post, then waits for its boost: everything sent before it has been handled. */
async function marker(to: Place): Promise<void> {
  const { noteId } = await peer.post("alice", { content: `marker ${crypto.randomUUID()}`, mention: [to.uri] });
  await waitFor(() => boostsOf(peer.received, noteId).get(to.uri), "the marker's boost");
}

describe("the object's own addressing decides", () => {
  it("does not relay a followers-only Note wrapped in a Create addressed to Public", async () => {
    const alice = new URL(peer.userUri("alice"));
    const followers = new URL(`${alice.href}/followers`);
    const noteId = new URL(`${alice.href}/notes/${crypto.randomUUID()}`);
    const note = new Note({
      id: noteId, attribution: alice, content: "<p>only for my followers</p>",
      tos: [followers], ccs: [new URL(open.uri)], url: noteId,
    });
    const create = new Create({
      id: new URL(`${noteId.href}/activity`), actor: alice, object: note,
      tos: [PUBLIC_COLLECTION], ccs: [followers, new URL(open.uri)],
    });
    await peer.send("alice", create, [open.uri]);
    await marker(open);
    const relayed = announcesFrom(open.uri).map((r) => objectIdOf(r.json));
    expect(relayed).not.toContain(noteId.href);
    expect(relayed).not.toContain(create.id!.href);
    expect(await page(open)).not.toContain("only for my followers");
  });

  it("neither applies nor relays an edit that makes a post followers-only", async () => {
    const post = await peer.post("alice", { content: "<p>public tip</p>", mention: [open.uri] });
    await waitFor(() => boostsOf(peer.received, post.noteId).get(open.uri), "the post's boost");
    const alice = new URL(peer.userUri("alice"));
    const followers = new URL(`${alice.href}/followers`);
    const update = new Update({
      id: new URL(`${alice.href}/updates/${crypto.randomUUID()}`), actor: alice,
      object: new Note({
        id: new URL(post.noteId), attribution: alice, content: "<p>now only for my followers</p>",
        tos: [followers], ccs: [new URL(open.uri)], url: new URL(post.noteId),
      }),
      tos: [PUBLIC_COLLECTION], ccs: [followers],
    });
    await peer.send("alice", update, [open.uri]);
    await marker(open);
    expect(announcesFrom(open.uri).map((r) => objectIdOf(r.json))).not.toContain(update.id!.href);
    const html = await page(open);
    expect(html).toContain("public tip");
    expect(html).not.toContain("now only for my followers");
  });
});

describe("along the network, the object as its origin serves it decides", () => {
  it("does not roll up an object that is followers-only at its origin, whatever the announce embeds", async () => {
    const parent = await community(parentServer, "region", { scale: "regional" });
    const child = await community(praxis, "district");
    await link(parent, child);
    // Alice's followers-only note, delivered to no one: the peer serves it as is.
    const hidden = await peer.post("alice", { content: "<p>followers only, at home</p>", visibility: "followers", deliverTo: [] });
    const shown = await peer.post("alice", { content: "<p>public, at home</p>", deliverTo: [] });
    const ctx = praxis.federation.createContext(new URL(praxis.origin), praxis.services);
    const parentActor = await ctx.lookupObject(parent.uri);
    const alice = new URL(peer.userUri("alice"));
    for (const { noteId } of [hidden, shown]) {
      // The child claims the object is public, in the announce and in the Note it embeds.
      const claimed = new Note({ id: new URL(noteId), attribution: alice, content: "<p>claimed public</p>", tos: [PUBLIC_COLLECTION] });
      await ctx.sendActivity({ identifier: child.slug }, parentActor as never, new Announce({
        id: new URL(`${child.uri}/activities/${crypto.randomUUID()}`), actor: new URL(child.uri), object: claimed, tos: [PUBLIC_COLLECTION],
      }), { immediate: true });
    }
    const region = (await parentServer.services.repos.communities.findBySlug("region"))!;
    await waitFor(() => parentServer.services.repos.networkPosts.find(region.id, shown.noteId), "the public post to be rolled up");
    await waitFor(async () => {
      const stats = await parentServer.queue.stats();
      return stats.ready === 0 && stats.leased === 0;
    }, "the parent's queue to be idle");
    expect(await parentServer.services.repos.networkPosts.find(region.id, hidden.noteId)).toBeNull();
  });
});
