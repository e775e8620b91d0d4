// What peers read from Praxis, checked as Hollo, NodeBB, Mastodon and Fedify
// read it: the outbox after moderation, pins, the instance actor's WebFinger
// round trip, NodeInfo, host-meta and CORS. Members are a Mastodon-shaped
// raw host, which records what it receives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { createAccount } from "../../src/operations/accounts.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { setLocked, setPinned } from "../../src/operations/moderation.ts";
import { fixture } from "../support/fixtures.ts";
import { waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const AP = { Accept: "application/activity+json" };
const BY = "cli:tester";
let praxis: TestPraxis;
let host: RawHost;
let group: string;
let alice: RawActor;

const objectId = (o: any): string | undefined => (typeof o === "string" ? o : o?.id);
const asJson = async (url: string) => {
  const res = await fetch(url, { headers: AP });
  expect(res.status, url).toBe(200);
  return res.json();
};
const fromGroup = (type: string, filter: (json: any) => boolean) =>
  host.inboxPosts((r) => r.json?.type === type && r.json?.actor === group && filter(r.json));

async function post(content: string): Promise<string> {
  const noteId = `${alice.id}/statuses/${crypto.randomUUID()}`;
  const note = { id: noteId, type: "Note", attributedTo: alice.id, content, to: [PUBLIC, group], cc: [], published: new Date().toISOString() };
  host.serve(noteId, { "@context": AS_CONTEXT, ...note });
  expect((await host.send(`${praxis.origin}/inbox`, { "@context": AS_CONTEXT, id: `${noteId}/activity`, type: "Create", actor: alice.id, object: note, to: note.to }, alice)).status).toBe(202);
  await waitFor(() => fromGroup("Announce", (j) => j.object === noteId)[0], "the boost");
  return noteId;
}

beforeAll(async () => {
  praxis = await startPraxis();
  host = await startRawHost("127.0.0.8");
  await createCommunity(praxis, "makers", { name: "Makers" });
  group = `${praxis.origin}/c/makers`;
  alice = await host.actor("alice");
  const followId = host.newId("follows");
  expect((await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: alice.id, object: group }, alice)).status).toBe(202);
  await waitFor(() => fromGroup("Accept", (j) => objectId(j.object) === followId)[0], "Accept");
});

afterAll(async () => {
  await host?.stop();
  await praxis?.stop();
});

describe("the outbox after a moderator locks a thread", () => {
  it("serves its first page, with the lock as Fedify reads it, and leaves out rows it cannot render", async () => {
    const thread = await post("Which lathe?");
    await setLocked(praxis, "makers", thread, true, BY, { reason: "Heated" });
    const announce = await waitFor(() => fromGroup("Announce", (j) => j.object?.type === "Lock")[0], "Announce(Lock)");
    expect(announce.json.object.type).toBe("Lock");
    // A row recorded by Praxis 0.1, whose Lock Fedify's vocabulary refuses.
    const { repos } = praxis.services;
    const community = (await repos.communities.findBySlug("makers"))!;
    const old = fixture("praxis-announce-lock-defined", { origin: praxis.origin, actor: group, uuid: crypto.randomUUID() });
    await repos.activities.claim(community.id, old.object.id, "announce", old.id);
    await repos.activities.saveJson(old.id, old);

    const page = await asJson(`${group}/outbox?cursor=0`);
    const items: any[] = page.orderedItems;
    expect(items.some((i) => i.id === announce.json.id && i.object?.type === "Lock")).toBe(true);
    expect(items.some((i) => i.id === old.id)).toBe(false);
    expect((await asJson(`${group}/outbox`)).totalItems).toBeGreaterThan(0);
  });
});

describe("pins", () => {
  it("reach Mastodon-family members as the Group's own Add and Remove to featured", async () => {
    const pinned = await post("Workshop rules");
    await setPinned(praxis, "makers", pinned, true, BY);
    const add = await waitFor(() => fromGroup("Add", (j) => objectId(j.object) === pinned)[0], "Add from the Group");
    expect(add.json.target).toBe(`${group}/featured`);
    expect([add.json.to].flat()).toContain(PUBLIC);
    // The moderation actor's Add, announced, is still there for Lemmy.
    await waitFor(() => fromGroup("Announce", (j) => j.object?.type === "Add" && objectId(j.object.object) === pinned)[0], "Announce(Add)");
    expect((await asJson(add.json.id)).type).toBe("Add");

    await setPinned(praxis, "makers", pinned, false, BY);
    const remove = await waitFor(() => fromGroup("Remove", (j) => objectId(j.object) === pinned)[0], "Remove from the Group");
    expect(remove.json.target).toBe(`${group}/featured`);
  });
});

