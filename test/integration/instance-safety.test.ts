// Instance safety over real signed HTTP: peers on two loopback hosts
// (127.0.0.1 and 127.0.0.2) so that a domain block, the allow-list and the
// per-host rate limit can tell them apart.
import { SendActivityError } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { allowDomain, blockDomain, unblockDomain } from "../../src/operations/domains.ts";
import { listMembers } from "../../src/operations/members.ts";
import { sleep, waitFor } from "../support/net.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const NEAR_HOST = "127.0.0.1";
const FAR_HOST = "127.0.0.2";
const BY = "test";

/** The HTTP status a peer's delivery failed with, or 202-ish success as null. */
async function deliveryStatus(send: Promise<unknown>): Promise<number | null> {
  try {
    await send;
    return null;
  } catch (e) {
    if (e instanceof SendActivityError) return e.statusCode;
    throw e;
  }
}

const objectId = (o: any): string | undefined => (typeof o === "string" ? o : o?.id);

describe("domain blocks", () => {
  let praxis: TestPraxis;
  let near: Peer;
  let far: Peer;
  let commons: string;

  beforeAll(async () => {
    praxis = await startPraxis();
    near = await startPeer({ users: ["alice"], hostname: NEAR_HOST });
    far = await startPeer({ users: ["eve", "mallory"], hostname: FAR_HOST });
    await createCommunity(praxis, "commons", { name: "Commons" });
    commons = `${praxis.origin}/c/commons`;
  });

  afterAll(async () => {
    await near?.stop();
    await far?.stop();
    await praxis?.stop();
  });

  it("removes a blocked host's members from every community", async () => {
    await near.follow("alice", commons);
    await far.follow("eve", commons);
    await waitFor(async () => (await listMembers(praxis, "commons", false)).length === 2, "two members");
    const result = await blockDomain(praxis, FAR_HOST, "test block", BY);
    expect(result).toMatchObject({ host: FAR_HOST, created: true, removedMembers: 1 });
    expect((await listMembers(praxis, "commons", false)).map((m) => m.actorUri)).toEqual([near.userUri("alice")]);
  });

  it("refuses a signed Follow from a blocked host with 403 and stores nothing", async () => {
    const status = await deliveryStatus(far.follow("mallory", commons));
    expect(status).toBe(403);
    await sleep(300);
    const { repos } = praxis.services;
    const community = (await repos.communities.findBySlug("commons"))!;
    expect(await repos.memberships.get(community.id, far.userUri("mallory"))).toBeNull();
    expect(await repos.remoteActors.get(far.userUri("mallory"))).toBeNull();
    // Subdomain-style and case variants of the same host are refused too, by the actor named in the body.
    const raw = await fetch(`${commons}/inbox`, {
      method: "POST",
      headers: { "Content-Type": "application/activity+json" },
      body: JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", type: "Follow", id: `${far.origin}/f/1`, actor: far.userUri("mallory"), object: commons }),
    });
    expect(raw.status).toBe(403);
    expect(await raw.text()).toContain(FAR_HOST);
  });

  it("keeps delivering to other hosts, and accepts the host again once unblocked", async () => {
    const post = await near.post("alice", { content: "Still here", mention: [commons] });
    await waitFor(() => near.receivedOf("Announce", (r) => r.actor === commons && objectId(r.json.object) === post.noteId)[0], "announce to near");
    expect(far.receivedOf("Announce", (r) => r.actor === commons && objectId(r.json.object) === post.noteId)).toHaveLength(0);
    await unblockDomain(praxis, FAR_HOST, BY);
    expect(await deliveryStatus(far.follow("mallory", commons))).toBeNull();
    await waitFor(() => far.receivedOf("Accept", (r) => r.actor === commons)[0], "Accept after unblock");
  });
});

