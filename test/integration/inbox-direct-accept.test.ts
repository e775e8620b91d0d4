// Inbox deliveries signed over HTTP only, with a key Praxis already knows,
// are accepted without Fedify's inbox handler (src/federation/inbox-accept.ts).
// That path must bind the signer to the actor, refuse what does not verify,
// keep the idempotency of Fedify's path and relay what it accepts.
import { signRequest } from "@fedify/fedify";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity, deleteCommunity } from "../../src/operations/communities.ts";
import { sleep, waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const records: LogRecord[] = [];
const directly = () => records
  .filter((r) => r.category.join(".") === "praxis.federation.inbox-accept" && String(r.rawMessage).includes("directly"))
  .map((r) => String(r.properties.id));

describe("accepting inbox deliveries without Fedify's handler", () => {
  let praxis: TestPraxis;
  let host: RawHost;
  let other: RawHost;
  let group: string;
  let ana: RawActor;
  let bob: RawActor;

  beforeAll(async () => {
    await configure({
      reset: true,
      sinks: { memory: (record) => records.push(record) },
      loggers: [
        { category: ["praxis", "federation", "inbox-accept"], lowestLevel: "debug", sinks: ["memory"] },
        { category: ["praxis", "federation", "inbox"], lowestLevel: "info", sinks: ["memory"] },
        { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      ],
    });
    praxis = await startPraxis();
    host = await startRawHost("127.0.0.81");
    other = await startRawHost("127.0.0.82");
    await createCommunity(praxis, "orchard", { name: "Orchard" });
    group = `${praxis.origin}/c/orchard`;
    ana = await host.actor("ana");
    bob = await other.actor("bob");
    for (const [h, actor] of [[host, ana], [other, bob]] as const) {
      const res = await h.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: h.newId("follows"), type: "Follow", actor: actor.id, object: group }, actor);
      expect(res.status).toBe(202);
    }
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept")[0] && other.inboxPosts((r) => r.json?.type === "Accept")[0], "both Accepts");
  });
  afterAll(async () => {
    await host?.stop();
    await other?.stop();
    await praxis?.stop();
    await reset();
  });

  function create(actor: RawActor, h: RawHost) {
    const id = `${actor.id}/statuses/${crypto.randomUUID()}`;
    return {
      "@context": AS_CONTEXT, id: `${id}/activity`, type: "Create", actor: actor.id, to: [PUBLIC], cc: [group],
      object: { id, type: "Note", attributedTo: actor.id, content: `<p>From ${h.origin}</p>`, to: [PUBLIC], cc: [group], published: new Date().toISOString() },
    };
  }

  it("takes a first contact through Fedify, then a known key's post directly, and relays it once", async () => {
    // The Follows above were each signer's first contact: their keys were fetched by Fedify's path.
    expect(directly()).toEqual([]);
    const post = create(ana, host);
    expect((await host.send(`${group}/inbox`, post, ana)).status).toBe(202);
    expect(directly()).toEqual([post.id]);
    const boosts = () => host.inboxPosts((r) => r.json?.type === "Announce" && r.json?.object === post.object.id);
    await waitFor(() => boosts()[0], "the boost of the post");
    // Delivered again once processed: acknowledged, not relayed twice.
    expect((await host.send(`${group}/inbox`, post, ana)).status).toBe(202);
    await waitFor(async () => (await praxis.queue.stats()).ready === 0, "the queue to drain");
    await sleep(500);
    expect(boosts()).toHaveLength(1);
  });

  it("hands a known key speaking for an actor of another server to Fedify's path, which refuses it (401); nothing is relayed", async () => {
    const forged = create(bob, other);
    const res = await host.send(`${group}/inbox`, forged, ana);
    // Fedify's own signer check answers first ("The signer and the actor do not match").
    expect(res.status).toBe(401);
    expect(directly()).not.toContain(forged.id);
    await sleep(500);
    expect(host.inboxPosts((r) => r.json?.type === "Announce" && JSON.stringify(r.json).includes(forged.object.id))).toEqual([]);
  });

  it("hands what parses to another actor than the one its JSON names (a context aliasing as:actor) to Fedify's path, which refuses it (401)", async () => {
    const forged = create(bob, other);
    // Signed by ana's key, `actor` naming ana, but the inline context makes
    // `actor` a term of its own and `doer` the ActivityStreams actor: bob.
    const trick = {
      ...forged,
      "@context": [...AS_CONTEXT, { actor: "https://example.invalid/ns#notTheActor", doer: { "@id": "https://www.w3.org/ns/activitystreams#actor", "@type": "@id" } }],
      actor: ana.id,
      doer: bob.id,
    };
    const res = await host.send(`${group}/inbox`, trick, ana);
    expect(res.status).toBe(401);
    expect(directly()).not.toContain(trick.id);
    await sleep(500);
    expect(host.inboxPosts((r) => r.json?.type === "Announce" && JSON.stringify(r.json).includes(forged.object.id))).toEqual([]);
    expect(other.inboxPosts((r) => r.json?.type === "Announce" && JSON.stringify(r.json).includes(forged.object.id))).toEqual([]);
  });

  /** Posts `post` signed by ana, with the signed headers (Digest, Signature) but another body. */
  async function sendWithAnotherBody(post: { object: { content: string } }): Promise<Response> {
    const signed = await signRequest(new Request(`${group}/inbox`, {
      method: "POST", headers: { "content-type": "application/activity+json" }, body: JSON.stringify(post),
    }), ana.privateKey, new URL(ana.keyId));
    return fetch(new Request(signed.url, { method: "POST", headers: signed.headers, body: JSON.stringify(post).replace("From", "Frum") }));
  }

  it("refuses a body that is not the one signed (401), with a known key", async () => {
    const post = create(ana, host);
    const res = await sendWithAnotherBody(post);
    expect(res.status).toBe(401);
    expect(directly()).not.toContain(post.id);
  });

  it("answers 404 at a deleted community's inbox, within the two seconds it may remember the community", async () => {
    await createCommunity(praxis, "quince", { name: "Quince" });
    const inbox = `${praxis.origin}/c/quince/inbox`;
    const follow = () => ({ "@context": AS_CONTEXT, id: host.newId("follows"), type: "Follow", actor: ana.id, object: `${praxis.origin}/c/quince` });
    expect((await host.send(inbox, follow(), ana)).status).toBe(202);
    await deleteCommunity(praxis, "quince");
    const deletedAt = Date.now();
    await waitFor(async () => (await host.send(inbox, follow(), ana)).status === 404, "the deleted community's inbox to answer 404", 5_000);
    expect(Date.now() - deletedAt).toBeLessThan(3_000);
  });

  /** A post carrying an integrity proof, as Praxis's own Announces do; this one's proof would not verify. */
  function proofed(actor: RawActor, h: RawHost) {
    const post = create(actor, h);
    return {
      ...post,
      "@context": [...AS_CONTEXT, "https://w3id.org/security/data-integrity/v1"],
      proof: {
        type: "DataIntegrityProof", cryptosuite: "eddsa-jcs-2022", verificationMethod: `${actor.id}#ed25519-key`,
        proofPurpose: "assertionMethod", proofValue: "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKRc3djNt3XjvYFVHd", created: new Date().toISOString(),
      },
    };
  }

  it("takes a post with an integrity proof directly on its HTTP signature, as Fedify's handler does when the proof fails, and relays it", async () => {
    const post = proofed(ana, host);
    expect((await host.send(`${group}/inbox`, post, ana)).status).toBe(202);
    expect(directly()).toContain(post.id);
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Announce" && r.json?.object === post.object.id)[0], "the boost of the post");
  });

  it("hands a post with an integrity proof whose HTTP signature fails to Fedify's path, which tries the proof, then refuses it (401)", async () => {
    const post = proofed(ana, host);
    const res = await sendWithAnotherBody(post);
    expect(res.status).toBe(401);
    expect(directly()).not.toContain(post.id);
  });

  it("queues an Announce without its integrity proof, which its HTTP signature stood in for, and a Create with its own", async () => {
    const queued: Record<string, unknown>[] = [];
    const enqueueMany = praxis.queue.enqueueMany;
    praxis.queue.enqueueMany = function (messages, options) {
      for (const m of messages) if ((m as { type?: string }).type === "inbox") queued.push((m as { activity: Record<string, unknown> }).activity);
      return enqueueMany.call(this, messages, options);
    };
    try {
      const post = proofed(ana, host);
      const { object: _object, ...shell } = post;
      const announce = { ...shell, id: host.newId("announces"), type: "Announce", object: post.object.id };
      expect((await host.send(`${group}/inbox`, announce, ana)).status).toBe(202);
      expect((await host.send(`${group}/inbox`, post, ana)).status).toBe(202);
      expect(directly()).toEqual(expect.arrayContaining([announce.id, post.id]));
      const byId = new Map(queued.map((a) => [a.id, a]));
      expect(byId.get(announce.id)).toEqual(Object.fromEntries(Object.entries(announce).filter(([k]) => k !== "proof")));
      expect(byId.get(post.id)?.proof).toEqual(post.proof);
    } finally {
      praxis.queue.enqueueMany = enqueueMany;
    }
  });
});
