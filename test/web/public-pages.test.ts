// The visitor pages over HTTP, fed by a Fedify peer over real signed HTTP:
// thread pages with nested replies and counts, attachments kept from the
// Create, paging that holds when new posts arrive, the language cookie,
// feeds, remote follow, and the HTTP behaviour (conditional GET, caching,
// compression, one Vary, favicon, robots, Open Graph).
import { gunzipSync } from "node:zlib";
import { parseFeed } from "@rowanmanning/feed-parser";
import { Create, Document, Image, LanguageString, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { listMembers } from "../../src/operations/members.ts";
import { waitFor } from "../support/net.ts";
import { startPeer, type Peer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

let praxis: TestPraxis;
let peer: Peer;
let nurses: string;
let closed: string;

const html = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(new URL(path, praxis.origin), { ...init, headers: { Accept: "text/html", ...(init.headers ?? {}) }, redirect: "manual" });
  return { res, text: await res.text() };
};
const main = (page: string) => page.slice(page.indexOf("<main"), page.indexOf("</main>"));

async function postRow(noteId: string) {
  return waitFor(async () => (await praxis.services.repos.posts.findByObject(noteId))[0], `post ${noteId} stored`);
}

/** A Note with attachments and a contentMap, as Mastodon sends them. */
async function postWithMedia(user: string, group: string): Promise<string> {
  const actor = new URL(peer.userUri(user));
  const id = new URL(`${peer.userUri(user)}/notes/${crypto.randomUUID()}`);
  const note = new Note({
    id, attribution: actor, contents: ["<p>Photos du service</p>", new LanguageString("<p>Photos du service</p>", "fr")],
    published: Temporal.Instant.from(new Date().toISOString()) as never,
    tos: [PUBLIC_COLLECTION, new URL(group)],
    attachments: [
      new Document({ url: new URL("https://media.invalid/ward.png"), mediaType: "image/png", name: "A tidy ward at night", width: 800, height: 600 }),
      new Image({ url: new URL("https://media.invalid/chart.jpg"), mediaType: "image/jpeg" }),
      new Document({ url: new URL("https://media.invalid/protocol.pdf"), mediaType: "application/pdf", name: "Night protocol" }),
    ],
  });
  await peer.send(user, new Create({ id: new URL(`${id.href}/activity`), actor, object: note, tos: [PUBLIC_COLLECTION, new URL(group)] }), [group]);
  return id.href;
}

beforeAll(async () => {
  praxis = await startPraxis();
  peer = await startPeer({ users: ["alice", "bob", "carol"] });
  await createCommunity(praxis, "nurses", { name: "Nurses", summary: "Sharing what works on the ward.", languages: "en,fr" });
  await createCommunity(praxis, "quiet", { name: "Quiet circle", closed: true });
  nurses = `${praxis.origin}/c/nurses`;
  closed = `${praxis.origin}/c/quiet`;
  for (const user of ["alice", "bob", "carol"]) await peer.follow(user, nurses);
  await waitFor(async () => (await listMembers(praxis, "nurses", false)).length === 3, "three members");
});

afterAll(async () => {
  await peer?.stop();
  await praxis?.stop();
});

describe("thread pages", () => {
  it("show the post, its replies nested, like and reply counts and the original's link", async () => {
    const root = await peer.post("alice", { content: "<p>How do you hand over at night?</p>", mention: [nurses] });
    const rootRow = await postRow(root.noteId);
    const reply = await peer.post("bob", { content: "<p>With a checklist.</p>", mention: [nurses], inReplyTo: root.noteId });
    await postRow(reply.noteId);
    const nested = await peer.post("carol", { content: "<p>Which one?</p>", mention: [nurses], inReplyTo: reply.noteId });
    const nestedRow = await postRow(nested.noteId);
    await peer.like("bob", root.noteId, [nurses]);
    await peer.like("carol", root.noteId, [nurses]);
    await waitFor(async () => (await praxis.services.repos.reactions.likeCounts(rootRow.community_id, [root.noteId])).get(root.noteId) === 2, "two likes");

    const { res, text } = await html(`/c/nurses/posts/${rootRow.id}`);
    expect(res.status).toBe(200);
    const page = main(text);
    expect(page).toContain("How do you hand over at night?");
    expect(page).toContain("2 likes");
    expect(page).toContain("2 replies");
    expect(page).toContain(`href="${root.noteId}" rel="nofollow noopener noreferrer ugc">View original</a>`);
    // Nested: carol's reply is inside bob's.
    expect(page).toMatch(/With a checklist\.[\s\S]*<ul class="replies"><li>[\s\S]*Which one\?/);
    // A reply's "Reply to…" leads to its parent's page here; its own page points at the thread start.
    const nestedPage = main((await html(`/c/nurses/posts/${nestedRow.id}`)).text);
    expect(nestedPage).toContain(`<a href="/c/nurses/posts/${rootRow.id}">`);
    expect(nestedPage).toMatch(/Reply to another post/);
    // The community page lists the thread (not its replies) and links to it.
    const community = main((await html("/c/nurses")).text);
    expect(community).toContain(`href="/c/nurses/posts/${rootRow.id}"`);
    expect(community).not.toContain("Which one?");
  });

  it("keep a post's attachments and language: images with alt text or a visible 'without description', files as links", async () => {
    const noteId = await postWithMedia("alice", nurses);
    const row = await postRow(noteId);
    expect(row.language).toBe("fr");
    const page = main((await html(`/c/nurses/posts/${row.id}`)).text);
    expect(page).toContain(`<div class="content" lang="fr"><p>Photos du service</p></div>`);
    expect(page).toMatch(/<img src="https:\/\/media\.invalid\/ward\.png" alt="A tidy ward at night" width="800" height="600" loading="lazy" decoding="async" referrerpolicy="no-referrer"/);
    expect(page).toMatch(/<img src="https:\/\/media\.invalid\/chart\.jpg" alt="Image without description"[^>]*>/);
    expect(page).toContain(`<figcaption class="no-alt">Image without description</figcaption>`);
    expect(page).toContain(`File: <span lang="fr">Night protocol</span></a> <span class="muted">(application/pdf)</span>`);
  });

  it("is the url of a pinned post in the featured collection", async () => {
    const { noteId } = await peer.post("alice", { content: "<p>Read this first</p>", mention: [nurses] });
    const row = await postRow(noteId);
    const { setPinned } = await import("../../src/operations/moderation.ts");
    await setPinned(praxis, "nurses", noteId, true, "test:moderator");
    const featured = await (await fetch(`${nurses}/featured`, { headers: { Accept: "application/activity+json" } })).json();
    const item = featured.orderedItems.find((i: { id: string }) => i.id === noteId);
    expect(item.url).toBe(`${praxis.origin}/c/nurses/posts/${row.id}`);
  });
});

describe("the community page", () => {
  it("pages back and forth, and a new post does not shift the older pages", async () => {
    await createCommunity(praxis, "busy", { name: "Busy" });
    const busy = `${praxis.origin}/c/busy`;
    await peer.follow("alice", busy);
    await waitFor(async () => (await listMembers(praxis, "busy", false)).length === 1, "member");
    for (let i = 1; i <= 25; i++) await peer.post("alice", { content: `<p>Post number ${i}.</p>`, mention: [busy] });
    await waitFor(async () => (await praxis.services.repos.posts.count()) >= 25, "25 posts");
    await waitFor(async () => main((await html("/c/busy")).text).includes("Post number 25."), "the newest on the first page");
    const first = main((await html("/c/busy")).text);
    expect(first).toContain("Post number 6.");
    expect(first).not.toContain("Post number 5.");
    const older = /href="(\/c\/busy\?before=[^"]+)" rel="next"/.exec(first)![1].replaceAll("&amp;", "&");
    // A new post arrives: the second page is the same.
    const fresh = await peer.post("alice", { content: "<p>Post number 26.</p>", mention: [busy] });
    await postRow(fresh.noteId);
    const second = main((await html(older)).text);
    for (let i = 1; i <= 5; i++) expect(second).toContain(`Post number ${i}.`);
    expect(second).not.toContain("Post number 6.");
    expect(second).toContain("No more posts.");
    const newer = /href="(\/c\/busy\?after=[^"]+)" rel="prev"/.exec(second)![1].replaceAll("&amp;", "&");
    const back = main((await html(newer)).text);
    expect(back).toContain("Post number 6.");
    expect(back).toContain("Post number 25.");
    expect(back).not.toContain("Post number 26.");
    // "Active" puts the thread with the newest reply first.
    const { noteId: oldest } = (await praxis.services.repos.posts.findByObject(fresh.noteId)).length ? { noteId: fresh.noteId } : { noteId: "" };
    expect(oldest).not.toBe("");
    const post3 = (await praxis.services.repos.posts.threads((await praxis.services.repos.communities.findBySlug("busy"))!.id, { sort: "new", limit: 100 }))
      .rows.find((r) => r.content?.includes("Post number 3."))!;
    const reply = await peer.post("alice", { content: "<p>Reviving number 3.</p>", mention: [busy], inReplyTo: post3.object_uri });
    await postRow(reply.noteId);
    const active = main((await html("/c/busy?sort=active")).text);
    expect(active.indexOf("Post number 3.")).toBeLessThan(active.indexOf("Post number 26."));
    expect(active).toContain(`aria-current="true">Active</a>`);
  });

  it("shows rules, moderators and feeds, and Open Graph and alternate links", async () => {
    const { updateCommunity } = await import("../../src/operations/communities.ts");
    await updateCommunity(praxis, "nurses", { rules: "Be kind\n\nNo patient data" }, "test:operator");
    const { res, text } = await html("/c/nurses");
    expect(res.status).toBe(200);
    expect(main(text)).toMatch(/<ol><li>Be kind<\/li><li>No patient data<\/li><\/ol>/);
    expect(text).toContain(`<meta property="og:title" content="Nurses">`);
    expect(text).toContain(`<meta property="og:url" content="${nurses}">`);
    expect(text).toContain(`<link rel="alternate" type="application/activity+json" href="${nurses}">`);
    expect(text).toContain(`<link rel="alternate" type="application/atom+xml" href="/c/nurses/feed.atom"`);
    expect(text).toContain(`<link rel="icon" href="/favicon.ico"`);
  });

  it("shows a closed community's profile and how to join, not its posts, feeds or threads", async () => {
    await peer.follow("alice", closed);
    const { approveMember } = await import("../../src/operations/members.ts");
    await waitFor(async () => (await listMembers(praxis, "quiet", true)).length === 1, "pending");
    await approveMember(praxis, "quiet", peer.userUri("alice"), "test:moderator");
    const { noteId } = await peer.post("alice", { content: "<p>Members only</p>", mention: [closed] });
    const row = await postRow(noteId);
    const page = (await html("/c/quiet")).text;
    expect(main(page)).toContain("its posts are shared with its members only");
    expect(page).not.toContain("Members only");
    expect(page).not.toContain("feed.atom");
    expect((await html(`/c/quiet/posts/${row.id}`)).res.status).toBe(403);
    expect((await fetch(`${closed}/feed.atom`)).status).toBe(404);
  });
});

