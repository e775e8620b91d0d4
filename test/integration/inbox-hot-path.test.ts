// The inbox's hot path: incoming activities about one post are handled in
// the order they arrived, however many inbox handlers run at once; and a
// post from a member whose actor Praxis stored lately costs no remote GET.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { sleep, waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

describe("the inbox hot path", () => {
  let praxis: TestPraxis;
  let host: RawHost;
  let group: string;
  let member: RawActor;

  beforeAll(async () => {
    praxis = await startPraxis({ queue: { concurrency: 8, inboxConcurrency: 8, pollIntervalMs: 25, leaseSeconds: 30 } });
    host = await startRawHost("127.0.0.71");
    await createCommunity(praxis, "garden", { name: "Garden" });
    group = `${praxis.origin}/c/garden`;
    member = await host.actor("rose");
    const followId = host.newId("follows");
    await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: member.id, object: group }, member);
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept")[0], "the Accept");
  });
  afterAll(async () => {
    await host?.stop();
    await praxis?.stop();
  });

  function note(text: string) {
    const id = `${member.id}/statuses/${crypto.randomUUID()}`;
    return { id, type: "Note", attributedTo: member.id, content: `<p>${text}</p>`, to: [PUBLIC, group], cc: [member.document.followers], published: new Date().toISOString(), tag: [{ type: "Mention", href: group, name: "@garden" }] };
  }

  it("never handles an edit before the post it edits, even when the post is slow to handle", async () => {
    // The author's stored copy is stale, so handling the Create fetches the
    // author, and the author's server takes its time to answer.
    await praxis.services.db.updateTable("remote_actors").set({ fetched_at: "2000-01-01T00:00:00.000Z" }).where("uri", "=", member.id).execute();
    host.route(`/users/rose`, async () => {
      await sleep(800);
      return { status: 200, body: member.document };
    });
    const post = note("Seeds");
    const edited = { ...post, content: "<p>Seeds, edited</p>", updated: new Date().toISOString() };
    const updateId = host.newId("updates");
    expect((await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: `${post.id}/activity`, type: "Create", actor: member.id, object: post, to: post.to, cc: post.cc }, member)).status).toBe(202);
    expect((await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: updateId, type: "Update", actor: member.id, object: edited, to: post.to, cc: post.cc }, member)).status).toBe(202);
    // Without order, the Update is handled while the Create waits for the
    // author, finds no post, and is dropped: its Announce never comes.
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Announce" && r.json?.object?.id === updateId)[0], "the Announce of the edit", 20_000);
    const announces = host.inboxPosts((r) => r.json?.type === "Announce" && [post.id, `${post.id}/activity`, updateId].includes(r.json?.object?.id ?? r.json?.object));
    const order = announces.map((r) => (typeof r.json.object === "string" ? "boost" : r.json.object.type));
    expect(order).toEqual(["Create", "boost", "Update"]);
    host.route(`/users/rose`, () => ({ status: 200, body: member.document }));
  });

  it("asks the member's server for nothing when its actor was stored lately, and builds no Group per POST", async () => {
    await waitFor(async () => {
      const row = await praxis.services.repos.remoteActors.get(member.id);
      return row !== null && Date.now() - Date.parse(row.fetched_at) < 60_000;
    }, "a fresh stored copy of the author");
    const gets = () => host.requests.filter((r) => r.method === "GET").length;
    const before = gets();
    const boosts = () => host.inboxPosts((r) => r.json?.type === "Announce" && typeof r.json?.object === "string").length;
    const boostsBefore = boosts();
    // Building the Group (the actor document) reads the community's links for its profile.
    const links = vi.spyOn(praxis.services.repos.links, "list");
    for (let i = 0; i < 3; i++) {
      const post = note(`Compost ${i}`);
      await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: `${post.id}/activity`, type: "Create", actor: member.id, object: post, to: post.to, cc: post.cc }, member);
    }
    await waitFor(() => boosts() === boostsBefore + 3, "the three boosts");
    // The key was verified from the cache; the author came from the stored copy.
    expect(gets() - before).toBe(0);
    // Fedify only checks that an inbox's owner exists: no Group was built for the POSTs.
    expect(links).not.toHaveBeenCalled();
    links.mockRestore();
  });
});