describe("allowlist mode", () => {
  let praxis: TestPraxis;
  let near: Peer;
  let far: Peer;
  let circle: string;

  beforeAll(async () => {
    praxis = await startPraxis({ federation: { mode: "allowlist" } });
    near = await startPeer({ users: ["alice"], hostname: NEAR_HOST });
    far = await startPeer({ users: ["eve", "mallory"], hostname: FAR_HOST });
    await createCommunity(praxis, "circle", { name: "Circle" });
    circle = `${praxis.origin}/c/circle`;
    await allowDomain(praxis, NEAR_HOST, BY);
  });

  afterAll(async () => {
    await near?.stop();
    await far?.stop();
    await praxis?.stop();
  });

  it("accepts a listed host and refuses an unlisted one with 403", async () => {
    expect(await deliveryStatus(near.follow("alice", circle))).toBeNull();
    await waitFor(() => near.receivedOf("Accept", (r) => r.actor === circle)[0], "Accept for the listed host");
    expect(await deliveryStatus(far.follow("mallory", circle))).toBe(403);
    const { repos } = praxis.services;
    const community = (await repos.communities.findBySlug("circle"))!;
    expect(await repos.memberships.get(community.id, far.userUri("mallory"))).toBeNull();
    expect(await repos.remoteActors.get(far.userUri("mallory"))).toBeNull();
  });

  it("does not deliver to an unlisted host, even to a member it already had", async () => {
    // A member from before the instance switched to allowlist mode.
    const { repos } = praxis.services;
    const community = (await repos.communities.findBySlug("circle"))!;
    await repos.remoteActors.upsert({
      uri: far.userUri("eve"), handle: `@eve@${new URL(far.origin).host}`, type: "Person", name: "Eve",
      inbox: `${far.userUri("eve")}/inbox`, sharedInbox: `${far.origin}/inbox`, url: null, iconUrl: null,
    });
    await repos.memberships.upsert(community.id, far.userUri("eve"), "accepted", null);
    const post = await near.post("alice", { content: "Circle news", mention: [circle] });
    await waitFor(() => near.receivedOf("Announce", (r) => r.actor === circle && objectId(r.json.object) === post.noteId)[0], "announce to the listed host");
    await sleep(500);
    expect(far.receivedOf("Announce")).toHaveLength(0);
  });
});

describe("per-host inbox rate limit", () => {
  let praxis: TestPraxis;
  let near: Peer;
  let far: Peer;
  let forum: string;

  beforeAll(async () => {
    praxis = await startPraxis({ limits: { inboxRequestsPerWindow: 4, inboxWindowSeconds: 60 } });
    near = await startPeer({ users: ["alice"], hostname: NEAR_HOST });
    far = await startPeer({ users: ["eve"], hostname: FAR_HOST });
    await createCommunity(praxis, "forum", { name: "Forum" });
    forum = `${praxis.origin}/c/forum`;
  });

  afterAll(async () => {
    await near?.stop();
    await far?.stop();
    await praxis?.stop();
  });

  it("answers a burst from one host with 429 and Retry-After while another host is still accepted", async () => {
    const statuses: Array<number | null> = [];
    for (let i = 0; i < 6; i++) statuses.push(await deliveryStatus(far.follow("eve", forum)));
    expect(statuses.slice(0, 4)).toEqual([null, null, null, null]);
    expect(statuses.slice(4)).toEqual([429, 429]);

    // The host is taken from the signature's keyId before verification.
    const res = await fetch(`${forum}/inbox`, {
      method: "POST",
      headers: {
        "Content-Type": "application/activity+json",
        Signature: `keyId="${far.userUri("eve")}#main-key",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"`,
      },
      body: JSON.stringify({ type: "Follow", actor: far.userUri("eve"), object: forum }),
    });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    expect(await deliveryStatus(near.follow("alice", forum))).toBeNull();
    await waitFor(() => near.receivedOf("Accept", (r) => r.actor === forum)[0], "Accept for the other host");
  });

  it("checks the body size before the rate limit", async () => {
    const big = JSON.stringify({ type: "Follow", actor: far.userUri("eve"), content: "x".repeat(2 * 1024 * 1024) });
    const res = await fetch(`${forum}/inbox`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body: big });
    expect(res.status).toBe(413);
  });
});
