// Praxis sends deliveries that need nothing of Fedify's judgement itself
// (src/federation/fast-delivery.ts) and streams a community's followers in
// pages (src/federation/fanout.ts). Checked against Fedify's behaviour over
// real HTTP: the signature is the one Fedify would make and verifies with the
// community's published key, the key is imported once rather than per
// delivery, a failed attempt is sent once and then judged by Fedify (retry,
// double knock), and no queued message carries the whole follower list.
import { createVerify } from "node:crypto";
import { signRequest } from "@fedify/fedify";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Create, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import { relayPost } from "../../src/federation/outbound.ts";
import { createCommunity, updateCommunity } from "../../src/operations/communities.ts";
import { PAGE_SIZE } from "../../src/federation/fanout.ts";
import { addMembers } from "../support/members.ts";
import { sleep, waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { type RawHost, type RawRequest, startRawHost } from "../support/raw-host.ts";

/** The Update(Group) activities each member's inbox received. */
const updatesAt = (host: RawHost, user: string) =>
  host.inboxPosts((r) => r.path === `/users/${user}/inbox` && r.json?.type === "Update");

function signatureParams(request: RawRequest): Record<string, string> {
  return Object.fromEntries([...String(request.headers.signature ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

describe("the delivery fast path", () => {
  let praxis: TestPraxis;
  let peer: RawHost;
  let modernHost: RawHost;
  let busyHost: RawHost;
  const users = Array.from({ length: 12 }, (_, i) => `m${i}`);

  beforeAll(async () => {
    peer = await startRawHost("127.0.0.61");
    // Fedify remembers per origin which signature format worked: one host each.
    busyHost = await startRawHost("127.0.0.63");
    busyHost.route("/users/flaky/inbox", () => ({ status: 503, body: "busy" }));
    // Refuses draft-cavage signatures, as a server requiring RFC 9421 would.
    modernHost = await startRawHost("127.0.0.64");
    modernHost.route("/users/modern/inbox", (req) => ({ status: req.headers["signature-input"] ? 202 : 401 }));
    praxis = await startPraxis({ queue: { concurrency: 8, pollIntervalMs: 25, leaseSeconds: 30 } });
    await createCommunity(praxis, "fast", { name: "Fast" });
    await addMembers(praxis, "fast", [
      ...users.map((u) => ({ uri: `${peer.origin}/users/${u}`, inbox: `${peer.origin}/users/${u}/inbox` })),
      { uri: `${busyHost.origin}/users/flaky`, inbox: `${busyHost.origin}/users/flaky/inbox` },
      { uri: `${modernHost.origin}/users/modern`, inbox: `${modernHost.origin}/users/modern/inbox` },
    ]);
  });
  afterAll(async () => {
    await praxis?.stop();
    for (const host of [peer, busyHost, modernHost]) await host?.stop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("signs like Fedify, verifiably, and imports the signing key once, not per delivery", async () => {
    const imports = vi.spyOn(crypto.subtle, "importKey");
    await updateCommunity(praxis, "fast", { summary: "Signed once" });
    await waitFor(() => users.every((u) => updatesAt(peer, u).length === 1), "every member's delivery");
    // Fedify imports both private keys for every delivery it sends (24 here).
    expect(imports.mock.calls.filter(([format]) => String(format) === "jwk").length).toBeLessThan(users.length / 2);

    const group = await (await fetch(`${praxis.origin}/c/fast`, { headers: { accept: "application/activity+json" } })).json();
    const publicKeyPem: string = group.publicKey.publicKeyPem;
    // The headers Fedify's own signRequest signs for the same POST.
    const keys = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true, ["sign", "verify"]) as CryptoKeyPair;
    const fedify = await signRequest(new Request(`${peer.origin}/users/m0/inbox`, {
      method: "POST", headers: { "Content-Type": "application/activity+json" }, body: "{}",
    }), keys.privateKey, new URL(group.publicKey.id), { spec: "draft-cavage-http-signatures-12" });
    const fedifyParams = Object.fromEntries([...fedify.headers.get("signature")!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

    for (const u of users) {
      const [request] = updatesAt(peer, u);
      const params = signatureParams(request);
      expect(params.keyId).toBe(group.publicKey.id);
      expect(params.algorithm).toBe(fedifyParams.algorithm);
      expect(params.headers).toBe(fedifyParams.headers);
      const signed = params.headers.split(" ").map((h) => h === "(request-target)"
        ? `(request-target): post ${request.path}` : `${h}: ${request.headers[h]}`).join("\n");
      expect(createVerify("RSA-SHA256").update(signed).verify(publicKeyPem, params.signature, "base64")).toBe(true);
      const digest = `SHA-256=${Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(request.body))).toString("base64")}`;
      expect(request.headers.digest).toBe(digest);
    }
  });

  it("sends a failed attempt once and leaves what follows to Fedify: its second knock, then its backoff", async () => {
    // The server refusing draft-cavage saw the first Update twice: the fast
    // path's draft-cavage POST (401, replayed to Fedify's handler, not sent
    // again) and Fedify's RFC 9421 second knock — not three times.
    await waitFor(() => updatesAt(modernHost, "modern").length >= 2, "the second knock at the RFC 9421 server");
    const [first, second] = updatesAt(modernHost, "modern");
    expect(second.json.id).toBe(first.json.id);
    expect(first.headers["signature-input"]).toBeUndefined();
    expect(second.headers["signature-input"]).toBeDefined();
    await sleep(300);
    expect(updatesAt(modernHost, "modern").filter((r) => r.json.id === first.json.id)).toHaveLength(2);

    // The busy server (503): Fedify knocks twice per attempt (both formats),
    // so an attempt is two requests, and the next attempt waits for its backoff.
    await updateCommunity(praxis, "fast", { summary: "Failing" });
    const attempts = () => updatesAt(busyHost, "flaky").filter((r) => r.json.object?.summary?.includes("Failing"));
    await waitFor(() => attempts().length >= 2, "the first attempt");
    await sleep(300);
    expect(attempts()).toHaveLength(2);
    // One request in each signature format.
    expect(attempts().map((r) => r.headers["signature-input"] !== undefined).sort()).toEqual([false, true]);
    await waitFor(() => attempts().length === 4, "Fedify's retry", 20_000);
    expect(attempts()[2].at - attempts()[1].at).toBeGreaterThan(500);
  });
});

describe("the follower fan-out", () => {
  let praxis: TestPraxis;
  let peer: RawHost;

  beforeAll(async () => {
    peer = await startRawHost("127.0.0.62");
    praxis = await startPraxis({ queue: { concurrency: 8, pollIntervalMs: 25, leaseSeconds: 30 } });
    await createCommunity(praxis, "big", { name: "Big" });
    // More members than a page, behind six shared inboxes (Fedify fans out through its queue from five inboxes on).
    const db = praxis.services.db;
    const community = (await praxis.services.repos.communities.findBySlug("big"))!;
    const now = new Date().toISOString();
    const count = PAGE_SIZE + 300;
    for (let start = 0; start < count; start += 500) {
      const batch = Array.from({ length: Math.min(500, count - start) }, (_, j) => start + j);
      await db.insertInto("remote_actors").values(batch.map((i) => ({
        uri: `${peer.origin}/users/u${String(i).padStart(5, "0")}`, handle: null, type: "Person", name: null,
        inbox: `${peer.origin}/users/u${i}/inbox`, shared_inbox: `${peer.origin}/inbox-${i % 6}`,
        url: null, icon_url: null, fetched_at: now,
      }))).execute();
      await db.insertInto("memberships").values(batch.map((i) => ({
        community_id: community.id, actor_uri: `${peer.origin}/users/u${String(i).padStart(5, "0")}`, status: "accepted" as const,
        follow_id: null, message: null, requested_at: now, accepted_at: now,
      }))).execute();
    }
  });
  afterAll(async () => {
    await praxis?.stop();
    await peer?.stop();
  });

  it("relays a post under the ids it records with the JSON sent, and under the same ids when the post is handled again", async () => {
    const community = (await praxis.services.repos.communities.findBySlug("big"))!;
    const ctx = praxis.federation.createContext(new URL(praxis.origin), praxis.services);
    const author = new URL(`${peer.origin}/users/u00000`);
    const noteId = new URL(`${peer.origin}/users/u00000/notes/relayed-twice`);
    const create = new Create({
      id: new URL(`${noteId.href}/activity`), actor: author, to: PUBLIC_COLLECTION,
      object: new Note({ id: noteId, attribution: author, content: "Handled twice", to: PUBLIC_COLLECTION }),
    });
    const announcesAt = () => peer.inboxPosts((r) => r.path === "/inbox-1" && r.json?.type === "Announce"
      && (r.json.object === noteId.href || r.json.object?.id === create.id!.href));
    await relayPost(ctx, community, create, noteId);
    const first = await waitFor(() => (announcesAt().length >= 2 ? announcesAt() : undefined), "the Announce and the boost");
    const ids = first.map((r) => r.json.id).sort();
    for (const received of first) {
      expect((await praxis.services.repos.activities.getByUri(received.json.id))?.json).toEqual(received.json);
    }
    await relayPost(ctx, community, create, noteId);
    const both = await waitFor(() => (announcesAt().length >= 4 ? announcesAt() : undefined), "the second relay");
    expect(both.slice(2).map((r) => r.json.id).sort()).toEqual(ids);
  });

  it("streams the members in pages: one delivery per shared inbox, and no queued message lists them all", async () => {
    /** The most members any one queued message names. */
    let most = 0;
    const count = (message: unknown) => {
      most = Math.max(most, JSON.stringify(message).split(`${peer.origin}/users/u`).length - 1);
    };
    const queue = praxis.queue as unknown as Record<string, (...args: any[]) => Promise<void>>;
    const originals = { enqueue: queue.enqueue, enqueueMany: queue.enqueueMany, enqueueEach: queue.enqueueEach };
    queue.enqueue = function (message, options) {
      count(message);
      return originals.enqueue.call(this, message, options);
    };
    queue.enqueueMany = function (messages: unknown[], options) {
      for (const m of messages) count(m);
      return originals.enqueueMany.call(this, messages, options);
    };
    if (originals.enqueueEach) {
      queue.enqueueEach = function (entries: { message: unknown }[]) {
        for (const e of entries) count(e.message);
        return originals.enqueueEach!.call(this, entries);
      };
    }
    try {
      await updateCommunity(praxis, "big", { summary: "To everyone" });
      await waitFor(() => peer.inboxPosts((r) => r.json?.type === "Update").length >= 6, "the six shared inboxes", 30_000);
      await sleep(500);
    } finally {
      Object.assign(queue, originals);
    }
    const posts = peer.inboxPosts((r) => r.json?.type === "Update");
    expect(posts.map((r) => r.path).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `/inbox-${i}`));
    // Fedify's own fan-out queues every member's id in one message; here a
    // delivery names the members of its inbox, at most a page of them.
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(PAGE_SIZE);
  });
});