describe("the featured collection", () => {
  it("embeds a pinned Video or Event as what it is", async () => {
    for (const name of ["peertube-create-video", "mobilizon-create-event"]) {
      const create = fixture(name, { origin: host.origin, actor: alice.id, group, uuid: crypto.randomUUID() });
      expect((await host.send(`${praxis.origin}/inbox`, create, alice)).status).toBe(202);
      await waitFor(() => fromGroup("Announce", (j) => j.object === create.object.id)[0], "the boost");
      await setPinned(praxis, "makers", create.object.id, true, BY);
    }
    const featured = await asJson(`${group}/featured`);
    const items: any[] = featured.orderedItems ?? featured.items;
    expect(items.find((i) => i.name === "Sharpening a chisel in five minutes")?.type).toBe("Video");
    const event = items.find((i) => i.name === "Repair café, December");
    expect(event?.type).toBe("Event");
    expect(event?.startTime).toBe("2026-12-12T13:00:00Z");
  });
});

describe("the instance and moderation actors", () => {
  it("agree with WebFinger, as Mastodon checks before it accepts signed fetches, and live outside /c/", async () => {
    const hostPart = new URL(praxis.origin).host;
    for (const path of ["/actor", "/actor/moderation"]) {
      const actor = await asJson(`${praxis.origin}${path}`);
      const wf = await fetch(`${praxis.origin}/.well-known/webfinger?resource=acct:${actor.preferredUsername}@${hostPart}`);
      expect(wf.status, actor.preferredUsername).toBe(200);
      const jrd = await wf.json();
      expect(jrd.subject.toLowerCase()).toBe(`acct:${actor.preferredUsername}@${hostPart}`.toLowerCase());
      expect(jrd.links.find((l: any) => l.rel === "self")?.href).toBe(actor.id);
      for (const url of [actor.inbox, actor.outbox, actor.endpoints?.sharedInbox]) {
        expect(new URL(url).pathname.startsWith("/c/"), url).toBe(false);
      }
      const outbox = await asJson(actor.outbox);
      expect(outbox.type).toBe("OrderedCollection");
    }
    expect((await asJson(`${praxis.origin}/actor`)).preferredUsername).toBe(new URL(praxis.origin).hostname);
    for (const path of ["/c/instance.actor", "/c/instance.actor/outbox", "/c/moderation.actor", "/c/moderation.actor/inbox"]) {
      expect((await fetch(`${praxis.origin}${path}`, { headers: AP })).status, path).toBe(404);
    }
  });

  it("take deliveries at the shared inbox", async () => {
    const actor = await asJson(`${praxis.origin}/actor`);
    const flag = { "@context": AS_CONTEXT, id: host.newId("flags"), type: "Flag", actor: alice.id, object: [alice.id], content: "test" };
    expect((await host.send(actor.inbox, flag, alice)).status).toBe(202);
  });
});

describe("WebFinger, NodeInfo and host-meta", () => {
  it("finds a community whatever the case of its handle", async () => {
    const res = await fetch(`${praxis.origin}/.well-known/webfinger?resource=acct:MaKeRs@${new URL(praxis.origin).host}`);
    expect(res.status).toBe(200);
    expect((await res.json()).links.find((l: any) => l.rel === "self")?.href).toBe(group);
  });

  it("lets web clients on other origins read them (CORS)", async () => {
    const hostPart = new URL(praxis.origin).host;
    for (const path of [`/.well-known/webfinger?resource=acct:makers@${hostPart}`, "/.well-known/nodeinfo", "/nodeinfo/2.1", "/.well-known/host-meta"]) {
      const res = await fetch(`${praxis.origin}${path}`, { headers: { Origin: "https://client.example" } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("access-control-allow-origin"), path).toBe("*");
    }
  });

  it("serves host-meta with the WebFinger template", async () => {
    const res = await fetch(`${praxis.origin}/.well-known/host-meta`);
    expect(res.headers.get("content-type")).toMatch(/^application\/xrd\+xml/);
    expect(await res.text()).toContain(`template="${praxis.origin}/.well-known/webfinger?resource={uri}"`);
  });

  it("reports local accounts as users and no relayed post as local, with the project's homepage and repository", async () => {
    await createAccount(praxis, { username: "facilitator", password: "a long enough password" }, BY);
    const links = await (await fetch(`${praxis.origin}/.well-known/nodeinfo`)).json();
    const nodeinfo = await (await fetch(links.links[0].href)).json();
    expect(nodeinfo.usage.users.total).toBe(1);
    expect(nodeinfo.usage.localPosts).toBe(0);
    expect(nodeinfo.usage.localComments).toBe(0);
    expect(nodeinfo.metadata.relayedPosts).toBeGreaterThan(0);
    expect(nodeinfo.metadata.communities).toBe(1);
    expect(nodeinfo.metadata.members).toBe(1);
    expect(nodeinfo.software.homepage).toBe(packageJson.homepage);
    expect(nodeinfo.software.homepage).not.toBe(`${praxis.origin}/`);
    expect(nodeinfo.software.repository).toMatch(/^https:\/\//);
  });
});
