// What real servers send, replayed over real signed HTTP from a raw host
// (HTTP signature only, as Mastodon, Lemmy and NodeBB sign): the shapes of
// PeerTube, Funkwhale, Mobilizon, Lemmy, NodeBB, Misskey and Pleroma
// payloads (test/fixtures/payloads), and the answers Praxis gives them.
import { configure, type LogRecord } from "@logtape/logtape";
import Database from "better-sqlite3";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { fixture } from "../support/fixtures.ts";
import { sleep, waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, generateRsaKey, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
let praxis: TestPraxis;
let host: RawHost;
let group: string;
let alice: RawActor;
const logs: LogRecord[] = [];

const objectId = (o: any): string | undefined => (typeof o === "string" ? o : o?.id);
const announces = (filter: (json: any) => boolean) => host.inboxPosts((r) => r.json?.type === "Announce" && r.json?.actor === group && filter(r.json));
const boostOf = (id: string) => waitFor(() => announces((j) => j.object === id)[0], `the boost of ${id}`);
const relayOf = (activityId: string) => waitFor(() => announces((j) => objectId(j.object) === activityId)[0], `the relay of ${activityId}`);
const page = async () => (await fetch(group)).text();
const vars = (extra: Record<string, unknown> = {}) => ({ origin: host.origin, actor: alice.id, group, uuid: crypto.randomUUID(), ...extra });
const messages = (level: string) => logs.filter((r) => r.level === level && r.category[0] === "praxis").map((r) => r.message.map(String).join(""));

async function join(actor: RawActor): Promise<void> {
  const followId = host.newId("follows");
  const res = await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: actor.id, object: group }, actor);
  expect(res.status).toBe(202);
  await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept" && objectId(r.json?.object) === followId)[0], `Accept of ${followId}`);
}

/** Posts a marker note and waits for its boost: deliveries sent before it have been processed by then. */
async function settle(): Promise<void> {
  const noteId = `${alice.id}/statuses/${crypto.randomUUID()}`;
  const note = { id: noteId, type: "Note", attributedTo: alice.id, content: "marker", to: [PUBLIC, group], cc: [] };
  expect((await host.send(`${praxis.origin}/inbox`, { "@context": AS_CONTEXT, id: `${noteId}/activity`, type: "Create", actor: alice.id, object: note, to: note.to }, alice)).status).toBe(202);
  await boostOf(noteId);
}

