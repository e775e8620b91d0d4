// The whole foundation flow over real signed HTTP on loopback: a Praxis
// server and an independent Fedify peer playing a Mastodon server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { approveMember, listMembers, rejectMember } from "../../src/operations/members.ts";
import { startPeer, type Peer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { sleep, waitFor } from "../support/net.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

let praxis: TestPraxis;
let peer: Peer;
let open: string;
let closed: string;

beforeAll(async () => {
  praxis = await startPraxis();
  peer = await startPeer({ users: ["alice", "bob", "carol", "dave", "erin"] });
  await createCommunity(praxis, "gardeners", { name: "Gardeners", summary: "Urban gardening practice.", scale: "local", stream: "share", languages: "en,fr" });
  await createCommunity(praxis, "council", { name: "Council", closed: true });
  open = `${praxis.origin}/c/gardeners`;
  closed = `${praxis.origin}/c/council`;
});

afterAll(async () => {
  await peer?.stop();
  await praxis?.stop();
});

const announcesFrom = (group: string, filter: (json: any) => boolean = () => true) =>
  peer.receivedOf("Announce", (r) => r.actor === group && filter(r.json));
const objectId = (o: any): string | undefined => (typeof o === "string" ? o : o?.id);

describe("discovery", () => {
  it("serves the Group actor with the properties Lemmy and Mastodon need", async () => {
    const res = await fetch(open, { headers: { Accept: "application/activity+json" } });
    expect(res.status).toBe(200);
    const group = await res.json();
    expect(group.type).toBe("Group");
    expect(group.preferredUsername).toBe("gardeners");
    expect(group.inbox).toBe(`${open}/inbox`);
    expect(group.outbox).toBe(`${open}/outbox`);
    expect(group.followers).toBe(`${open}/followers`);
    expect(group.featured).toBe(`${open}/featured`);
    expect(group.attributedTo).toBe(`${open}/moderators`);
    expect(group.endpoints.sharedInbox).toBe(`${praxis.origin}/inbox`);
    expect(group.manuallyApprovesFollowers).toBe(false);
    expect(group.publicKey.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
    expect(group.assertionMethod?.length ?? 0).toBeGreaterThanOrEqual(1);
    const fields = Object.fromEntries(group.attachment.map((a: any) => [a.name, a.value]));
    expect(fields.Scale).toBe("Local");
    expect(fields.Stream).toBe("Share");
    expect(group["praxis:scale"] ?? group.scale).toBe("local");
  });

  it("uses a 2048-bit RSA key", async () => {
    const group = await (await fetch(open, { headers: { Accept: "application/activity+json" } })).json();
    const key = await crypto.subtle.importKey("spki",
      Buffer.from(group.publicKey.publicKeyPem.replace(/-----[^-]+-----|\s/g, ""), "base64"),
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
    expect((key.algorithm as RsaHashedKeyAlgorithm).modulusLength).toBe(2048);
  });

  it("answers WebFinger, NodeInfo and the instance actor", async () => {
    const host = new URL(praxis.origin).host;
    const wf = await fetch(`${praxis.origin}/.well-known/webfinger?resource=acct:gardeners@${host}`);
    expect(wf.status).toBe(200);
    const jrd = await wf.json();
    expect(jrd.links.find((l: any) => l.rel === "self").href).toBe(open);
    const missing = await fetch(`${praxis.origin}/.well-known/webfinger?resource=acct:nobody@${host}`);
    expect(missing.status).toBe(404);
    const ni = await (await fetch(`${praxis.origin}/.well-known/nodeinfo`)).json();
    const doc = await (await fetch(ni.links[0].href)).json();
    expect(doc.software.name).toBe("praxis");
    expect(doc.protocols).toEqual(["activitypub"]);
    const actor = await (await fetch(`${praxis.origin}/actor`, { headers: { Accept: "application/activity+json" } })).json();
    expect(actor.type).toBe("Application");
  });

  it("negotiates HTML for browsers and lists communities on /", async () => {
    const page = await fetch(open, { headers: { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain("Gardeners");
    expect(html).toContain(`@gardeners@${new URL(praxis.origin).host}`);
    const home = await (await fetch(praxis.origin)).text();
    expect(home).toContain("Gardeners");
    expect(home).toContain("Council");
  });
});

describe("open community", () => {
  let aliceFollow: string;

  it("accepts a Follow at once", async () => {
    aliceFollow = await peer.follow("alice", open);
    await peer.follow("bob", open);
    await peer.follow("dave", open);
    const accept = await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === open && objectId(r.json.object) === aliceFollow)[0], "Accept");
    // Lemmy needs a minimal nested Follow and an id without a URL fragment.
    expect(accept.json.object.actor).toBe(peer.userUri("alice"));
    expect(accept.json.object.object).toBe(open);
    expect(accept.id).not.toContain("#");
    await waitFor(async () => (await listMembers(praxis, "gardeners", false)).length === 3, "three members");
    const followers = await (await fetch(`${open}/followers`, { headers: { Accept: "application/activity+json" } })).json();
    expect(followers.totalItems).toBe(3);
  });

  let note: { noteId: string; createId: string };

  it("relays a member's public post as Announce(object) and Announce(Create)", async () => {
    note = await peer.post("alice", { content: "<p>Compost tips <script>alert(1)</script></p>", mention: [open] });
    const boost = await waitFor(() => announcesFrom(open, (j) => j.object === note.noteId)[0], "Announce(object)");
    expect(boost.json.to).toContain(PUBLIC);
    expect(boost.json.cc).toContain(`${open}/followers`);
    const wrapped = await waitFor(() => announcesFrom(open, (j) => j.object?.type === "Create" && j.object.id === note.createId)[0], "Announce(Create)");
    expect(objectId(wrapped.json.object.object)).toBe(note.noteId);
    // Stored once, shown on the page, hostile HTML removed.
    const html = await (await fetch(open)).text();
    expect(html).toContain("Compost tips");
    expect(html).not.toContain("<script>alert(1)");
  });

  it("does not announce the same post twice when it is delivered again", async () => {
    const before = announcesFrom(open).length;
    await peer.redeliver("alice", note.createId, [open]);
    await sleep(500);
    expect(announcesFrom(open).length).toBe(before);
  });

  it("relays replies, edits and likes, and withdraws the boost on delete", async () => {
    const reply = await peer.post("bob", { content: "Thanks!", inReplyTo: note.noteId, mention: [peer.userUri("alice")], deliverTo: [open] });
    await waitFor(() => announcesFrom(open, (j) => j.object === reply.noteId)[0], "reply boost");

    const updateId = await peer.update("alice", note.noteId, "<p>Compost tips (edited)</p>", [open]);
    await waitFor(() => announcesFrom(open, (j) => j.object?.id === updateId)[0], "Announce(Update)");

    const likeId = await peer.like("bob", note.noteId, [open]);
    await waitFor(() => announcesFrom(open, (j) => j.object?.id === likeId)[0], "Announce(Like)");
    const undoLikeId = await peer.undoLike("bob", likeId, note.noteId, [open]);
    await waitFor(() => announcesFrom(open, (j) => j.object?.id === undoLikeId)[0], "Announce(Undo(Like))");

    const deleteId = await peer.remove("alice", note.noteId, [open]);
    await waitFor(() => announcesFrom(open, (j) => j.object?.id === deleteId)[0], "Announce(Delete)");
    const undo = await waitFor(() => peer.receivedOf("Undo", (r) => r.actor === open && objectId(r.json.object?.object) === note.noteId)[0], "Undo(Announce)");
    expect(undo.json.object.type).toBe("Announce");
    const html = await (await fetch(open)).text();
    expect(html).not.toContain("Compost tips");
  });

  it("never relays followers-only or direct posts, nor posts from non-members", async () => {
    const before = announcesFrom(open).length;
    const privatePost = await peer.post("alice", { content: "followers only", mention: [open], visibility: "followers" });
    const direct = await peer.post("alice", { content: "a direct message", mention: [open], visibility: "direct" });
    const stranger = await peer.post("carol", { content: "spam from a non-member", mention: [open] });
    // A public post afterwards proves the queue has moved past the three.
    const marker = await peer.post("alice", { content: "marker", mention: [open] });
    await waitFor(() => announcesFrom(open, (j) => j.object === marker.noteId)[0], "marker boost");
    const relayed = announcesFrom(open).slice(before).map((r) => objectId(r.json.object) ?? "");
    for (const p of [privatePost, direct, stranger]) {
      expect(relayed).not.toContain(p.noteId);
      expect(relayed).not.toContain(p.createId);
    }
    const html = await (await fetch(open)).text();
    expect(html).not.toContain("followers only");
    expect(html).not.toContain("spam from a non-member");
  });

  it("removes a member on Undo(Follow)", async () => {
    await peer.undoFollow("alice", open, aliceFollow);
    await waitFor(async () => !(await listMembers(praxis, "gardeners", false)).some((m) => m.actorUri === peer.userUri("alice")), "alice removed");
  });
});

describe("closed community", () => {
  it("keeps a Follow pending until a moderator approves it", async () => {
    const followId = await peer.follow("carol", closed);
    await waitFor(async () => (await listMembers(praxis, "council", true)).length === 1, "pending request");
    expect(peer.receivedOf("Accept", (r) => r.actor === closed)).toHaveLength(0);
    const group = await (await fetch(closed, { headers: { Accept: "application/activity+json" } })).json();
    expect(group.manuallyApprovesFollowers).toBe(true);
    // Posts from an applicant are not relayed.
    const early = await peer.post("carol", { content: "let me in", mention: [closed] });
    // Handled while Carol is still an applicant (else the approval could overtake it).
    await waitFor(async () => {
      const stats = await praxis.queue.stats();
      return stats.ready === 0 && stats.leased === 0;
    }, "the applicant's post to be handled");

    await approveMember(praxis, "council", peer.userUri("carol"));
    await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === closed && objectId(r.json.object) === followId)[0], "Accept after approval");
    expect(await listMembers(praxis, "council", false)).toHaveLength(1);
    expect(announcesFrom(closed, (j) => objectId(j.object) === early.noteId)).toHaveLength(0);

    const post = await peer.post("carol", { content: "hello council", mention: [closed] });
    await waitFor(() => announcesFrom(closed, (j) => j.object === post.noteId)[0], "member post relayed");
  });

  it("sends Reject when a moderator declines, and accepts handles", async () => {
    const followId = await peer.follow("erin", closed);
    await waitFor(async () => (await listMembers(praxis, "council", true)).length === 1, "erin pending");
    await rejectMember(praxis, "council", `@erin@${new URL(peer.origin).host}`);
    await waitFor(() => peer.receivedOf("Reject", (r) => r.actor === closed && objectId(r.json.object) === followId)[0], "Reject");
    expect(await listMembers(praxis, "council", true)).toHaveLength(0);
  });
});

describe("bad input", () => {
  const inbox = () => `${praxis.origin}/c/gardeners/inbox`;
  const activity = () => ({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${peer.origin}/users/alice/follows/${crypto.randomUUID()}`,
    type: "Follow",
    actor: peer.userUri("alice"),
    object: open,
  });

  it("answers malformed JSON with 400", async () => {
    const res = await fetch(inbox(), { method: "POST", headers: { "Content-Type": "application/activity+json" }, body: "{not json" });
    expect(res.status).toBe(400);
  });

  it("answers an unsigned inbox POST with 401", async () => {
    const res = await fetch(inbox(), { method: "POST", headers: { "Content-Type": "application/activity+json" }, body: JSON.stringify(activity()) });
    expect(res.status).toBe(401);
  });

  it("answers a badly signed inbox POST with 401", async () => {
    const res = await fetch(inbox(), {
      method: "POST",
      headers: {
        "Content-Type": "application/activity+json",
        Date: new Date().toUTCString(),
        Signature: `keyId="${peer.userUri("alice")}#main-key",algorithm="rsa-sha256",headers="(request-target) host date",signature="${Buffer.from("forged").toString("base64")}"`,
      },
      body: JSON.stringify(activity()),
    });
    expect(res.status).toBe(401);
  });

  it("answers an oversized body with 413, with or without Content-Length", async () => {
    const big = JSON.stringify({ ...activity(), content: "x".repeat(2 * 1024 * 1024) });
    const res = await fetch(inbox(), { method: "POST", headers: { "Content-Type": "application/activity+json" }, body: big });
    expect(res.status).toBe(413);
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } });
    const chunked = await fetch(inbox(), { method: "POST", headers: { "Content-Type": "application/activity+json" }, body: stream, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it("answers an unknown community with 404", async () => {
    const actor = await fetch(`${praxis.origin}/c/nowhere`, { headers: { Accept: "application/activity+json" } });
    expect(actor.status).toBe(404);
    const page = await fetch(`${praxis.origin}/c/nowhere`);
    expect(page.status).toBe(404);
    const res = await fetch(`${praxis.origin}/c/nowhere/inbox`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body: JSON.stringify(activity()) });
    expect(res.status).toBe(404);
  });

  it("still works after all that", async () => {
    const res = await fetch(`${praxis.origin}/healthz`);
    expect(res.status).toBe(200);
  });
});