describe("language", () => {
  it("a choice made with ?lang= is kept by a cookie on the next pages", async () => {
    const first = await fetch(`${nurses}?lang=fr`, { headers: { Accept: "text/html" } });
    const cookie = first.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^praxis_lang=fr; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax/);
    expect(first.headers.get("cache-control")).toBe("private, no-cache");
    const next = await fetch(`${praxis.origin}/`, { headers: { Accept: "text/html", Cookie: cookie.split(";")[0], "Accept-Language": "en" } });
    const text = await next.text();
    expect(text).toContain(`<html lang="fr">`);
    expect(text).toContain("Un serveur Praxis pour les communautés de pratique.");
    expect(next.headers.get("content-language")).toBe("fr");
  });

  it("the instance description is translatable", async () => {
    const other = await startPraxis({ instanceDescription: "Our co-op's server.", instanceDescriptions: { fr: "Le serveur de notre coopérative." } });
    try {
      const fr = await (await fetch(`${other.origin}/?lang=fr`)).text();
      expect(fr).toContain("Le serveur de notre coopérative.");
      const en = await (await fetch(`${other.origin}/?lang=en`)).text();
      expect(en).toContain("Our co-op&#39;s server.");
      // Only English was written for… English; French pages without a translation mark the language.
      const partial = await startPraxis({ instanceDescription: "English only." });
      try {
        expect(await (await fetch(`${partial.origin}/?lang=fr`)).text()).toContain(`<div lang="en"><p>English only.</p></div>`);
      } finally {
        await partial.stop();
      }
    } finally {
      await other.stop();
    }
  });
});