beforeAll(async () => {
  await configure({
    reset: true,
    sinks: { buffer: (r: LogRecord) => void logs.push(r) },
    loggers: [
      { category: "praxis", lowestLevel: "info", sinks: ["buffer"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["buffer"] },
    ],
  });
  praxis = await startPraxis();
  host = await startRawHost("127.0.0.6");
  await createCommunity(praxis, "makers", { name: "Makers" });
  group = `${praxis.origin}/c/makers`;
  alice = await host.actor("alice");
  await join(alice);
});

afterAll(async () => {
  await host?.stop();
  await praxis?.stop();
});

describe("object types other than Note, Article, Page and Question", () => {
  it("relays a PeerTube Video, stores it and shows it with a link to the video page", async () => {
    const create = fixture("peertube-create-video", vars());
    expect((await host.send(`${praxis.origin}/inbox`, create, alice)).status).toBe(202);
    await relayOf(create.id);
    await boostOf(create.object.id);
    const html = await page();
    expect(html).toContain("Sharpening a chisel in five minutes");
    expect(html).toContain(`href="${host.origin}/w/${create.object.uuid}"`);
  });

  it("relays a Funkwhale Audio", async () => {
    const create = fixture("funkwhale-create-audio", vars());
    expect((await host.send(`${praxis.origin}/inbox`, create, alice)).status).toBe(202);
    await relayOf(create.id);
    await boostOf(create.object.id);
    expect(await page()).toContain("Episode 12: the joinery bench");
  });

  it("relays a Mobilizon Event and shows when and where it takes place", async () => {
    const create = fixture("mobilizon-create-event", vars());
    expect((await host.send(`${praxis.origin}/inbox`, create, alice)).status).toBe(202);
    await relayOf(create.id);
    await boostOf(create.object.id);
    const html = await page();
    expect(html).toContain("Repair café, December");
    expect(html).toContain(`<time datetime="2026-12-12T13:00:00.000Z"`);
    expect(html).toContain("Maison des associations");
    expect(html).toContain("<strong>lamp</strong>");
  });

  it("logs, at info level and with the reason, a post it does not relay", async () => {
    const create = fixture("pleroma-create-chatmessage", vars());
    const res = await host.send(`${praxis.origin}/inbox`, create, alice);
    expect(res.status).toBe(202);
    await settle();
    expect(messages("info").filter((m) => m.includes(create.id))).toEqual([expect.stringMatching(/ChatMessage|not a post/)]);
  });
});

describe("audience", () => {
  it("relays a Lemmy post whose audience also lists the Public collection", async () => {
    const create = fixture("lemmy-create-page-public-audience", vars());
    expect((await host.send(`${praxis.origin}/inbox`, create, alice)).status).toBe(202);
    await relayOf(create.id);
    expect(await page()).toContain("Which glue for oak?");
  });
});

describe("an author's Undo(Delete)", () => {
  it("restores the post, relays the Undo and boosts it again under a fresh id", async () => {
    const v = vars({ deleteId: crypto.randomUUID() });
    const create = fixture("lemmy-create-page-public-audience", v);
    const post = create.object;
    // As its origin serves it when restored, with Lemmy's null attachment id.
    host.serve(post.id, { "@context": create["@context"], ...post, name: "Restorable post", attachment: [{ type: "Link", id: null, href: "https://woodworking.example/" }] });
    expect((await host.send(`${praxis.origin}/inbox`, { ...create, object: { ...post, name: "Restorable post" } }, alice)).status).toBe(202);
    const firstBoost = await boostOf(post.id);

    const del = fixture("lemmy-delete-page", { ...v, object: post.id });
    expect((await host.send(`${praxis.origin}/inbox`, del, alice)).status).toBe(202);
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Undo" && r.json?.actor === group && objectId(r.json.object?.object) === post.id)[0], "Undo(Announce)");
    expect(await page()).not.toContain("Restorable post");

    const undo = fixture("lemmy-undo-delete-page", { ...v, object: post.id });
    expect((await host.send(`${praxis.origin}/inbox`, undo, alice)).status).toBe(202);
    await relayOf(undo.id);
    await waitFor(() => announces((j) => j.object === post.id && j.id !== firstBoost.json.id)[0], "a fresh boost");
    expect(await page()).toContain("Restorable post");
  });

  it("ignores an Undo(Delete) from someone other than the author", async () => {
    const mallory = await host.actor("mallory");
    await join(mallory);
    const v = vars({ deleteId: crypto.randomUUID() });
    const create = fixture("lemmy-create-page-public-audience", v);
    host.serve(create.object.id, { "@context": create["@context"], ...create.object, name: "Deleted for good" });
    expect((await host.send(`${praxis.origin}/inbox`, { ...create, object: { ...create.object, name: "Deleted for good" } }, alice)).status).toBe(202);
    await boostOf(create.object.id);
    expect((await host.send(`${praxis.origin}/inbox`, fixture("lemmy-delete-page", { ...v, object: create.object.id }), alice)).status).toBe(202);
    await waitFor(async () => !(await page()).includes("Deleted for good"), "the deletion");
    const undo = fixture("lemmy-undo-delete-page", { ...v, actor: mallory.id, object: create.object.id });
    expect((await host.send(`${praxis.origin}/inbox`, undo, mallory)).status).toBe(202);
    await settle();
    expect(await page()).not.toContain("Deleted for good");
  });
});

describe("payloads strict JSON-LD refuses but Lemmy and NodeBB accept", () => {
  it("relays a post whose attachment has \"id\": null", async () => {
    const create = fixture("lemmy-create-page-null-attachment-id", vars());
    expect((await host.send(`${praxis.origin}/inbox`, create, alice)).status).toBe(202);
    await relayOf(create.id);
    expect(await page()).toContain("A guide to dovetails");
  });

  it("relays an activity whose @context lacks the ActivityStreams context, showing its summary as an excerpt", async () => {
    const create = fixture("nodebb-create-article-no-as-context", vars());
    expect((await host.send(`${praxis.origin}/inbox`, create, alice)).status).toBe(202);
    await relayOf(create.id);
    const html = await page();
    expect(html).toContain("Our workshop&#39;s first month");
    expect(html).not.toContain("Content warning");
    expect(html).not.toContain("&lt;p&gt;");
    expect(html).toContain("And one stool.");
    // Its feed entry likewise.
    const feed = await (await fetch(`${group}/feed.atom`)).text();
    expect(feed).toContain("And one stool.");
    expect(feed).not.toContain("Content warning");
  });

  it("still refuses such a payload when its body is not the one the signature covers", async () => {
    const create = fixture("lemmy-create-page-null-attachment-id", vars());
    const body = JSON.stringify(create);
    const signed = await host.send(`${praxis.origin}/inbox`, create, alice, { headers: { "x-probe": "1" } });
    expect(signed.status).toBe(202);
    // The same signature headers over a different body: the digest no longer matches.
    const tampered = { ...create, id: `${create.id}-2`, object: { ...create.object, id: `${create.object.id}-2`, name: "Forged" } };
    const { signRequest } = await import("@fedify/fedify");
    const original = await signRequest(new Request(`${praxis.origin}/inbox`, {
      method: "POST", headers: { "content-type": "application/activity+json" }, body,
    }), alice.privateKey, new URL(alice.keyId));
    const res = await fetch(`${praxis.origin}/inbox`, { method: "POST", headers: original.headers, body: JSON.stringify(tampered) });
    expect(res.status).toBe(401);
  });
});

describe("errors while handling an inbox POST", () => {
  it("answers a profile update with an invalid embedded key with 400, not 500", async () => {
    const update = fixture("mastodon-update-person-bad-key", vars());
    const res = await host.send(`${praxis.origin}/inbox`, update, alice);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).not.toMatch(/html/);
  });

  it("answers 202 to activity and object types Fedify does not know, and 401 when unsigned", async () => {
    // Lemmy's own Lock (no term definition) already parses; Praxis's former one, and PeerTube's CacheFile, did not.
    const lemmyLock = fixture("lemmy-announce-lock", { origin: host.origin, actor: alice.id, uuid: crypto.randomUUID() });
    expect((await host.send(`${praxis.origin}/inbox`, lemmyLock, alice)).status).toBe(202);
    const praxisLock = fixture("praxis-announce-lock-defined", { origin: host.origin, actor: alice.id, uuid: crypto.randomUUID() });
    expect((await host.send(`${praxis.origin}/inbox`, praxisLock, alice)).status).toBe(202);
    const cacheFile = fixture("peertube-create-cachefile", vars());
    expect((await host.send(`${praxis.origin}/inbox`, cacheFile, alice)).status).toBe(202);
    expect(messages("info").some((m) => m.includes(cacheFile.id) && /CacheFile/.test(m))).toBe(true);
    expect((await host.send(`${praxis.origin}/inbox`, { ...cacheFile, id: `${cacheFile.id}-unsigned` }, null)).status).toBe(401);
    const stranger = await generateRsaKey();
    expect((await host.send(`${praxis.origin}/inbox`, { ...cacheFile, id: `${cacheFile.id}-forged` }, { keyId: alice.keyId, privateKey: stranger.privateKey })).status).toBe(401);
  });
});

describe("older Misskey keys", () => {
  it("accepts a signature whose keyId is a standalone Key document the owner lists", async () => {
    const { privateKey, publicKeyPem } = await generateRsaKey();
    const bob = await host.actor("bob");
    const keyId = `${bob.id}/publickey`;
    bob.document.publicKey = { id: keyId, type: "Key", owner: bob.id, publicKeyPem };
    host.serve(keyId, fixture("misskey-key", { keyId, actor: bob.id, publicKeyPem }));
    const followId = host.newId("follows");
    const res = await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: bob.id, object: group }, { keyId, privateKey });
    expect(res.status).toBe(202);
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept" && objectId(r.json?.object) === followId)[0], "Accept");
  });
});

describe("the database being unavailable", () => {
  it("answers 503 with Retry-After, not 500", async () => {
    const create = fixture("lemmy-create-page-public-audience", vars());
    // Another process holds the write lock longer than the busy timeout.
    const other = new Database(path.join(praxis.dataDir, "praxis.sqlite"));
    other.pragma("busy_timeout = 0");
    other.exec("BEGIN EXCLUSIVE");
    try {
      const res = await host.send(`${praxis.origin}/inbox`, create, alice);
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    await sleep(50);
  });
});
