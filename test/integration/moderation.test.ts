// Moderation over real signed HTTP: a Praxis server and a Fedify peer that
// records what it receives, standing in for both a threadiverse member
// (which reads Announce(activity)) and a Mastodon member (which reads the
// boosts and their Undo).
import { Flag, Follow } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { listMembers } from "../../src/operations/members.ts";
import {
  banMember, dismissReport, listBans, listReports, removeMember, removePost, resolveReport, restorePost,
  setAnnouncementOnly, setLocked, setPinned, unbanMember,
} from "../../src/operations/moderation.ts";
import { sleep, waitFor } from "../support/net.ts";
import { startPeer, type Peer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const BY = "cli:tester";

let praxis: TestPraxis;
let peer: Peer;
let makers: string;
let news: string;
let moderationActor: string;

const objectId = (o: any): string | undefined => (typeof o === "string" ? o : o?.id);
const announcesFrom = (group: string, filter: (json: any) => boolean = () => true) =>
  peer.receivedOf("Announce", (r) => r.actor === group && filter(r.json));
const announcedActivity = (group: string, type: string, filter: (inner: any) => boolean = () => true) =>
  waitFor(() => announcesFrom(group, (j) => j.object?.type === type && filter(j.object))[0], `Announce(${type})`);
const asJson = async (url: string) => (await fetch(url, { headers: { Accept: "application/activity+json" } })).json();

beforeAll(async () => {
  praxis = await startPraxis();
  peer = await startPeer({ users: ["alice", "bob", "carol", "dave", "erin", "frank"] });
  await createCommunity(praxis, "makers", { name: "Makers" });
  await createCommunity(praxis, "news", { name: "News" });
  makers = `${praxis.origin}/c/makers`;
  news = `${praxis.origin}/c/news`;
  moderationActor = `${praxis.origin}/actor/moderation`;
  for (const user of ["alice", "bob", "carol", "frank"]) await peer.follow(user, makers);
  await waitFor(async () => (await listMembers(praxis, "makers", false)).length === 4, "four members");
});

afterAll(async () => {
  await peer?.stop();
  await praxis?.stop();
});

/** Posts from alice, then waits for its boost: later deliveries have been processed by then. */
async function marker(group: string, user = "alice") {
  const post = await peer.post(user, { content: `marker ${crypto.randomUUID()}`, mention: [group] });
  await waitFor(() => announcesFrom(group, (j) => j.object === post.noteId)[0], "marker boost");
}

function relayed(group: string, noteId: string): boolean {
  return announcesFrom(group, (j) => objectId(j.object) === noteId || objectId(j.object?.object) === noteId).length > 0;
}

describe("the moderation actor", () => {
  it("is a Service on the community's domain, as Lemmy requires of a moderator", async () => {
    const actor = await asJson(moderationActor);
    expect(actor.type).toBe("Service");
    expect(actor.id).toBe(moderationActor);
    expect(actor.inbox).toBeTruthy();
    expect(actor.publicKey.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
  });
});

describe("removing a post", () => {
  it("sends Announce(Delete) with the reason to threadiverse members and withdraws the boost", async () => {
    const post = await peer.post("alice", { content: "<p>Buy cheap watches</p>", mention: [makers] });
    await waitFor(() => announcesFrom(makers, (j) => j.object === post.noteId)[0], "boost");
    expect(await (await fetch(makers)).text()).toContain("cheap watches");

    await removePost(praxis, "makers", post.noteId, BY, { reason: "Advertising" });

    const announce = await announcedActivity(makers, "Delete", (d) => objectId(d.object) === post.noteId);
    const del = announce.json.object;
    expect(del.actor).toBe(moderationActor);
    expect(del.summary).toBe("Advertising");
    expect(del.audience).toBe(makers);
    expect([del.to].flat()).toContain(PUBLIC);
    expect([announce.json.to].flat()).toContain(PUBLIC);
    const undo = await waitFor(() => peer.receivedOf("Undo", (r) => r.actor === makers && objectId(r.json.object?.object) === post.noteId)[0], "Undo(Announce)");
    expect(undo.json.object.type).toBe("Announce");

    // Gone from the page and the outbox.
    expect(await (await fetch(makers)).text()).not.toContain("cheap watches");
    const outbox = await asJson(`${makers}/outbox?cursor=0`);
    const items = JSON.stringify(outbox.orderedItems ?? []);
    expect(items).not.toContain(post.createId);
    const audit = await praxis.services.repos.audit.list({ communityId: (await praxis.services.repos.communities.findBySlug("makers"))!.id });
    expect(audit.some((a) => a.action === "post.remove" && a.target === post.noteId && a.actor === BY)).toBe(true);

    // Restoring undoes the removal and boosts it again.
    await restorePost(praxis, "makers", post.noteId, BY);
    await announcedActivity(makers, "Undo", (u) => u.object?.type === "Delete" && objectId(u.object.object) === post.noteId);
    expect(await (await fetch(makers)).text()).toContain("cheap watches");
    // The boost comes back under a new id (receivers ignore ids they have seen), and a second
    // removal withdraws that one.
    const boosts = () => peer.receivedOf("Announce", (r) => r.actor === makers && r.json.object === post.noteId);
    await waitFor(() => new Set(boosts().map((b) => b.id)).size === 2, "a fresh boost after restoring");
    await removePost(praxis, "makers", post.noteId, BY);
    const undos = () => peer.receivedOf("Undo", (r) => r.actor === makers && objectId(r.json.object?.object) === post.noteId);
    await waitFor(() => undos().length === 2, "the second boost withdrawn");
    expect(new Set(undos().map((u) => u.json.object.id)).size).toBe(2);
  });

  it("refuses unknown posts and bad input with clear errors", async () => {
    await expect(removePost(praxis, "makers", "https://nowhere.example/1", BY)).rejects.toThrow(/No post/);
    await expect(removePost(praxis, "makers", "not a uri", BY)).rejects.toThrow(/object/);
    await expect(removePost(praxis, "nope", "https://nowhere.example/1", BY)).rejects.toThrow(/No community/);
  });
});

describe("banning", () => {
  it("federates a Block with target = community, refuses the banned actor's posts, follows and likes, and lifts it", async () => {
    const bob = peer.userUri("bob");
    const ban = await banMember(praxis, "makers", bob, BY, { reason: "Spam", expires: "2099-01-01" });
    expect(ban.active).toBe(true);
    expect(ban.expiresAt).toBe("2099-01-01T00:00:00.000Z");

    const announce = await announcedActivity(makers, "Block", (b) => b.object === bob);
    expect(announce.json.object.target).toBe(makers);
    expect(announce.json.object.actor).toBe(moderationActor);
    expect(announce.json.object.summary).toBe("Spam");
    expect(announce.json.object.endTime).toBe("2099-01-01T00:00:00Z");
    // The banned actor gets the Block itself.
    await waitFor(() => peer.receivedOf("Block", (r) => r.actor === moderationActor && r.json.object === bob)[0], "Block to bob");
    expect((await listMembers(praxis, "makers", false)).some((m) => m.actorUri === bob)).toBe(false);

    const refused = await peer.post("bob", { content: "still here", mention: [makers] });
    const followId = await peer.follow("bob", makers);
    await waitFor(() => peer.receivedOf("Reject", (r) => r.actor === makers && objectId(r.json.object) === followId)[0], "Reject(Follow)");
    await marker(makers);
    expect(relayed(makers, refused.noteId)).toBe(false);
    expect(await praxis.services.repos.posts.find((await praxis.services.repos.communities.findBySlug("makers"))!.id, refused.noteId)).toBeNull();
    expect((await listMembers(praxis, "makers", false)).some((m) => m.actorUri === bob)).toBe(false);

    expect((await listBans(praxis, "makers")).map((b) => b.actorUri)).toEqual([bob]);
    await unbanMember(praxis, "makers", bob, BY);
    const undo = await announcedActivity(makers, "Undo", (u) => u.object?.type === "Block" && u.object.object === bob);
    expect(undo.json.object.object.id).toBe(announce.json.object.id);
    expect(await listBans(praxis, "makers")).toEqual([]);
    await expect(unbanMember(praxis, "makers", bob, BY)).rejects.toThrow(/not banned/);
    await expect(banMember(praxis, "makers", bob, BY, { expires: "yesterday" })).rejects.toThrow(/expires/);
  });
});

describe("locking a thread", () => {
  it("refuses replies (not stored, not relayed) and federates Lock and Undo(Lock)", async () => {
    const thread = await peer.post("alice", { content: "Which lathe?", mention: [makers] });
    await waitFor(() => announcesFrom(makers, (j) => j.object === thread.noteId)[0], "thread boost");
    await setLocked(praxis, "makers", thread.noteId, true, BY, { reason: "Heated" });
    const lock = await announcedActivity(makers, "Lock", (l) => objectId(l.object) === thread.noteId);
    expect(lock.json.object.actor).toBe(moderationActor);
    expect(lock.json.object.summary).toBe("Heated");
    expect(lock.json.object.audience).toBe(makers);
    expect([lock.json.object.to].flat()).toContain(PUBLIC);

    const reply = await peer.post("carol", { content: "A big one", inReplyTo: thread.noteId, deliverTo: [makers] });
    await marker(makers);
    expect(relayed(makers, reply.noteId)).toBe(false);
    expect(await praxis.services.repos.posts.find((await praxis.services.repos.communities.findBySlug("makers"))!.id, reply.noteId)).toBeNull();

    await setLocked(praxis, "makers", thread.noteId, false, BY);
    const undo = await announcedActivity(makers, "Undo", (u) => u.object?.type === "Lock" && objectId(u.object.object) === thread.noteId);
    expect(undo.json.object.actor).toBe(moderationActor);
    const later = await peer.post("carol", { content: "A small one", inReplyTo: thread.noteId, deliverTo: [makers] });
    await waitFor(() => announcesFrom(makers, (j) => j.object === later.noteId)[0], "reply relayed after unlock");
  });
});

describe("pinning", () => {
  it("lists the post in featured and federates Add/Remove with target = featured", async () => {
    const post = await peer.post("alice", { content: "Workshop rules", mention: [makers] });
    await waitFor(() => announcesFrom(makers, (j) => j.object === post.noteId)[0], "boost");
    await setPinned(praxis, "makers", post.noteId, true, BY);
    const add = await announcedActivity(makers, "Add", (a) => objectId(a.object) === post.noteId);
    expect(add.json.object.target).toBe(`${makers}/featured`);
    const featured = await asJson(`${makers}/featured`);
    const items = featured.orderedItems ?? featured.items ?? [];
    expect([items].flat().map(objectId)).toContain(post.noteId);

    await setPinned(praxis, "makers", post.noteId, false, BY);
    await announcedActivity(makers, "Remove", (a) => objectId(a.object) === post.noteId && a.target === `${makers}/featured`);
    const after = await asJson(`${makers}/featured`);
    expect([after.orderedItems ?? after.items ?? []].flat().map(objectId)).not.toContain(post.noteId);
  });
});

describe("announcement-only communities", () => {
  it("refuse a member's new thread but relay a moderator-linked actor's", async () => {
    await peer.follow("alice", news);
    await peer.follow("dave", news);
    await waitFor(async () => (await listMembers(praxis, "news", false)).length === 2, "two members");
    const { db, repos } = praxis.services;
    const community = (await repos.communities.findBySlug("news"))!;
    await db.insertInto("accounts").values({
      id: "acc-dave", username: "dave", password_hash: "x", role: "moderator", actor_uri: peer.userUri("dave"), created_at: new Date().toISOString(),
    }).execute();
    await repos.moderators.add(community.id, "acc-dave");

    await setAnnouncementOnly(praxis, "news", true, BY);
    const update = await waitFor(() => peer.receivedOf("Update", (r) => r.actor === news && r.json.object?.type === "Group")[0], "Update(Group)");
    expect(update.json.object.postingRestrictedToMods).toBe(true);
    expect((await asJson(news)).postingRestrictedToMods).toBe(true);

    const member = await peer.post("alice", { content: "member news", mention: [news] });
    const moderator = await peer.post("dave", { content: "official news", mention: [news] });
    await waitFor(() => announcesFrom(news, (j) => j.object === moderator.noteId)[0], "moderator's post relayed");
    await sleep(300);
    expect(relayed(news, member.noteId)).toBe(false);
  });
});

describe("membership", () => {
  it("keeps a closed community's join request message, and removes members with Reject", async () => {
    await createCommunity(praxis, "guild", { name: "Guild", closed: true });
    const guild = `${praxis.origin}/c/guild`;
    const follow = new Follow({
      id: new URL(`${peer.origin}/users/erin/follows/${crypto.randomUUID()}`),
      actor: new URL(peer.userUri("erin")), object: new URL(guild), content: "I run a small forge",
    });
    await peer.send("erin", follow, [guild]);
    const pending = await waitFor(async () => (await listMembers(praxis, "guild", true))[0], "pending request");
    expect(pending.message).toBe("I run a small forge");

    const frank = peer.userUri("frank");
    const member = (await listMembers(praxis, "makers", false)).find((m) => m.actorUri === frank)!;
    expect(member.acceptedAt).toBeTruthy();
    await removeMember(praxis, "makers", frank, BY);
    await waitFor(() => peer.receivedOf("Reject", (r) => r.actor === makers && objectId(r.json.object) === member.followId)[0], "Reject");
    expect((await listMembers(praxis, "makers", false)).some((m) => m.actorUri === frank)).toBe(false);
    await expect(removeMember(praxis, "makers", frank, BY)).rejects.toThrow(/not a member/);
  });
});

describe("reports", () => {
  let reported: { noteId: string };

  it("queues a Mastodon-style Flag with its comment and objects, attached to the post's community", async () => {
    reported = await peer.post("carol", { content: "Dodgy wiring advice", mention: [makers] });
    await waitFor(() => announcesFrom(makers, (j) => j.object === reported.noteId)[0], "boost");
    const flag = new Flag({
      id: new URL(`${peer.origin}/${crypto.randomUUID()}`),
      actor: new URL(peer.userUri("alice")),
      objects: [new URL(peer.userUri("carol")), new URL(reported.noteId)],
      content: "This is dangerous",
    });
    // Mastodon delivers reports to the reported server's shared inbox.
    await peer.send("alice", flag, [`${praxis.origin}/actor`], { sharedInbox: true });
    const report = await waitFor(async () => (await listReports(praxis, { community: "makers" }))[0], "report queued");
    expect(report.comment).toBe("This is dangerous");
    expect(report.objects).toEqual([peer.userUri("carol"), reported.noteId]);
    expect(report.community).toBe("makers");
    expect(report.reporterUri).toBe(peer.userUri("alice"));
    // Delivered again: stored once.
    await peer.redeliver("alice", flag.id!.href, [`${praxis.origin}/actor`]);
    await sleep(300);
    expect(await listReports(praxis, { community: "makers" })).toHaveLength(1);
  });

  it("resolves with --remove-post and --forward: the post goes, a Flag reaches the author's server", async () => {
    const [report] = await listReports(praxis, { community: "makers" });
    const resolved = await resolveReport(praxis, report.id, BY, { removePost: true, forward: true });
    expect(resolved.status).toBe("resolved");
    expect(resolved.forwardedAt).toBeTruthy();
    await announcedActivity(makers, "Delete", (d) => objectId(d.object) === reported.noteId);
    const forwarded = await waitFor(() => peer.receivedOf("Flag", (r) => r.actor === `${praxis.origin}/actor`)[0], "forwarded Flag");
    expect([forwarded.json.object].flat()).toEqual([peer.userUri("carol"), reported.noteId]);
    expect(forwarded.json.content).toBe("This is dangerous");
    expect(await listReports(praxis, { community: "makers" })).toHaveLength(0);
    expect((await listReports(praxis, { all: true })).find((r) => r.id === report.id)?.status).toBe("resolved");
    await expect(dismissReport(praxis, report.id, BY)).rejects.toThrow(/already resolved/);
  });

  it("dismisses, and keeps reports about unknown posts at the instance level", async () => {
    const flag = new Flag({
      id: new URL(`${peer.origin}/${crypto.randomUUID()}`),
      actor: new URL(peer.userUri("alice")),
      objects: [new URL(peer.userUri("bob"))],
      content: "Impersonation",
    });
    await peer.send("alice", flag, [`${praxis.origin}/actor`], { sharedInbox: true });
    const report = await waitFor(async () => (await listReports(praxis)).find((r) => r.comment === "Impersonation"), "instance report");
    expect(report.community).toBeNull();
    const dismissed = await dismissReport(praxis, report.id, BY);
    expect(dismissed.status).toBe("dismissed");
    expect(dismissed.resolvedBy).toBe(BY);
    await expect(dismissReport(praxis, "not-an-id", BY)).rejects.toThrow(/report id/);
  });
});