describe("feeds", () => {
  it("Atom and RSS of a community parse with a feed parser and link to thread pages", async () => {
    const atom = await fetch(`${nurses}/feed.atom`);
    expect(atom.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    const feed = parseFeed(await atom.text());
    expect(feed.title).toBe("Nurses: posts");
    expect(feed.items.length).toBeGreaterThan(2);
    const item = feed.items.find((i) => i.content?.includes("How do you hand over at night?"))!;
    expect(item.url).toMatch(new RegExp(`^${praxis.origin}/c/nurses/posts/[0-9a-f-]{36}$`));
    const rss = parseFeed(await (await fetch(`${nurses}/feed.rss`)).text());
    expect(rss.items.length).toBe(feed.items.length);
    const network = parseFeed(await (await fetch(`${nurses}/network.atom`)).text());
    expect(network.title).toBe("Nurses: from its network");
  });
});

describe("follow from your server", () => {
  const form = (path: string, account: string, origin = praxis.origin) => fetch(new URL(path, praxis.origin), {
    method: "POST", redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: origin },
    body: new URLSearchParams({ account }),
  });

  it("sends a handle or a server to its interaction page with the community's id", async () => {
    const res = await form("/c/nurses/follow", "@me@social.example");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`https://social.example/authorize_interaction?uri=${encodeURIComponent(nurses)}`);
    const server = await form("/c/nurses/follow", peer.origin);
    expect(server.headers.get("location")).toBe(`${peer.origin}/authorize_interaction?uri=${encodeURIComponent(nurses)}`);
  });

  it("answers bad input next to the field, and refuses posts from other sites", async () => {
    const bad = await form("/c/nurses/follow", "not a handle");
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toMatch(/aria-invalid="true"/);
    expect(text).toContain(`<span class="error" id="follow-error">Enter a handle such as @you@example.social, or a server such as example.social.</span>`);
    expect((await form("/c/nurses/follow", "@me@social.example", "https://evil.example")).status).toBe(403);
  });
});

