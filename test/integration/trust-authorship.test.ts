// Authorship claims over real signed HTTP (issue 9, finding 2): what a
// community stores and relays never names as author anyone the signer does
// not speak for. Mallory (127.0.0.3) is a genuine member who claims Alice
// (127.0.0.2) as co-author; Pat (127.0.0.3) posts as PeerTube does, with
// her channel, a Group of her own server, as co-attribution; Bob
// (127.0.0.4) is a member who receives what the community relays.
import { PUBLIC_COLLECTION } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { sleep, waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = PUBLIC_COLLECTION.href;
let praxis: TestPraxis;
let hostA: RawHost;
let hostB: RawHost;
let hostC: RawHost;
let group: string;
let alice: RawActor;
let mallory: RawActor;
let pat: RawActor;
let channel: string;

async function join(host: RawHost, actor: RawActor): Promise<void> {
  const followId = host.newId("follows");
  expect((await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: actor.id, object: group }, actor)).status).toBe(202);
  await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept" && r.json?.object?.id === followId)[0], `Accept of ${actor.id}`);
}

function note(actor: RawActor, content: string, attributedTo: unknown) {
  const id = `${actor.id}/statuses/${crypto.randomUUID()}`;
  return {
    id, type: "Note", attributedTo, content, to: [PUBLIC, group], cc: [actor.document.followers],
    published: new Date().toISOString(), tag: [{ type: "Mention", href: group, name: "@workshop" }],
  };
}

/** Serves the note from its actor's host and sends its Create, signed by the actor. */
async function post(host: RawHost, actor: RawActor, n: ReturnType<typeof note>, activity: Record<string, unknown> = {}): Promise<number> {
  host.serve(n.id, { "@context": AS_CONTEXT, ...n });
  const create = { "@context": AS_CONTEXT, id: `${n.id}/activity`, type: "Create", actor: actor.id, object: n, to: n.to, cc: n.cc, ...activity };
  return (await host.send(`${praxis.origin}/inbox`, create, actor)).status;
}

const relayed = (noteId: string) => hostC.inboxPosts((r) => r.json?.type === "Announce"
  && (r.json.object === noteId || r.json.object?.object?.id === noteId || r.json.object?.object === noteId));

/** A genuine post by Alice, once relayed, shows that what was sent before has been handled. */
async function settle(): Promise<void> {
  const n = note(alice, "A genuine note", alice.id);
  expect(await post(hostA, alice, n)).toBe(202);
  await waitFor(() => relayed(n.id)[0], "the genuine note to be relayed");
  await sleep(300);
}

beforeAll(async () => {
  praxis = await startPraxis();
  hostA = await startRawHost("127.0.0.2");
  hostB = await startRawHost("127.0.0.3");
  hostC = await startRawHost("127.0.0.4");
  await createCommunity(praxis, "workshop", { name: "Workshop" });
  group = `${praxis.origin}/c/workshop`;
  alice = await hostA.actor("alice");
  mallory = await hostB.actor("mallory");
  pat = await hostB.actor("pat");
  const bob = await hostC.actor("bob");
  channel = `${hostB.origin}/video-channels/pat_channel`;
  hostB.serve(channel, { "@context": AS_CONTEXT, id: channel, type: "Group", preferredUsername: "pat_channel", name: "Pat's channel", inbox: `${channel}/inbox`, attributedTo: pat.id });
  for (const [h, a] of [[hostA, alice], [hostB, mallory], [hostB, pat], [hostC, bob]] as const) await join(h, a);
});

afterAll(async () => {
  for (const h of [hostA, hostB, hostC]) await h?.stop();
  await praxis?.stop();
});

describe("co-authorship claims", () => {
  it("neither stores nor relays a post whose object names another person as co-author", async () => {
    const claims = [
      note(mallory, "Co-written with Alice, allegedly", [mallory.id, alice.id]),
      note(mallory, "Co-written with a neighbour, allegedly", [mallory.id, pat.id]),
      note(mallory, "With a group of another server", [mallory.id, `${hostA.origin}/groups/team`]),
    ];
    for (const n of claims) expect(await post(hostB, mallory, n)).toBe(202);
    await settle();
    for (const n of claims) {
      expect(await praxis.services.repos.posts.findByObject(n.id)).toEqual([]);
      expect(relayed(n.id)).toEqual([]);
    }
  });

  it("refuses a Create naming two actors, and stores nothing", async () => {
    const n = note(mallory, "Posted by Mallory and Alice, allegedly", mallory.id);
    expect(await post(hostB, mallory, n, { actor: [mallory.id, alice.id] })).toBe(401);
    await settle();
    expect(await praxis.services.repos.posts.findByObject(n.id)).toEqual([]);
    expect(relayed(n.id)).toEqual([]);
  });

  it("ignores an edit that adds a co-author", async () => {
    const n = note(mallory, "My own words", mallory.id);
    expect(await post(hostB, mallory, n)).toBe(202);
    await waitFor(() => relayed(n.id)[0], "Mallory's own post to be relayed");
    const edited = { ...n, content: "Our words", attributedTo: [mallory.id, alice.id], updated: new Date().toISOString() };
    const update = { "@context": AS_CONTEXT, id: hostB.newId("updates"), type: "Update", actor: mallory.id, object: edited, to: n.to, cc: n.cc };
    expect((await hostB.send(`${praxis.origin}/inbox`, update, mallory)).status).toBe(202);
    await settle();
    expect(hostC.inboxPosts((r) => r.json?.type === "Announce" && r.json.object?.id === update.id)).toEqual([]);
    const [row] = await praxis.services.repos.posts.findByObject(n.id);
    expect(row.content).toContain("My own words");
  });

  it("relays a post attributed, as PeerTube does, to its author and her own channel", async () => {
    const n = note(pat, "A video about our workshop", [{ type: "Group", id: channel }, { type: "Person", id: pat.id }]);
    expect(await post(hostB, pat, n)).toBe(202);
    await waitFor(() => relayed(n.id)[0], "Pat's post to be relayed");
    const [row] = await praxis.services.repos.posts.findByObject(n.id);
    expect(row.author_uri).toBe(pat.id);
  });
});
