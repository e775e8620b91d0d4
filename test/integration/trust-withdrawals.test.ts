// Withdrawals across links (issue 9, finding 3): a linked Group may
// withdraw only what reached us through it; a post that came through another
// link is withdrawn only when its own server says it is gone. Hub (server 1)
// has two sub-communities, Left (server 2) and Right (server 3); Alice's
// post reaches Hub through Left, and Right tries to withdraw it.
import { Announce, Delete, PUBLIC_COLLECTION, Undo } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../support/net.ts";
import { community, link, type Place } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const servers: TestPraxis[] = [];
let hub: Place, left: Place, right: Place;
let peer: Peer;

async function held(objectUri: string) {
  const c = await hub.server.services.repos.communities.findBySlug(hub.slug);
  return hub.server.services.repos.networkPosts.find(c!.id, objectUri);
}

/** Right, a genuinely linked Group, sends `activity` to Hub, signed by its own key. */
async function fromRight(activity: (id: URL) => Announce | Undo): Promise<void> {
  const ctx = right.server.federation.createContext(new URL(right.server.origin), right.server.services);
  const hubActor = await ctx.lookupObject(hub.uri);
  await ctx.sendActivity({ identifier: right.slug }, hubActor as any, activity(new URL(`${right.uri}/activities/${crypto.randomUUID()}`)), { immediate: true });
}

async function rolledUp(content: string): Promise<string> {
  const { noteId, createId } = await peer.post("alice", { content, mention: [left.uri] });
  const row = await waitFor(() => held(noteId), "Hub to roll up Alice's post from Left");
  expect(row.via_uri).toBe(left.uri);
  // Left announces both Alice's Create and her Note: the Create, embedded
  // from another origin, is read for its object, never fetched by its id.
  await sleep(300);
  const createPath = new URL(createId).pathname;
  expect(peer.gets.filter((g) => g.startsWith(createPath) || g.includes(encodeURIComponent(createPath)))).toEqual([]);
  return noteId;
}

beforeAll(async () => {
  for (let i = 0; i < 3; i++) servers.push(await startPraxis());
  peer = await startPeer({ users: ["alice"] });
  hub = await community(servers[0], "hub", { scale: "national" });
  left = await community(servers[1], "left");
  right = await community(servers[2], "right");
  await link(hub, left);
  await link(hub, right);
  await peer.follow("alice", left.uri);
  await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === left.uri)[0], "Alice's Accept");
});

afterAll(async () => {
  await peer?.stop();
  await Promise.all(servers.map((s) => s.stop()));
});

describe("a withdrawal from a neighbour the post did not come through", () => {
  it("is ignored while the post's own server still serves it: Announce(Delete)", async () => {
    const noteId = await rolledUp("Came through Left");
    await fromRight((id) => new Announce({
      id, actor: new URL(right.uri), to: PUBLIC_COLLECTION,
      object: new Delete({ id: new URL(`${right.uri}/activities/${crypto.randomUUID()}`), actor: new URL(right.uri), object: new URL(noteId) }),
    }));
    await sleep(1000);
    expect((await held(noteId))?.withdrawn_at).toBeNull();
  });

  it("is ignored while the post's own server still serves it: Undo(Announce)", async () => {
    const noteId = await rolledUp("Also came through Left");
    await fromRight((id) => new Undo({
      id, actor: new URL(right.uri), to: PUBLIC_COLLECTION,
      object: new Announce({ id: new URL(`${right.uri}/activities/${crypto.randomUUID()}`), actor: new URL(right.uri), object: new URL(noteId) }),
    }));
    await sleep(1000);
    expect((await held(noteId))?.withdrawn_at).toBeNull();
  });

  it("is honoured once the post's own server answers that it is gone", async () => {
    const noteId = await rolledUp("Deleted at its source");
    // Alice's server deletes the note and tells nobody.
    await peer.remove("alice", noteId, []);
    await fromRight((id) => new Announce({
      id, actor: new URL(right.uri), to: PUBLIC_COLLECTION,
      object: new Delete({ id: new URL(`${right.uri}/activities/${crypto.randomUUID()}`), actor: new URL(right.uri), object: new URL(noteId) }),
    }));
    await waitFor(async () => (await held(noteId))?.withdrawn_at, "Hub to withdraw the post gone at its source");
  });
});

describe("a withdrawal from the neighbour the post came through", () => {
  it("is honoured when it relays the author's own Delete: Announce(Delete) from another origin", async () => {
    const noteId = await rolledUp("Deleted by Alice, relayed by Left");
    const ctx = left.server.federation.createContext(new URL(left.server.origin), left.server.services);
    await ctx.sendActivity({ identifier: left.slug }, (await ctx.lookupObject(hub.uri)) as any, new Announce({
      id: new URL(`${left.uri}/activities/${crypto.randomUUID()}`), actor: new URL(left.uri), to: PUBLIC_COLLECTION,
      object: new Delete({ id: new URL(`${noteId}#delete`), actor: new URL(peer.userUri("alice")), object: new URL(noteId) }),
    }), { immediate: true });
    await waitFor(async () => (await held(noteId))?.withdrawn_at, "Hub to withdraw the post whose deletion Left relayed");
  });

  it("is honoured", async () => {
    const noteId = await rolledUp("Withdrawn by Left");
    const ctx = left.server.federation.createContext(new URL(left.server.origin), left.server.services);
    await ctx.sendActivity({ identifier: left.slug }, (await ctx.lookupObject(hub.uri)) as any, new Undo({
      id: new URL(`${left.uri}/activities/${crypto.randomUUID()}`), actor: new URL(left.uri), to: PUBLIC_COLLECTION,
      object: new Announce({ id: new URL(`${left.uri}/activities/${crypto.randomUUID()}`), actor: new URL(left.uri), object: new URL(noteId) }),
    }), { immediate: true });
    await waitFor(async () => (await held(noteId))?.withdrawn_at, "Hub to withdraw the post Left withdrew");
  });
});