describe("HTTP", () => {
  it("answers conditional GETs with 304, caches public pages, compresses, and sends one Vary", async () => {
    const first = await fetch(nurses, { headers: { Accept: "text/html", "Accept-Encoding": "identity" } });
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^W\/"/);
    expect(first.headers.get("cache-control")).toBe("public, max-age=60");
    const vary = first.headers.get("vary")!;
    expect(vary.split(",").map((s) => s.trim()).sort()).toEqual(["Accept", "Accept-Encoding", "Accept-Language", "Cookie"]);
    const again = await fetch(nurses, { headers: { Accept: "text/html", "If-None-Match": etag, "Accept-Encoding": "identity" } });
    expect(again.status).toBe(304);
    // Compressed when asked (node's fetch would decode gzip itself: read the raw bytes with a raw request).
    const { request } = await import("node:http");
    const raw = await new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const req = request(nurses, { headers: { Accept: "text/html", "Accept-Encoding": "gzip" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(raw.headers["content-encoding"]).toBe("gzip");
    expect(raw.headers.vary).toBe(vary);
    expect(gunzipSync(raw.body).toString("utf8")).toContain("<h1>Nurses</h1>");
  });

  it("serves a favicon and robots.txt, and points browsers at the community page from its ActivityPub addresses", async () => {
    const icon = await fetch(`${praxis.origin}/favicon.ico`);
    expect(icon.headers.get("content-type")).toBe("image/x-icon");
    const bytes = new Uint8Array(await icon.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0, 0, 1, 0]);
    expect(await (await fetch(`${praxis.origin}/robots.txt`)).text()).toContain("Disallow: /console");
    for (const path of ["outbox", "followers", "featured", "moderators", "subcommunities"]) {
      const { res, text } = await html(`/c/nurses/${path}`);
      expect(res.status, path).toBe(200);
      expect(text, path).toContain(`<a class="button" href="/c/nurses">Go to the page of Nurses</a>`);
    }
    // ActivityPub clients still get the collection.
    const outbox = await fetch(`${nurses}/outbox`, { headers: { Accept: "application/activity+json" } });
    expect((await outbox.json()).type).toBe("OrderedCollection");
  });
});
